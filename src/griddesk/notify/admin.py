from django.contrib import admin

from griddesk.notify.models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["subject", "channel", "recipient", "recipient_org", "created_at", "sent_at", "read_at"]
    list_filter = ["channel"]
    show_full_result_count = False
    raw_id_fields = ["recipient", "recipient_org", "order"]
