"""The project's URL map: pages, the JSON API under /api/v1/, its schema and docs."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

api_v1 = [
    path("", include("kargah.accounts.api_urls")),
    path("", include("kargah.catalog.api_urls")),
    path("", include("kargah.wallet.api_urls")),
    path("", include("kargah.enrollment.api_urls")),
    path("", include("kargah.documents.api_urls")),
    path("", include("kargah.devicecheck.api_urls")),
    path("", include("kargah.teaching.api_urls")),
    path("", include("kargah.notifications.api_urls")),
]

urlpatterns = [
    path("", include("kargah.core.urls")),
    path("accounts/", include("kargah.accounts.urls")),
    path("", include("kargah.catalog.urls")),
    path("wallet/", include("kargah.wallet.urls")),
    path("documents/", include("kargah.documents.urls")),
    path("payments/", include("kargah.payments.urls")),
    path("enroll/", include("kargah.enrollment.urls")),
    path("staff/", include("kargah.enrollment.urls_staff")),
    path("staff/", include("kargah.teaching.urls_staff")),
    path("staff/reports/", include("kargah.reports.urls")),
    path("staff/outbox/", include("kargah.notifications.urls_staff")),
    path("staff/agreement/", include("kargah.sla.urls")),
    path("service-card/", include("kargah.sla.urls_card")),
    path("device-check/", include("kargah.devicecheck.urls")),
    path("class/", include("kargah.classroom.urls")),
    path("desk/", include("kargah.teaching.urls")),
    path("quality/", include("kargah.quality.urls")),
    path("certificates/", include("kargah.certificates.urls")),
    path("staff/", include("kargah.certificates.urls_staff")),
    path("messages/", include("kargah.notifications.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

# The fake BigBlueButton server: tests and the demo only (`check --deploy` refuses it).
if settings.KARGAH_BBB_FAKE:
    urlpatterns.append(path("fake-bbb/", include("kargah.classroom.fakebbb.urls")))

handler400 = "kargah.core.views.bad_request"
handler403 = "kargah.core.views.permission_denied"
handler404 = "kargah.core.views.page_not_found"
handler500 = "kargah.core.views.server_error"
