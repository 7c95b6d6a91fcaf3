from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from griddesk.api.models import ApiToken, CallOutcome
from griddesk.api.services import api_token_revoke


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued with `griddesk api_token USERNAME` (the plaintext is shown once there);
    here they are listed by prefix and revoked. The digest is never shown."""

    list_display = ["prefix", "name", "user", "created_at", "last_used_at", "expires_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["=prefix", "name", "user__username"]
    list_select_related = ["user"]
    fields = ["user", "name", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at"]
    readonly_fields = ["user", "prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, never deleted: the audit history refers to it

    @admin.action(description=gettext_lazy("吊销所选令牌"))
    def revoke(self, request, queryset):
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(token=token, actor=request.user)
            count += 1
        self.message_user(request, _("已吊销 %d 个令牌。") % count, messages.SUCCESS)


@admin.register(CallOutcome)
class CallOutcomeAdmin(admin.ModelAdmin):
    """Read-only: recorded through `call_outcome_record` (rule C-10)."""

    list_display = ["at", "outcome", "caller_phone", "agent_no", "org", "handled_at"]
    list_filter = ["outcome"]
    search_fields = ["=caller_phone", "=agent_no"]
    list_select_related = ["org"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
