"""Admin for rule sets: versions with inline deadlines, "copy as new version"; saves go through services.

A version in force is shown read-only: orders may already be measured by it.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from griddesk.rules.models import Deadline, RuleSet, RuleSetVersion
from griddesk.rules.selectors import version_missing_keys
from griddesk.rules.services import (
    deadline_delete,
    deadline_save,
    ruleset_save,
    ruleset_version_copy,
    ruleset_version_delete,
    ruleset_version_save,
    ruleset_version_validate,
)


def _frozen(obj):
    return obj is not None and obj.is_frozen()


class RuleSetVersionInline(admin.TabularInline):
    model = RuleSetVersion
    fields = ["version", "effective_from", "notes"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # new versions: "copy as new version", or add one under 规则集版本


@admin.register(RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    list_display = ["name", "title"]
    inlines = [RuleSetVersionInline]

    def save_model(self, request, obj, form, change):
        ruleset_save(ruleset=obj, actor=request.user)

    def has_delete_permission(self, request, obj=None):
        return False


class DeadlineForm(forms.ModelForm):
    class Meta:
        model = Deadline
        fields = ["key", "rule", "amount", "unit", "direction", "label", "citation"]
        widgets = {"citation": forms.Textarea(attrs={"rows": 2, "cols": 40})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].required = False
        self.fields["rule"].help_text = _("留空则取键中斜杠前的部分")

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("rule") and cleaned.get("key"):
            cleaned["rule"] = cleaned["key"].split("/")[0]
            self.instance.rule = cleaned["rule"]
        return cleaned


class CompleteDeadlineFormSet(forms.BaseInlineFormSet):
    """A version carries every key of the previous version (a version is self-contained)."""

    def clean(self):
        super().clean()
        keys = {
            form.cleaned_data["key"] for form in self.forms
            if form.cleaned_data.get("key") and not form.cleaned_data.get("DELETE")
        }
        missing = version_missing_keys(self.instance, keys=keys)
        if missing:
            message = _("缺少上一版本的时限：%s。每个版本须包含完整的时限清单。")
            raise ValidationError(message % "、".join(missing))


class DeadlineInline(admin.TabularInline):
    model = Deadline
    form = DeadlineForm
    formset = CompleteDeadlineFormSet
    extra = 0

    def has_add_permission(self, request, obj=None):
        return not _frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not _frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _frozen(obj) and super().has_delete_permission(request, obj)


class RuleSetVersionForm(forms.ModelForm):
    class Meta:
        model = RuleSetVersion
        fields = ["ruleset", "effective_from", "notes"]

    def clean(self):
        cleaned = super().clean()
        ruleset = cleaned.get("ruleset") or getattr(self.instance, "ruleset", None)
        if ruleset is None or cleaned.get("effective_from") is None:
            return cleaned
        candidate = RuleSetVersion(
            pk=self.instance.pk, ruleset=ruleset, version=self.instance.version,
            effective_from=cleaned["effective_from"],
        )
        ruleset_version_validate(version=candidate)
        return cleaned


@admin.register(RuleSetVersion)
class RuleSetVersionAdmin(admin.ModelAdmin):
    form = RuleSetVersionForm
    list_display = ["__str__", "ruleset", "version", "effective_from", "status", "deadline_count"]
    list_filter = ["ruleset"]
    inlines = [DeadlineInline]
    actions = ["copy_as_new_version"]

    def get_readonly_fields(self, request, obj=None):
        return ["version"] + (["ruleset"] if obj is not None else [])

    def has_change_permission(self, request, obj=None):
        return not _frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _frozen(obj) and super().has_delete_permission(request, obj)

    @admin.display(description=gettext_lazy("状态"))
    def status(self, obj):
        if obj.effective_from > timezone.now():
            return _("待生效（可修改）")
        latest = obj.ruleset.versions.filter(effective_from__lte=timezone.now()).order_by("-effective_from")
        return _("现行") if latest.first() == obj else _("已被新版本取代")

    @admin.display(description=gettext_lazy("时限数"))
    def deadline_count(self, obj):
        return obj.deadlines.count()

    def save_model(self, request, obj, form, change):
        ruleset_version_save(version=obj, actor=request.user)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for deadline in formset.deleted_objects:
            deadline_delete(deadline=deadline, actor=request.user)
        for deadline in instances:
            deadline_save(deadline=deadline, actor=request.user)

    def delete_model(self, request, obj):
        ruleset_version_delete(version=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for version in queryset.select_related("ruleset"):
            try:
                ruleset_version_delete(version=version, actor=request.user)
            except ValidationError as error:
                self.message_user(request, "; ".join(error.messages), messages.ERROR)

    @admin.action(description=gettext_lazy("复制为新版本"))
    def copy_as_new_version(self, request, queryset):
        for version in queryset.select_related("ruleset"):
            try:
                copy = ruleset_version_copy(version=version, actor=request.user)
            except ValidationError as error:
                self.message_user(request, f"{version}: {'; '.join(error.messages)}", messages.ERROR)
                continue
            at = timezone.localtime(copy.effective_from).isoformat(timespec="minutes")
            self.message_user(request, _("已复制 %(old)s 为 %(new)s，%(at)s 生效；生效前可修改。") % {
                "old": version, "new": copy, "at": at,
            })
