"""The instructor's desk, under /desk/."""

from django.urls import path

from kargah.teaching import views

app_name = "teaching"
urlpatterns = [
    path("", views.desk, name="desk"),
    path("offering/<int:offering_id>/", views.roster, name="roster"),
    path("offering/<int:offering_id>/notes/", views.conduct_note_add, name="note_add"),
    path("session/<int:session_id>/", views.sheet, name="sheet"),
    path("session/<int:session_id>/mark/", views.attendance_mark, name="mark"),
    path("session/<int:session_id>/report/", views.report_problem, name="report"),
]
