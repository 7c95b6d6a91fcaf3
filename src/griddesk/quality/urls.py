"""Supply-quality pages (供电质量), mounted at /console/quality/ (quality.views)."""

from django.urls import path

from griddesk.quality import views

app_name = "quality"
urlpatterns = [
    path("", views.reliability, name="reliability"),
    path("reliability/outages/", views.outages, name="outages"),
    path("voltage/", views.voltage, name="voltage"),
    path("voltage/points/", views.points, name="points"),
    path("voltage/points/<str:point_id>/", views.point, name="point"),
]
