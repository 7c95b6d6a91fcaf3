"""Queue pages (工单队列) and the dispatcher's storm-mode page (R-3); see console/queues.py, storm.py."""

from django.urls import path

from griddesk.console import queues, storm

app_name = "queues"
urlpatterns = [
    path("", queues.queue, name="queue"),
    path("bulk/", queues.bulk, name="bulk"),
    path("harassment/<int:pk>/handle/", queues.harassment_handle, name="harassment_handle"),
    path("reminders/<int:pk>/done/", queues.reminder_done_view, name="reminder_done"),
    path("storm/", storm.storm_page, name="storm"),
    path("storm/<int:pk>/lift/", storm.storm_lift_view, name="storm_lift"),
]
