"""Analytics pages under /console/analytics/ (namespace console:analytics)."""

from django.urls import path

from griddesk.analytics import views

app_name = "analytics"
urlpatterns = [
    path("", views.service_levels, name="service"),
    path("hotline/", views.hotline, name="hotline"),
    path("complaints/", views.complaints, name="complaints"),
    path("orders/", views.orders, name="orders"),
    path("rectifications/", views.rectifications, name="rectifications"),
    path("rectifications/new/", views.rectification_new, name="rectification_new"),
    path("rectifications/<int:pk>/<str:step>/", views.rectification_step, name="rectification_step"),
    path("report/", views.report, name="report"),
]
