import pytest

from villages.models import District, Village


@pytest.mark.django_db
def test_the_test_database_holds_banyumas():
    assert District.objects.filter(regency_id="33.02").count() == 27
    assert Village.objects.get(code="33.02.03.2003").name == "Karanglewas"
