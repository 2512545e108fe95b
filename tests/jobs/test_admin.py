"""The jobs in the admin: state and progress bar, who sees which jobs, the retry action, and
the periodic jobs' calendar (head office's)."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from jobs.models import Job, PeriodicJob
from jobs.services import job_enqueue
from tests.factories import BranchOfficeFactory, UserFactory
from villages.models import Regency
from villages.roles import user_role_set

CHANGELIST = reverse("admin:jobs_job_changelist")
SCHEDULE = reverse("admin:jobs_periodicjob_changelist")


def client_of(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


class Users(dict[str, User]):
    """The personas, each made when a test first names it."""

    def __missing__(self, role: str) -> User:
        if role == "superuser":
            user = UserFactory.create(username="root", is_staff=True, is_superuser=True)
        elif role == "branch_staff":
            branch = BranchOfficeFactory.create(name="Purwokerto")
            branch.regencies.set(Regency.objects.filter(code="33.02"))
            user = user_role_set(username="staf", kind=role, branch_name="Purwokerto").user
        else:
            areas = {"manager": ["33.02"], "village_secretary": ["33.02.03.2003"]}
            user = user_role_set(username=role, kind=role, area_codes=areas.get(role, [])).user
        self[role] = user
        return user


@pytest.fixture
def users(db) -> Users:
    return Users()


@pytest.fixture
def jobs(users) -> dict:
    """A national job of the command line, half done, and one the branch officer asked for."""
    national = job_enqueue(kind="snapshot_coverage", arguments={"month": "2026-11", "months": 3})
    Job.objects.filter(pk=national.pk).update(
        state="running", done=1500, total=2000, message="Month 10/2026"
    )
    own = job_enqueue(
        kind="roll_coverage_day", arguments={"day": "2026-11-23"}, user=users["branch_staff"]
    )
    return {"national": national, "own": own}


def row_of(html: str, job: Job) -> str:
    start = html.index(f'<a href="{reverse("admin:jobs_job_change", args=[job.pk])}"')
    return html[start : html.index("</tr>", start)]


def test_head_office_sees_every_job_with_its_state_and_progress_bar(users, jobs):
    response = client_of(users["head_office"], "id").get(CHANGELIST)

    assert response.status_code == 200
    html = response.content.decode()
    national = row_of(html, jobs["national"])
    assert '<progress value="1500" max="2000">75%</progress> 1.500 / 2.000' in national
    assert "Month 10/2026" in national
    own = row_of(html, jobs["own"])
    assert "<progress>dalam antrean</progress>" in own
    assert "<script" not in national + own
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_other_staff_see_the_jobs_they_asked_for_only(users, jobs):
    client = client_of(users["branch_staff"])
    html = client.get(CHANGELIST).content.decode()
    assert row_of(html, jobs["own"])
    with pytest.raises(ValueError):
        row_of(html, jobs["national"])
    assert client.get(reverse("admin:jobs_job_change", args=[jobs["own"].pk])).status_code == 200
    other = reverse("admin:jobs_job_change", args=[jobs["national"].pk])
    assert client.get(other).status_code == 404
    assert client_of(users["manager"]).get(other).status_code == 404


@pytest.mark.parametrize("who", ["village_secretary", "anonymous"])
def test_users_without_a_staff_role_are_sent_to_the_login(users, jobs, who):
    client = Client() if who == "anonymous" else client_of(users[who])
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_job_page_shows_its_arguments_and_links_its_task_result_for_superusers(users, jobs):
    national = jobs["national"]
    url = reverse("admin:jobs_job_change", args=[national.pk])
    result_url = reverse(
        "admin:django_tasks_database_dbtaskresult_change", args=[national.task_result_id]
    )

    root = client_of(users["superuser"]).get(url).content.decode()
    assert "<code>{&quot;month&quot;: &quot;2026-11&quot;, &quot;months&quot;: 3}</code>" in root
    assert f'<a href="{result_url}">{national.task_result_id}</a>' in root
    assert client_of(users["superuser"]).get(result_url).status_code == 200

    office = client_of(users["head_office"]).get(url).content.decode()
    assert national.task_result_id in office
    assert result_url not in office


def retry(client: Client, *jobs: Job):
    data = {"action": "retry", "_selected_action": [job.pk for job in jobs]}
    return client.post(CHANGELIST, data, follow=True)


def test_retry_queues_failed_and_interrupted_jobs_again_and_leaves_the_others(users, jobs):
    Job.objects.filter(pk=jobs["own"].pk).update(state="failed", message="boom")
    interrupted = job_enqueue(kind="roll_coverage_day", arguments={"day": "2026-11-24"})
    Job.objects.filter(pk=interrupted.pk).update(state="interrupted")

    response = retry(client_of(users["head_office"]), jobs["own"], jobs["national"], interrupted)

    assert [str(m) for m in response.context["messages"]] == [
        "2 jobs queued again.",
        "1 job was not failed or interrupted; it is left as it is.",
    ]
    states = dict(Job.objects.values_list("pk", "state"))
    assert states == {
        jobs["own"].pk: "queued",
        jobs["national"].pk: "running",
        interrupted.pk: "queued",
    }
    assert Job.objects.get(pk=jobs["own"].pk).attempts == 2


def test_staff_cannot_retry_a_job_they_do_not_see(users, jobs):
    Job.objects.filter(pk=jobs["national"].pk).update(state="failed")
    retry(client_of(users["branch_staff"]), jobs["national"])
    assert Job.objects.values_list("state", "attempts").get(pk=jobs["national"].pk) == ("failed", 1)


def test_a_retried_job_runs_at_once_on_the_immediate_backend(users, jobs, settings):
    """The synchronous backend, for this test only: the retry runs the job in the request."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    Job.objects.filter(pk=jobs["own"].pk).update(state="interrupted")

    retry(client_of(users["branch_staff"]), jobs["own"])

    job = Job.objects.get(pk=jobs["own"].pk)
    assert (job.state, job.done, job.total, job.attempts) == ("succeeded", 2, 2, 2)
    assert job.message == "23/11/2026: angka hari itu sudah disusun (sebelumnya —)."


def test_head_office_keeps_the_calendar(users):
    client = client_of(users["head_office"])
    html = client.get(SCHEDULE).content.decode()
    assert "every day at 00:05" in html
    assert "every month on day 1 at 00:30" in html

    response = client.post(
        reverse("admin:jobs_periodicjob_add"),
        {
            "name": "Snapshot harian",
            "kind": "snapshot_coverage",
            "arguments": "{}",
            "every": "day",
            "day_of_month": "",
            "at": "01:00",
            "enabled": "on",
        },
    )
    assert response.status_code == 302
    added = PeriodicJob.objects.get(name="Snapshot harian")
    assert (added.kind, added.arguments, added.every, added.at, added.last_enqueued_for) == (
        "snapshot_coverage",
        {},
        "day",
        dt.time(1, 0),
        None,
    )


def test_the_calendar_refuses_arguments_a_job_does_not_take(users):
    response = client_of(users["head_office"]).post(
        reverse("admin:jobs_periodicjob_add"),
        {"name": "Salah", "kind": "roll_coverage_day", "arguments": '{"days": 2}',
         "every": "day", "at": "01:00"},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "arguments": ["got an unexpected keyword argument 'days'"]
    }


@pytest.mark.parametrize("who", ["branch_staff", "manager"])
def test_the_calendar_is_head_offices(users, who):
    periodic = PeriodicJob.objects.first()
    client = client_of(users[who])
    assert client.get(SCHEDULE).status_code == 403
    assert (
        client.get(reverse("admin:jobs_periodicjob_change", args=[periodic.pk])).status_code == 403
    )
