"""The website's messages awaiting a reply (网站留言处理); see console/moderation.py."""

from django.urls import path

from griddesk.console import moderation

app_name = "posts"
urlpatterns = [
    path("", moderation.queue, name="queue"),
    path("<int:pk>/", moderation.post_page, name="post"),
    path("<int:pk>/decide/", moderation.post_decide, name="decide"),
]
