from django.contrib import admin

from griddesk.billing.models import Bill, PayChannel


@admin.register(PayChannel)
class PayChannelAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "sort", "active"]
    list_editable = ["sort", "active"]


@admin.register(Bill)
class BillAdmin(admin.ModelAdmin):
    list_display = ["customer", "month", "kwh", "amount", "estimated", "paid_at", "pay_channel"]
    list_filter = ["estimated"]
    raw_id_fields = ["customer"]
    show_full_result_count = False
