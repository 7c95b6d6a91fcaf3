from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import set_language

admin.site.site_header = _("GridDesk 管理后台")
admin.site.site_title = "GridDesk"
admin.site.index_title = _("配置管理")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("console/", include("griddesk.console.urls")),
    path("api/", include("griddesk.api.urls")),
    path("", include("griddesk.portal.urls")),
]
