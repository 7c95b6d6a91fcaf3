"""The inbox, its live count, the outbox and the 通报 (console/inbox.py)."""

from django.urls import path

from griddesk.console import inbox

app_name = "inbox"
urlpatterns = [
    path("", inbox.inbox, name="page"),
    path("badge/", inbox.badge, name="badge"),
    path("messages/<int:pk>/read/", inbox.message_read, name="read"),
    path("messages/read-all/", inbox.messages_read_all, name="read_all"),
    path("reminders/<int:pk>/done/", inbox.reminder_close, name="reminder_done"),
    path("outbox/", inbox.outbox, name="outbox"),
    path("circular/", inbox.circular, name="circular"),
]
