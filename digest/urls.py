from django.urls import path

from digest import views

app_name = "digest"

urlpatterns = [
    path("surel/", views.preferences, name="preferences"),
    path("surel/berhenti/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
