"""URLs of the staff's outbox desk, under /staff/outbox/ (names start with staff_: the staff look)."""

from django.urls import path

from kargah.notifications import views_staff as views

app_name = "notifications_staff"
urlpatterns = [
    path("", views.outbox, name="staff_outbox"),
    path("counts/", views.counts, name="staff_outbox_counts"),
    path("outbox.xlsx", views.export, name="staff_outbox_export"),
    path("<int:message_id>/", views.detail, name="staff_outbox_detail"),
    path("<int:message_id>/resend/", views.resend, name="staff_outbox_resend"),
]
