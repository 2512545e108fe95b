"""The weekly work-list mail (digest.services.send_work_digests): who receives it, what it
says (in Indonesian, the site's language), once a week per user, and its command.

Data and recipients: tests/digest/conftest.py. Mails go to Django's locmem backend
(`mailoutbox`)."""

from __future__ import annotations

import datetime as dt
import io
import re
import smtplib

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from digest import selectors, services
from digest.links import unsubscribe_token
from digest.mail import digest_message
from digest.models import DigestSent
from digest.selectors import DigestArea, WorkDigest
from digest.services import digest_preference_set, send_work_digests
from tests.digest.conftest import KARANGLEWAS, WEEK, branch_staff, secretary
from tests.factories import PostFactory, covered
from villages.selectors import Area

SITE = "http://127.0.0.1:8000"


def _by_address(outbox) -> dict[str, mail.EmailMessage]:
    return {message.to[0]: message for message in outbox}


def _link(user: User) -> str:
    return f"{SITE}/surel/berhenti/{unsubscribe_token(user)}/"


# --- Who receives it -----------------------------------------------------------------------


def test_branch_staff_and_secretaries_with_an_address_receive_it(people, mailoutbox):
    inactive = branch_staff("staf.lama", "lama@kc-purwokerto.example")
    User.objects.filter(pk=inactive.pk).update(is_active=False)
    stopped = secretary("sekdes.berhenti", "berhenti@gunungwetan.example", "33.02.03.2001")
    digest_preference_set(user=stopped, subscribed=False, reason="test")
    root = branch_staff("root", "root@bpjs.example")
    User.objects.filter(pk=root.pk).update(is_superuser=True)

    report = send_work_digests(week=WEEK)

    assert sorted(_by_address(mailoutbox)) == [
        "sekdes@karanglewas.example",
        "staf@kc-purwokerto.example",
        "staf@kc-tuban.example",
    ]
    assert report.sent == ["staf", "sekdes", "staf.tuban"]
    # Pekuncen has nobody to call: no mail, and the report says so.
    assert report.empty == ["sekdes.pekuncen"]
    assert (report.already, report.failed, report.earlier) == ([], [], 0)
    assert (report.week_start, report.day) == (WEEK, dt.date(2026, 11, 22))
    assert sorted(DigestSent.objects.values_list("user__username", "week_start", "people")) == [
        ("sekdes", WEEK, 2),
        ("staf", WEEK, 4),
        ("staf.tuban", WEEK, 1),
    ]


def test_a_user_who_resumes_the_mail_receives_it_again(people, mailoutbox):
    digest_preference_set(user=people["sekdes"], subscribed=False, reason="test")
    assert "sekdes" not in send_work_digests(week=WEEK).sent
    digest_preference_set(user=people["sekdes"], subscribed=True, reason="test")

    report = send_work_digests(week=WEEK)

    assert report.sent == ["sekdes"]
    assert report.earlier == 2
    assert [message.to for message in mailoutbox].count(["sekdes@karanglewas.example"]) == 1


# --- What it says --------------------------------------------------------------------------


def test_a_secretary_is_sent_only_their_village(people, mailoutbox):
    send_work_digests(week=WEEK)
    message = _by_address(mailoutbox)["sekdes@karanglewas.example"]

    assert message.subject == "Daftar kerja pekan 16/11/2026: 2 orang perlu dihubungi"
    assert message.body.splitlines() == [
        "Halo sekdes,",
        "",
        "Daftar kerja Anda per 22/11/2026: aparatur desa yang kepesertaannya berakhir paling "
        "lambat 22/12/2026, menunggak, atau sudah berakhir.",
        "",
        "== Desa Karanglewas (33.02.03.2003) ==",
        "2 orang perlu dihubungi: 1 akan berakhir dalam 30 hari, 1 menunggak, 0 sudah berakhir.",
        "",
        "Karanglewas (33.02.03.2003)",
        "- Romini, Anggota BPD: Menunggak, iuran sampai 31/10/2026; program yang kurang: JKK, JKM",
        "- Sutrisno, Kepala Urusan (Keuangan): Akan berakhir dalam 30 hari, iuran sampai "
        "10/12/2026; program yang kurang: JKK, JKM",
        "",
        f"Daftar lengkapnya, untuk dihubungi: {SITE}/daftar-kerja/?village=33.02.03.2003",
        "",
        "-- ",
        "Anda menerima surel ini setiap pekan karena peran Anda mendapatkannya: staf kantor "
        "cabang dan sekretaris desa yang punya alamat surel.",
        f"Berhenti menerima surel ini: {_link(people['sekdes'])}",
        f"Pengaturan surel Anda: {SITE}/surel/",
    ]
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert re.findall(r"<strong>([^<]+)</strong><br>", str(html)) == ["Romini", "Sutrisno"]
    assert f'href="{_link(people["sekdes"])}"' in str(html)
    assert f'href="{SITE}/daftar-kerja/?village=33.02.03.2003"' in str(html)


def test_it_carries_the_unsubscribe_headers_and_the_sender(people, mailoutbox, settings):
    settings.DEFAULT_FROM_EMAIL = "BPJS Desa <daftar-kerja@desa.example.go.id>"
    send_work_digests(week=WEEK)
    message = _by_address(mailoutbox)["sekdes@karanglewas.example"]

    assert message.from_email == "BPJS Desa <daftar-kerja@desa.example.go.id>"
    assert message.extra_headers == {
        "List-Unsubscribe": f"<{_link(people['sekdes'])}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    rendered = message.message()
    assert rendered["List-Unsubscribe"] == f"<{_link(people['sekdes'])}>"


def test_branch_staff_are_sent_their_regency_village_by_village(people, mailoutbox):
    send_work_digests(week=WEEK)
    body = _by_address(mailoutbox)["staf@kc-purwokerto.example"].body.splitlines()

    assert body[4:16] == [
        "== Kabupaten Banyumas (33.02) ==",
        "4 orang perlu dihubungi: 2 akan berakhir dalam 30 hari, 1 menunggak, 1 sudah berakhir.",
        "",
        "Gunung Wetan (33.02.03.2001)",
        "- Tukiyem, Ketua RT (RT 001 / RW 001): Berakhir, iuran sampai 31/01/2026; program "
        "yang kurang: JKK, JKM",
        "- Paijo, Kepala Dusun (Dusun Krajan); Satlinmas: Akan berakhir dalam 30 hari, iuran "
        "sampai 15/12/2026; program yang kurang: JKK",
        "",
        "Karanglewas (33.02.03.2003)",
        "- Romini, Anggota BPD: Menunggak, iuran sampai 31/10/2026; program yang kurang: JKK, JKM",
        "- Sutrisno, Kepala Urusan (Keuangan): Akan berakhir dalam 30 hari, iuran sampai "
        "10/12/2026; program yang kurang: JKK, JKM",
        "",
        f"Daftar lengkapnya, untuk dihubungi: {SITE}/daftar-kerja/?regency=33.02",
    ]
    # Tuban's staff get Tuban's one person; Banyumas' people are not in their mail.
    tuban = _by_address(mailoutbox)["staf@kc-tuban.example"]
    assert re.findall(r"^- (\w+),", tuban.body, re.MULTILINE) == ["Warsito"]


def test_a_branch_of_two_regencies_gets_each_as_the_page_offers_it(people, mailoutbox):
    """The page asks such a user to pick a regency; the mail has one part per regency."""
    people["staf"].role.branch.regencies.add("35.23")
    send_work_digests(week=WEEK)
    body = _by_address(mailoutbox)["staf@kc-purwokerto.example"].body

    assert re.findall(r"^== (.+) ==$", body, re.MULTILINE) == [
        "Kabupaten Banyumas (33.02)",
        "Kabupaten Tuban (35.23)",
    ]
    assert re.findall(r"^- (\w+),", body, re.MULTILINE) == [
        "Tukiyem",
        "Paijo",
        "Romini",
        "Sutrisno",
        "Warsito",
    ]
    assert f"{SITE}/daftar-kerja/?regency=35.23" in body


def test_a_long_list_gives_the_first_rows_and_says_how_many_more(people, mailoutbox, monkeypatch):
    monkeypatch.setattr(selectors, "ROWS_PER_AREA", 1)
    send_work_digests(week=WEEK)
    body = _by_address(mailoutbox)["sekdes@karanglewas.example"].body.splitlines()

    assert body[7:12] == [
        "Karanglewas (33.02.03.2003)",
        "- Romini, Anggota BPD: Menunggak, iuran sampai 31/10/2026; program yang kurang: JKK, JKM",
        "",
        "Dan 1 orang lagi di daftar kerja.",
        f"Daftar lengkapnya, untuk dihubungi: {SITE}/daftar-kerja/?village=33.02.03.2003",
    ]


def test_counts_are_written_the_indonesian_way(db):
    user = User(pk=7, username="staf", email="staf@kc.example")
    area = Area(code="33.02", name="Kabupaten Banyumas", level="regency")
    counts = {"lapsing_soon": 1234, "in_arrears": 12, "ended": 3379}
    digest = WorkDigest(
        day=dt.date(2026, 11, 22),
        areas=[DigestArea(area=area, counts=counts, villages=301, rows=[], query="")],
    )
    message = digest_message(user=user, digest=digest, week_start=WEEK)

    assert message.subject == "Daftar kerja pekan 16/11/2026: 4.625 orang perlu dihubungi"
    assert message.body.splitlines()[5:8] == [
        "4.625 orang perlu dihubungi: 1.234 akan berakhir dalam 30 hari, 12 menunggak, "
        "3.379 sudah berakhir.",
        "",
        "Dan 4.625 orang lagi di daftar kerja.",
    ]


def test_english_is_there_for_an_english_site(people, mailoutbox, settings):
    settings.LANGUAGE_CODE = "en"
    send_work_digests(week=WEEK)
    message = _by_address(mailoutbox)["sekdes@karanglewas.example"]

    assert message.subject == "Work list, week of 16/11/2026: 2 people to call"
    assert message.body.splitlines()[5:10] == [
        "2 people to call: 1 lapsing within 30 days, 1 in arrears, 0 ended.",
        "",
        "Karanglewas (33.02.03.2003)",
        "- Romini, BPD member (Anggota BPD): In arrears, paid until 31/10/2026; programs "
        "missing: JKK, JKM",
        "- Sutrisno, Head of affairs (Kepala Urusan) (Keuangan): Lapsing within 30 days, paid "
        "until 10/12/2026; programs missing: JKK, JKM",
    ]


# --- Once a week ---------------------------------------------------------------------------


def test_a_second_run_in_the_week_sends_nothing(people, mailoutbox):
    first = send_work_digests(week=WEEK)
    second = send_work_digests(week=WEEK + dt.timedelta(days=3))  # any day of the week

    assert len(first.sent) == 3
    assert (second.sent, second.already, second.earlier) == ([], [], 3)
    assert second.empty == ["sekdes.pekuncen"]  # nobody to call is looked at again
    assert len(mailoutbox) == 3
    assert DigestSent.objects.count() == 3


def test_the_next_week_is_sent_again(people, mailoutbox):
    send_work_digests(week=WEEK)
    report = send_work_digests(week=WEEK + dt.timedelta(days=7))

    assert report.sent == ["staf", "sekdes", "staf.tuban"]
    assert report.day == dt.date(2026, 11, 29)
    assert len(mailoutbox) == 6


def test_a_run_stopped_half_way_is_completed_by_the_next(people, mailoutbox, monkeypatch):
    """One mail a batch, and the run dies after the second: the re-run sends the third."""
    monkeypatch.setattr(services, "BATCH_SIZE", 1)
    calls: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        calls.append((done, total))
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        send_work_digests(week=WEEK, progress=progress)
    assert calls == [(0, 4), (1, 4), (2, 4)]
    assert len(mailoutbox) == 2

    report = send_work_digests(week=WEEK)

    assert (report.sent, report.earlier, report.empty) == (["staf.tuban"], 2, ["sekdes.pekuncen"])
    assert sorted(m.to[0] for m in mailoutbox) == [
        "sekdes@karanglewas.example",
        "staf@kc-purwokerto.example",
        "staf@kc-tuban.example",
    ]


class RefusingBackend(EmailBackend):
    """A mail server that refuses the Tuban address (as a real one refuses a bad mailbox)."""

    def send_messages(self, messages):
        for message in messages:
            if "staf@kc-tuban.example" in message.to:
                refused = {"staf@kc-tuban.example": (550, b"5.1.1 No such mailbox")}
                raise smtplib.SMTPRecipientsRefused(refused)  # type: ignore[arg-type]
        return super().send_messages(messages)


def test_a_refused_mail_is_reported_and_sent_by_the_next_run(people, mailoutbox, settings):
    settings.EMAIL_BACKEND = "tests.digest.test_sending.RefusingBackend"
    report = send_work_digests(week=WEEK)

    assert report.sent == ["staf", "sekdes"]
    assert report.failed == [
        ("staf.tuban", "{'staf@kc-tuban.example': (550, b'5.1.1 No such mailbox')}")
    ]
    assert sorted(DigestSent.objects.values_list("user__username", flat=True)) == [
        "sekdes",
        "staf",
    ]

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    again = send_work_digests(week=WEEK)

    assert (again.sent, again.earlier) == (["staf.tuban"], 2)
    assert len(mailoutbox) == 3


def test_progress_is_told_at_the_start_and_after_each_batch(people, mailoutbox):
    calls: list[tuple[int, int]] = []
    send_work_digests(week=WEEK, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(0, 4), (4, 4)]


def test_a_dry_run_makes_the_mails_and_sends_none(people, mailoutbox):
    report = send_work_digests(week=WEEK, dry_run=True)

    assert (report.sent, report.empty) == (["staf", "sekdes", "staf.tuban"], ["sekdes.pekuncen"])
    assert mailoutbox == []
    assert DigestSent.objects.count() == 0
    assert len(send_work_digests(week=WEEK).sent) == 3


def test_a_week_not_yet_begun_is_refused(db):
    with pytest.raises(ValueError, match="^Pekan 31/12/2998 belum dimulai.$"):
        send_work_digests(week=dt.date(2999, 1, 1))


def test_the_list_is_of_today_during_the_week(people, mailoutbox):
    today = timezone.localdate()
    report = send_work_digests()
    assert (report.week_start, report.day) == (today - dt.timedelta(days=today.weekday()), today)


# --- The command ---------------------------------------------------------------------------


def _command(*args: str, verbosity: int = 1) -> str:
    out = io.StringIO()
    with translation.override("id"):
        call_command("send_work_digest", *args, stdout=out, verbosity=verbosity)
    return out.getvalue()


def test_the_command_sends_and_says_what_it_did(people, mailoutbox):
    assert _command("--week", "2026-11-18") == (
        "Pekan 16/11/2026, daftar kerja per 22/11/2026.\n"
        "3 surel terkirim.\n"
        "1 pengguna tidak punya orang untuk dihubungi: tanpa surel.\n"
        "0 sudah dikirim sebelumnya pekan ini, 0 oleh proses lain sementara ini.\n"
    )
    assert _command("--week", "2026-11-16", verbosity=2) == (
        "Pekan 16/11/2026, daftar kerja per 22/11/2026.\n"
        "0 surel terkirim.\n"
        "1 pengguna tidak punya orang untuk dihubungi: tanpa surel.\n"
        "3 sudah dikirim sebelumnya pekan ini, 0 oleh proses lain sementara ini.\n"
        "Tidak ada yang perlu dihubungi: sekdes.pekuncen\n"
    )
    assert len(mailoutbox) == 3


def test_the_command_dry_run_names_each_mail(people, mailoutbox):
    assert _command("--week", "2026-11-16", "--dry-run", verbosity=2) == (
        "Pekan 16/11/2026, daftar kerja per 22/11/2026.\n"
        "3 surel akan dikirim.\n"
        "1 pengguna tidak punya orang untuk dihubungi: tanpa surel.\n"
        "0 sudah dikirim sebelumnya pekan ini, 0 oleh proses lain sementara ini.\n"
        "Surel ke staf\n"
        "Surel ke sekdes\n"
        "Surel ke staf.tuban\n"
        "Tidak ada yang perlu dihubungi: sekdes.pekuncen\n"
        "Uji coba: tidak ada yang dikirim atau dicatat.\n"
    )
    assert mailoutbox == []


def test_the_command_exits_1_when_a_mail_is_refused(people, mailoutbox, settings):
    settings.EMAIL_BACKEND = "tests.digest.test_sending.RefusingBackend"
    with pytest.raises(CommandError) as refused:
        _command("--week", "2026-11-16")
    assert refused.value.returncode == 1
    assert str(refused.value) == "1 surel ditolak; jalankan lagi untuk mengirimnya."


@pytest.mark.parametrize(
    ("week", "message"),
    [("2026-13-01", "Tuliskan pekan sebagai tanggal, TTTT-BB-HH."), ("2999-01-01", "belum")],
)
def test_the_command_refuses_a_bad_week(db, week, message):
    with pytest.raises(CommandError, match=message):
        _command("--week", week)


def test_secretary_mail_never_names_another_village(people, mailoutbox):
    """Whatever else is listed in Banyumas and Tuban, the secretary's mail and its HTML hold
    Karanglewas' people only."""
    send_work_digests(week=WEEK)
    message = _by_address(mailoutbox)["sekdes@karanglewas.example"]
    text = message.body + str(message.alternatives[0][0])
    for name in ("Paijo", "Tukiyem", "Warsito", "Gunung Wetan", "Karanglo"):
        assert name not in text
    assert KARANGLEWAS in text


# --- Cost ----------------------------------------------------------------------------------


def _queries_of_a_mail(user: User, rules: dict) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fresh = User.objects.get(pk=user.pk)  # its scope is read again, as in a run
    with CaptureQueriesContext(connection) as queries:
        selectors.work_digest(user=fresh, day=dt.date(2026, 11, 22), rules=rules)
    return len(queries)


def test_a_users_mail_costs_the_same_queries_however_long_its_list(people):
    """Scope (role, areas, the branch's regencies), the regencies, the list, its rows' posts
    and memberships: seven, whatever the number of people and villages listed."""
    rules: dict = {}
    _queries_of_a_mail(people["staf"], rules)  # the rule sets are read once a run
    before = _queries_of_a_mail(people["staf"], rules)
    for village in ("33.02.03.2004", "33.02.03.2005", "33.02.04.2001"):
        for name in ("Darsono", "Sumiyati", "Karyono"):
            post = PostFactory(village_id=village, code="KAUR", person__name=name)
            covered(post.person, until=dt.date(2026, 12, 1))

    assert _queries_of_a_mail(people["staf"], rules) == before == 7


def test_the_lists_are_in_indonesian_whatever_language_the_thread_last_served(people, mailoutbox):
    # A worker or test thread that last answered an English request keeps English active;
    # the post names, translated as the lists are built, must still be Indonesian.
    with translation.override("en"):
        send_work_digests(week=WEEK)
    body = _by_address(mailoutbox)["sekdes@karanglewas.example"].body.splitlines()

    assert body[8:10] == [
        "- Romini, Anggota BPD: Menunggak, iuran sampai 31/10/2026; program yang kurang: JKK, JKM",
        "- Sutrisno, Kepala Urusan (Keuangan): Akan berakhir dalam 30 hari, iuran sampai "
        "10/12/2026; program yang kurang: JKK, JKM",
    ]
