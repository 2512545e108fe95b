from django.urls import path

from jobs import views

app_name = "jobs"

urlpatterns = [
    path("tugas/<int:pk>/", views.job_page, name="job"),
    path("tugas/<int:pk>/unduh/", views.job_download, name="download"),
    path("tugas/<int:pk>/ulangi/", views.job_retry_view, name="retry"),
]
