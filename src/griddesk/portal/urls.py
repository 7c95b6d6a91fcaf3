from django.urls import include, path

from griddesk.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("outages/", views.outage_notices, name="outages"),
    path("outages/<str:code>.atom", views.outage_feed, name="outage_feed"),
    path("", include("griddesk.portal.submit_urls")),  # /submit/, /apply/ (docs/portal.md)
]
