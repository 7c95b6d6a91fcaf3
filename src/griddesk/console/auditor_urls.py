"""The auditor screen (console/auditor.py)."""

from django.urls import path

from griddesk.console import auditor

app_name = "audit"
urlpatterns = [
    path("", auditor.home, name="home"),
    path("orders/<str:number>/", auditor.order_history, name="order"),
    path("orders/<str:number>/export/", auditor.order_export, name="order_export"),
    path("users/<str:username>/", auditor.user_history, name="user"),
    path("users/<str:username>/export/", auditor.user_export, name="user_export"),
    path("verify/", auditor.verify_start, name="verify_start"),
    path("verify/<int:pk>/", auditor.verify_progress, name="verify_progress"),
]
