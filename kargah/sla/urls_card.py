"""The public service card, at /service-card/ (no sign-in)."""

from django.urls import path

from kargah.sla import views_card

app_name = "service_card"
urlpatterns = [
    path("", views_card.service_card, name="card"),
]
