"""A view that fails for a reason other than the database, under the application's URLs."""

from django.urls import include, path


def broken(request):
    raise ZeroDivisionError("bukan soal basis data")


urlpatterns = [path("rusak/", broken), path("", include("bpjs_desa.urls"))]
handler500 = "villages.views.server_error"
