"""URLs of the catalog's staff pages, under /staff/."""

from django.urls import path

from kargah.catalog import views_drafts, views_terms
from kargah.catalog import views_staff as views

app_name = "catalog_staff"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("courses/new/", views.course_create, name="course_create"),
    path("courses/<int:course_id>/edit/", views_drafts.course_edit, name="course_edit"),
    path("offerings/new/", views.offering_create, name="offering_create"),
    path("offerings/<int:offering_id>/edit/", views_drafts.offering_edit, name="offering_edit"),
    path("offerings/preview/", views.offering_preview, name="offering_preview"),
    path("offerings/import/", views.offering_import, name="offering_import"),
    path(
        "offerings/import/template.csv",
        views.offering_import_template,
        name="offering_import_template",
    ),
    path("offerings/<int:offering_id>/", views.offering_detail, name="offering_detail"),
    path("offerings/<int:offering_id>/publish/", views.offering_publish, name="offering_publish"),
    path("offerings/<int:offering_id>/change/", views.offering_change, name="offering_change"),
    path(
        "sessions/<int:session_id>/reschedule/",
        views.session_reschedule,
        name="session_reschedule",
    ),
    path("sessions/<int:session_id>/cancel/", views.session_cancel, name="session_cancel"),
    path("sessions/<int:session_id>/makeup/", views.session_makeup, name="session_makeup"),
    path("holidays/", views.holidays_today, name="holidays_today"),
    path("holidays/<int:jalali_year>/", views.holidays, name="holidays"),
    path("holidays/<int:jalali_year>/sync/", views.holiday_sync, name="holiday_sync"),
    path("holidays/import/", views.holiday_import, name="holiday_import"),
    path("holidays/<int:jalali_year>/add/", views.holiday_add, name="holiday_add"),
    path("holidays/item/<int:holiday_id>/move/", views.holiday_move, name="holiday_move"),
    path("holidays/item/<int:holiday_id>/remove/", views.holiday_remove, name="holiday_remove"),
    path("terms/", views_terms.term_list, name="term_list"),
    path("terms/new/", views_terms.term_create, name="term_create"),
    path("terms/<int:term_id>/", views_terms.term_detail, name="term_detail"),
    path("terms/<int:term_id>/edit/", views_terms.term_edit, name="term_edit"),
    path("terms/<int:term_id>/close/", views_terms.term_close, name="term_close"),
    path(
        "courses/<int:course_id>/conditions/",
        views_terms.course_conditions,
        name="course_conditions",
    ),
    path("calendar/", views.month_today, name="month_today"),
    path("calendar/<int:year>/<int:month>/", views.month, name="month"),
]
