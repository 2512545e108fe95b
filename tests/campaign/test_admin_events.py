"""Outreach events in the admin: entered by branch staff within their scope, the villages
given three ways and kept in one regency, a photo or minutes checked and handed out only to
those who may see the event."""

import datetime as dt
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campaign.models import EventAttendance, OutreachEvent
from tests.admin.helpers import form_data
from tests.factories import BranchOfficeFactory
from villages.models import Regency, Village

from .conftest import CIRAHAB, GUNUNGWETAN, KARANGLEWAS, KARANGLO

ADD = reverse("admin:campaign_outreachevent_add")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\n1 0 obj\n"


def _post(client, url=ADD, **changes):
    """The add (or change) form as rendered, filled in with `changes`, posted."""
    page = client.get(url)
    assert page.status_code == 200
    data = form_data(page, date="24/04/2024", title="Sosialisasi BPD, RT/RW dan LKD")
    if data.get("villages") == "":  # an empty multiple choice posts nothing
        del data["villages"]
    data.update(changes)
    return client.post(url, {k: v for k, v in data.items() if v is not None})


def _errors(response) -> dict:
    assert response.status_code == 200, response.status_code  # the form again
    form = response.context["adminform"].form
    return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


def _event(regency="33.02", villages=(KARANGLEWAS,), **fields) -> OutreachEvent:
    event = OutreachEvent.objects.create(
        date=dt.date(2024, 4, 24), title="Sosialisasi", regency_id=regency, **fields
    )
    event.villages.set(villages)
    return event


@pytest.fixture
def tuban(db):
    branch = BranchOfficeFactory(name="Tuban", regional_office__name="Kanwil Jawa Timur")
    branch.regencies.set(Regency.objects.filter(code="35.23"))
    return branch


def test_branch_staff_record_an_event_for_every_village_of_a_district(banyumas_staff, purwokerto):
    response = _post(
        banyumas_staff,
        district="33.02.03",
        place_village=KARANGLEWAS,
        place_name="Balai Desa Karanglewas",
        residents_attending="40",
        **{"attendance-0-count": "12", "attendance-1-count": "9"},
    )
    assert response.status_code == 302, _errors(response)
    event = OutreachEvent.objects.get()
    in_district = Village.objects.filter(district_id="33.02.03").values_list("code", flat=True)
    assert sorted(event.villages.values_list("code", flat=True)) == sorted(in_district)
    assert (event.regency_id, event.branch, event.residents_attending) == ("33.02", purwokerto, 40)
    # One row per category offered; only those filled in are kept.
    assert sorted(EventAttendance.objects.values_list("category", "count")) == [
        ("BPD", 9),
        ("PERANGKAT", 12),
    ]
    # Saved, then its villages (simple-history records the many-to-many change too).
    versions = event.history.order_by("history_id")
    assert [(v.history_type, v.history_user.username) for v in versions] == [
        ("+", "staf"),
        ("~", "staf"),
    ]
    assert list(
        versions.last().villages.values_list("village_id", flat=True).order_by("village_id")
    ) == sorted(in_district)


def test_the_village_held_at_is_the_one_village_when_no_other_is_given(banyumas_staff):
    response = _post(banyumas_staff, place_village=GUNUNGWETAN)
    assert response.status_code == 302, _errors(response)
    event = OutreachEvent.objects.get()
    assert list(event.villages.values_list("code", flat=True)) == [GUNUNGWETAN]
    assert event.regency_id == "33.02"


def test_a_chosen_list_of_villages(banyumas_staff):
    response = _post(banyumas_staff, villages=[KARANGLEWAS, CIRAHAB])
    assert response.status_code == 302, _errors(response)
    assert sorted(OutreachEvent.objects.get().villages.values_list("code", flat=True)) == [
        CIRAHAB,
        KARANGLEWAS,
    ]


def test_no_village_at_all_is_refused(banyumas_staff, english):
    assert _errors(_post(banyumas_staff)) == {
        "villages": ["Give the villages it was held for: one or more, or a district's."]
    }


def test_villages_of_two_regencies_are_refused(root, english):
    errors = _errors(_post(root, villages=[KARANGLEWAS, KARANGLO]))
    assert errors == {
        "villages": ["The villages lie in several regencies (33.02, 35.23): record one event each."]
    }
    assert OutreachEvent.objects.count() == 0


@pytest.mark.parametrize(
    "field, value",
    [
        ("villages", [KARANGLO]),
        ("district", "35.23.08"),
        ("place_village", KARANGLO),
        ("place_district", "35.23.08"),
    ],
)
def test_foreign_ids_posted_by_branch_staff_are_refused(banyumas_staff, english, field, value):
    changes = {field: value}
    if field != "villages":
        changes["villages"] = [KARANGLEWAS]
    errors = _errors(_post(banyumas_staff, **changes))
    assert list(errors) == [field]
    assert errors[field][0].startswith("Select a valid choice")
    assert OutreachEvent.objects.count() == 0


def test_another_branch_is_refused_and_a_posted_regency_is_ignored(banyumas_staff, english, tuban):
    errors = _errors(_post(banyumas_staff, villages=[KARANGLEWAS], branch=str(tuban.pk)))
    assert errors == {
        "branch": ["Select a valid choice. That choice is not one of the available choices."]
    }
    response = _post(banyumas_staff, villages=[KARANGLEWAS], regency="35.23")
    assert response.status_code == 302
    assert OutreachEvent.objects.get().regency_id == "33.02"


def test_a_place_outside_the_villages_regency_is_refused(root, english):
    errors = _errors(_post(root, villages=[KARANGLEWAS], place_village=KARANGLO))
    assert errors == {"place_village": ["The place lies outside the regency of the villages."]}


def test_a_foreign_event_cannot_be_changed_by_post(banyumas_staff):
    foreign = _event("35.23", [KARANGLO])
    url = reverse("admin:campaign_outreachevent_change", args=[foreign.pk])
    response = banyumas_staff.post(url, {"title": "Diubah", "villages": [KARANGLEWAS]})
    assert response.status_code == 404
    assert OutreachEvent.objects.get().title == "Sosialisasi"


def test_managers_read_events_but_do_not_add_or_change_them(banyumas_manager):
    event = _event()
    change = reverse("admin:campaign_outreachevent_change", args=[event.pk])
    assert banyumas_manager.get(change).status_code == 200
    assert banyumas_manager.get(ADD).status_code == 403
    assert banyumas_manager.post(change, {"title": "Diubah"}).status_code == 403
    assert OutreachEvent.objects.get().title == "Sosialisasi"


def test_attendance_inputs_are_labelled(banyumas_staff):
    """axe-core: every control of the inline has an accessible name."""
    html = banyumas_staff.get(ADD).content.decode()
    controls = re.findall(
        r"<(?:input|select)[^>]*name=\"attendance-\d+-(?:count|category)\"[^>]*>", html
    )
    assert len(controls) == 12  # six categories, a category and a count each
    assert all("aria-label=" in control for control in controls)


# --- The photo or minutes ------------------------------------------------------------------


def test_a_photo_is_stored_under_a_random_name_and_handed_out_to_staff_in_scope(
    banyumas_staff, banyumas_manager, media
):
    photo = SimpleUploadedFile("rapat.JPG", JPEG, content_type="image/jpeg")
    response = _post(banyumas_staff, villages=[KARANGLEWAS], attachment=photo)
    assert response.status_code == 302, _errors(response)
    event = OutreachEvent.objects.get()
    assert re.fullmatch(r"outreach/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", event.attachment.name)
    assert (media / event.attachment.name).read_bytes() == JPEG
    url = reverse("admin:campaign_outreachevent_attachment", args=[event.pk])
    for client in (banyumas_staff, banyumas_manager):
        download = client.get(url)
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == JPEG
        assert download["Content-Type"] == "image/jpeg"
        assert (
            download["Content-Disposition"] == f'attachment; filename="2024-04-24-{event.pk}.jpg"'
        )
    # The change form links to that download, never to a public address of the file.
    page = banyumas_staff.get(reverse("admin:campaign_outreachevent_change", args=[event.pk]))
    assert url in page.content.decode()
    assert "outreach/" not in page.content.decode()


def test_a_pdf_of_minutes_is_accepted(banyumas_staff):
    minutes = SimpleUploadedFile("notulen.pdf", PDF, content_type="application/pdf")
    response = _post(banyumas_staff, villages=[KARANGLEWAS], attachment=minutes)
    assert response.status_code == 302, _errors(response)
    assert OutreachEvent.objects.get().attachment.name.endswith(".pdf")


@pytest.mark.parametrize(
    "name, content, error",
    [
        (
            "foto.jpg",
            b"MZ\x90\x00 a program",
            "Upload a photo (JPG, PNG or WebP) or a PDF document.",
        ),
        (
            "foto.svg",
            b"<svg onload=alert(1)>",
            "Upload a photo (JPG, PNG or WebP) or a PDF document.",
        ),
        ("skrip.html", PDF, "Upload a photo (JPG, PNG or WebP) or a PDF document."),
        ("foto.png", PDF, "The file is named .png but its content is not: upload the file itself."),
        (
            "besar.jpg",
            JPEG + b"\x00" * (10 * 1024 * 1024),
            "The file is 10.0 MB; the limit is 10 MB.",
        ),
    ],
)
def test_a_hostile_or_oversized_file_gets_a_clear_error_and_nothing_is_saved(
    banyumas_staff, english, media, name, content, error
):
    upload = SimpleUploadedFile(name, content, content_type="image/jpeg")
    errors = _errors(_post(banyumas_staff, villages=[KARANGLEWAS], attachment=upload))
    assert errors == {"attachment": [error]}
    assert OutreachEvent.objects.count() == 0
    assert not media.exists() or not any(media.rglob("*.*"))


@pytest.fixture
def photographed(db):
    """An event with a photo in Banyumas, and one in Tuban."""
    events = []
    for regency, village in (("33.02", KARANGLEWAS), ("35.23", KARANGLO)):
        event = _event(regency, [village])
        event.attachment.save("foto.jpg", ContentFile(JPEG))
        events.append(event)
    return events


def _download(event) -> str:
    return reverse("admin:campaign_outreachevent_attachment", args=[event.pk])


def test_the_download_is_404_outside_the_scope(banyumas_staff, district_manager, photographed):
    inside, outside = photographed
    assert banyumas_staff.get(_download(outside)).status_code == 404
    # A district's manager sees the events held for a village of the district, not the
    # regency's others.
    assert district_manager.get(_download(inside)).status_code == 200
    elsewhere = _event("33.02", ["33.02.01.2001"])  # Kec. Lumbir
    elsewhere.attachment.save("foto.jpg", ContentFile(JPEG))
    assert district_manager.get(_download(elsewhere)).status_code == 404


def test_a_village_secretary_and_a_district_manager_see_the_events_and_agents_of_their_villages(
    db,
):
    from campaign.models import PerisaiAgent
    from villages.roles import user_role_set

    secretary = user_role_set(
        username="sekdes", kind="village_secretary", area_codes=[KARANGLEWAS]
    ).user
    camat = user_role_set(username="camat", kind="manager", area_codes=["33.02.03"]).user
    held_here = _event("33.02", [KARANGLEWAS, "33.02.03.2001"])
    _event("33.02", ["33.02.03.2001"])  # Gunungwetan only
    lumbir = _event("33.02", ["33.02.01.2001"])
    agent = PerisaiAgent.objects.create(
        code="PRS-3302-009", name="Ani", regency_id="33.02", active_from=dt.date(2024, 1, 1)
    )
    agent.villages.set([KARANGLEWAS])
    assert list(OutreachEvent.objects.visible_to(secretary)) == [held_here]
    assert lumbir not in OutreachEvent.objects.visible_to(camat)
    assert OutreachEvent.objects.visible_to(camat).count() == 2
    assert list(PerisaiAgent.objects.visible_to(secretary)) == [agent]
    assert list(PerisaiAgent.objects.visible_to(camat)) == [agent]


def test_the_download_asks_anonymous_users_to_log_in_and_refuses_post(
    client, banyumas_staff, photographed
):
    url = _download(photographed[0])
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert banyumas_staff.post(url).status_code == 405


def test_the_download_of_an_event_without_a_file_or_an_unknown_one_is_404(banyumas_staff):
    event = _event()
    assert banyumas_staff.get(_download(event)).status_code == 404
    url = reverse("admin:campaign_outreachevent_attachment", args=["abc"])
    assert banyumas_staff.get(url).status_code == 404
