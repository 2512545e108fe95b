"""Regions typed into the admin: a code must extend its parent's code, or the area would be
counted (and scoped) under one parent while its code names another."""

import pytest
from django.urls import reverse

from tests.admin.helpers import form_data
from villages.models import District, Regency, Village


def _add(client, model: str, **values):
    url = reverse(f"admin:villages_{model}_add")
    return client.post(url, form_data(client.get(url), **values))


def test_a_village_code_outside_its_district_is_refused(head_office):
    response = _add(
        head_office,
        "village",
        code="35.23.08.2999",
        district="33.02.03",
        name="Desa Palsu",
        kind="desa",
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["code"] == [
        "The code 35.23.08.2999 does not lie inside the district 33.02.03: it must be "
        "33.02.03, a dot and 4 digits, e.g. 33.02.03.2001."
    ]
    assert not Village.objects.filter(code="35.23.08.2999").exists()


@pytest.mark.parametrize(
    "code", ["33.02.03.299", "33.02.03.29999", "33.02.032999", "33.02.03.x999"]
)
def test_a_village_code_of_the_wrong_shape_is_refused(head_office, code):
    response = _add(head_office, "village", code=code, district="33.02.03", name="X", kind="desa")
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["code"]
    assert not Village.objects.filter(code=code).exists()


def test_a_village_code_inside_its_district_is_saved(head_office):
    response = _add(
        head_office,
        "village",
        code="33.02.03.2999",
        district="33.02.03",
        name="Desa Baru",
        kind="desa",
    )
    assert response.status_code == 302
    assert Village.objects.get(code="33.02.03.2999").district_id == "33.02.03"


def test_a_district_code_outside_its_regency_is_refused(head_office):
    response = _add(head_office, "district", code="35.23.99", regency="33.02", name="Kec. Palsu")
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["code"] == [
        "The code 35.23.99 does not lie inside the regency 33.02: it must be 33.02, a dot and "
        "2 digits, e.g. 33.02.01."
    ]
    assert not District.objects.filter(code="35.23.99").exists()
    assert (
        _add(
            head_office, "district", code="33.02.99", regency="33.02", name="Kec. Baru"
        ).status_code
        == 302
    )


def test_a_regency_code_outside_its_province_is_refused(head_office):
    response = _add(
        head_office, "regency", code="35.99", province="33", name="Kab. Palsu", kind="kabupaten"
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["code"] == [
        "The code 35.99 does not lie inside the province 33: it must be 33, a dot and 2 "
        "digits, e.g. 33.01."
    ]
    assert not Regency.objects.filter(code="35.99").exists()
