"""URLs of the documents pages, under /documents/."""

from django.urls import path

from kargah.documents import views

app_name = "documents"
urlpatterns = [
    path("", views.family_list, name="list"),
    path("upload/<int:learner_id>/<int:course_id>/", views.upload, name="upload"),
    path("<int:document_id>/file/", views.download, name="download"),
    path("review/", views.review_list, name="review"),
    path("review/<int:document_id>/", views.review_decide, name="review_decide"),
]
