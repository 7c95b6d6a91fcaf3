from django.contrib.auth import views as auth_views
from django.urls import include, path

from griddesk.console import views

app_name = "console"

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="console/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("queues/", include("griddesk.console.queue_urls")),
    path("crew/", include("griddesk.console.crew_urls")),
]
