from django.urls import path

import enrollment.urls  # noqa: F401 - registers the export_fmt converter
from finance import views

app_name = "finance"

urlpatterns = [
    path("anggaran/<str:code>/", views.budget, name="budget"),
    path("anggaran/<str:code>/hitung-ulang/", views.budget_retry, name="budget_retry"),
    path("anggaran/<str:code>/ekspor.<export_fmt:fmt>", views.budget_export, name="budget_export"),
]
