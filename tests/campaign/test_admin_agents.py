"""The Perisai agents registry and the commission rate in the admin: agents entered by branch
staff within their scope (NIK and phone masked for others), the rate edited by head office
only, each with its history; the village's page lists the agents serving it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from campaign.models import CommissionRate, PerisaiAgent
from tests.admin.helpers import form_data
from villages.models import AccessLog

from .conftest import CIRAHAB, KARANGLEWAS, KARANGLO

ADD = reverse("admin:campaign_perisaiagent_add")
NIK = "3302034507850001"


def _post(client, url=ADD, **changes):
    page = client.get(url)
    assert page.status_code == 200
    data = form_data(page)
    if data.get("villages") == "":  # an empty multiple choice posts nothing
        del data["villages"]
    data.update(changes)
    return client.post(url, {k: v for k, v in data.items() if v is not None})


def _errors(response) -> dict:
    assert response.status_code == 200, response.status_code
    form = response.context["adminform"].form
    return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


def _agent(code="PRS-3302-001", regency="33.02", villages=(KARANGLEWAS,), **fields):
    agent = PerisaiAgent.objects.create(
        code=code,
        name="Siti Mukaromah",
        regency_id=regency,
        active_from=dt.date(2018, 9, 3),
        nik=NIK,
        phone="081234567890",
        **fields,
    )
    agent.villages.set(villages)
    return agent


AGENT = {
    "code": "PRS-3302-002",
    "name": "Waluyo",
    "nik": NIK,
    "phone": "0812-3456-7890",
    "regency": "33.02",
    "villages": [KARANGLEWAS, CIRAHAB],
    "active_from": "11/09/2024",
    "active": "on",
}


def test_branch_staff_register_an_agent_of_their_regency(banyumas_staff):
    response = _post(banyumas_staff, **AGENT)
    assert response.status_code == 302, _errors(response)
    agent = PerisaiAgent.objects.get()
    assert (agent.code, agent.nik, agent.phone, agent.active_from, agent.active_until) == (
        "PRS-3302-002",
        NIK,
        "081234567890",
        dt.date(2024, 9, 11),
        None,
    )
    assert sorted(agent.villages.values_list("code", flat=True)) == [CIRAHAB, KARANGLEWAS]
    assert agent.history.first().history_user.username == "staf"


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"regency": "35.23", "villages": [KARANGLEWAS]}, "regency"),
        ({"villages": [KARANGLEWAS, KARANGLO]}, "villages"),
    ],
)
def test_foreign_ids_posted_by_branch_staff_are_refused(banyumas_staff, english, changes, field):
    errors = _errors(_post(banyumas_staff, **{**AGENT, **changes}))
    assert list(errors) == [field]
    assert errors[field][0].startswith("Select a valid choice")
    assert PerisaiAgent.objects.count() == 0


def test_villages_outside_the_agents_regency_are_refused(root, english):
    errors = _errors(_post(root, **{**AGENT, "villages": [KARANGLEWAS, KARANGLO]}))
    assert errors == {"villages": ["These villages lie outside the agent's regency: Karanglo."]}


def test_a_foreign_agent_cannot_be_changed_by_post(banyumas_staff):
    foreign = _agent("PRS-3523-001", "35.23", [KARANGLO])
    url = reverse("admin:campaign_perisaiagent_change", args=[foreign.pk])
    assert banyumas_staff.get(url).status_code == 404
    assert banyumas_staff.post(url, {**AGENT, "name": "Diubah"}).status_code == 404
    assert PerisaiAgent.objects.get().name == "Siti Mukaromah"


def test_a_manager_reads_the_agent_with_nik_and_phone_masked(banyumas_manager):
    agent = _agent()
    url = reverse("admin:campaign_perisaiagent_change", args=[agent.pk])
    html = banyumas_manager.get(url).content.decode()
    assert "330203******0001" in html and NIK not in html
    assert "********7890" in html and "081234567890" not in html
    assert banyumas_manager.post(url, {**AGENT, "name": "Diubah"}).status_code == 403
    assert banyumas_manager.get(ADD).status_code == 403
    assert AccessLog.objects.count() == 0


def test_branch_staff_see_the_full_nik_and_it_is_logged(banyumas_staff):
    agent = _agent()
    url = reverse("admin:campaign_perisaiagent_change", args=[agent.pk])
    assert NIK in banyumas_staff.get(url).content.decode()
    log = AccessLog.objects.get()
    assert (log.user.username, log.action, log.area_code, log.what) == (
        "staf",
        "full_identifiers",
        "33.02",
        f"admin perisai agent {agent.pk}",
    )


def test_the_list_is_scoped(banyumas_staff):
    _agent()
    _agent("PRS-3523-001", "35.23", [KARANGLO])
    response = banyumas_staff.get(reverse("admin:campaign_perisaiagent_changelist"))
    assert [a.code for a in response.context["cl"].result_list] == ["PRS-3302-001"]


def test_the_village_page_lists_the_agents_serving_it(banyumas_staff):
    agent = _agent()
    _agent("PRS-3302-002", villages=[CIRAHAB])
    html = banyumas_staff.get(
        reverse("admin:villages_village_change", args=[KARANGLEWAS])
    ).content.decode()
    link = reverse("admin:campaign_perisaiagent_change", args=[agent.pk])
    assert f'<a href="{link}">Siti Mukaromah (PRS-3302-001)</a>' in html
    assert "PRS-3302-002" not in html


# --- The commission rate -------------------------------------------------------------------


def _rate_url(view="change"):
    rate = CommissionRate.objects.get()  # 7.5 % since 2000 (campaign migration 0002)
    return reverse(f"admin:campaign_commissionrate_{view}", args=[rate.pk])


def test_head_office_edits_the_commission_rate_with_history(head_office):
    response = _post(head_office, _rate_url(), rate_pct="8.00")
    assert response.status_code == 302, _errors(response)
    rate = CommissionRate.objects.get()
    assert rate.rate_pct == Decimal("8.00")
    assert rate.history.first().history_user.username == "pusat"
    assert head_office.get(_rate_url("history")).status_code == 200


@pytest.mark.parametrize("persona", ["banyumas_staff", "banyumas_manager"])
def test_others_read_the_rate_and_cannot_post_it(db, request, persona):
    client = request.getfixturevalue(persona)
    assert client.get(_rate_url()).status_code == 200
    changed = {"valid_from": "01/01/2000", "rate_pct": "50.00"}
    assert client.post(_rate_url(), changed).status_code == 403
    add = reverse("admin:campaign_commissionrate_add")
    assert client.post(add, {"valid_from": "01/01/2026", "rate_pct": "50.00"}).status_code == 403
    assert client.post(_rate_url("delete"), {"post": "yes"}).status_code == 403
    assert list(CommissionRate.objects.values_list("rate_pct", flat=True)) == [Decimal("7.50")]
