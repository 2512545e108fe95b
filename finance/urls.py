from django.urls import path

from finance import views

app_name = "finance"

urlpatterns = [
    path("anggaran/<str:code>/", views.budget, name="budget"),
]
