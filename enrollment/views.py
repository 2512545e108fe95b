from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpResponse
from django.views.decorators.http import require_GET


@staff_member_required
@require_GET
def area_dashboard(request, code: str = "") -> HttpResponse:
    return HttpResponse("")
