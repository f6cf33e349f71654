"""URLs of the quality desk, under /quality/."""

from django.urls import path

from kargah.quality import views, views_levels

app_name = "quality"
urlpatterns = [
    path("", views.home, name="home"),
    path("offerings/", views.offerings, name="offerings"),
    path("attendance/", views.attendance, name="attendance"),
    path("service-events/", views.service_events, name="service_events"),
    path("refunds/", views.refunds, name="refunds"),
    # The service levels (issue 13, item 4).
    path("levels/", views_levels.dashboard, name="levels"),
    path("levels/<int:level_id>/", views_levels.level, name="level"),
    path("levels/measurements/<int:measurement_id>/", views_levels.measurement, name="measurement"),
    path("levels/breaches/<int:breach_id>/", views_levels.breach, name="breach"),
    path("levels/service-levels.xlsx", views_levels.export, name="levels_export"),
    path("levels/report/<int:year>-<int:month>.pdf", views_levels.report, name="levels_report"),
]
