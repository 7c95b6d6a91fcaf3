"""Queue pages (工单队列); see console/queues.py."""

app_name = "queues"
urlpatterns = []
