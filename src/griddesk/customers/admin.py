from django.contrib import admin

from griddesk.customers.models import Contact, Customer


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["account_no", "name", "supply_voltage", "zone", "important", "org"]
    list_filter = ["zone", "supply_voltage", "important"]
    search_fields = ["=account_no", "=phone", "name"]
    autocomplete_fields = ["transformer", "org"]
    list_select_related = ["org"]
    inlines = [ContactInline]
    show_full_result_count = False
