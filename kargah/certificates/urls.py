"""URLs of certificates, under /certificates/: the public check and the family's download."""

from django.urls import path

from kargah.certificates import views

app_name = "certificates"
urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("<int:certificate_id>/pdf/", views.download, name="download"),
]
