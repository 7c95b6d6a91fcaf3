"""GridDesk's admin site: a password opens it, plus the code of a confirmed TOTP device when the
administrator has one (docs/security.md, "Second factor")."""

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.utils.translation import gettext_lazy as _

from griddesk.security.otp import otp_token_check, second_factor_required, second_factor_satisfied


class AdminLoginForm(AdminAuthenticationForm):
    otp_token = forms.CharField(
        label=_("动态验证码"), required=False, max_length=16,
        help_text=_("已绑定身份验证器的管理员填写验证器上显示的6位数字。"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "otp_required": _("该账号已绑定身份验证器，请填写动态验证码。"),
        "otp_invalid": _("动态验证码不正确或已过期，请稍候重试。"),
    }

    def clean(self):
        cleaned = super().clean()
        user = self.get_user()
        if user is not None and second_factor_required(user):
            token = cleaned.get("otp_token")
            if not token:
                raise forms.ValidationError(self.error_messages["otp_required"], code="otp_required")
            device = otp_token_check(user, token)
            if device is None:
                raise forms.ValidationError(self.error_messages["otp_invalid"], code="otp_invalid")
            # django_otp stores it in the session at login: the session counts as verified.
            user.otp_device = device
        return cleaned


class GridDeskAdminSite(admin.AdminSite):
    login_form = AdminLoginForm
    login_template = "security/admin_login.html"

    def has_permission(self, request):
        return super().has_permission(request) and second_factor_satisfied(request.user)
