"""Organisation tree, staff accounts, roles and repair crews."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from griddesk.paths import SEGMENT, PathTreeMixin


class OrgKind(models.TextChoices):
    PROVINCE = "province", _("省公司")
    CITY = "city", _("地市公司")
    COUNTY = "county", _("县公司")
    STATION = "station", _("供电所")
    DEPARTMENT = "department", _("部门")


class Org(PathTreeMixin, models.Model):
    """An organisation unit (单位): province > city > county > supply station, plus departments.

    `path` is a materialised path (see `griddesk.paths`): a subtree is one
    indexed range scan, which is how every staff account's scope is applied.
    """

    code = models.CharField(_("单位编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("层级"), max_length=16, choices=OrgKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级单位"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    path = models.CharField(max_length=200, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["path"]

    def __str__(self):
        return self.name


class RoleCode(models.TextChoices):
    AGENT = "agent", _("座席")
    SHIFT_LEADER = "shift_leader", _("值长")
    DISPATCHER = "dispatcher", _("调度")
    REPAIR_CREW = "repair_crew", _("抢修人员")
    BACK_OFFICE = "back_office", _("处理部门")
    RETURN_VISIT = "return_visit", pgettext_lazy("role", "回访")
    SUPERVISOR = "supervisor", pgettext_lazy("role", "督办")
    MANAGER = "manager", _("管理人员")
    AUDITOR = "auditor", pgettext_lazy("role", "审计")
    ADMINISTRATOR = "administrator", _("系统管理员")


class Role(models.Model):
    """A job role (岗位角色); what each may do is configured in the admin."""

    code = models.CharField(_("角色编码"), max_length=32, unique=True, choices=RoleCode.choices)
    name = models.CharField(_("名称"), max_length=50)
    description = models.TextField(_("说明"), blank=True)
    can_open_sealed_identity = models.BooleanField(
        _("可查看举报人身份"), default=False,
        help_text=_("规则 K-7：只有指定角色可以查看被封存的举报人身份，每次查看都记入审计。"),
    )

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        ordering = ["code"]

    def __str__(self):
        return self.name


class StaffManager(UserManager):
    def get_by_natural_key(self, username):
        return self.select_related("org").get(**{self.model.USERNAME_FIELD: username})


class Staff(AbstractUser):
    """A staff account (工作人员), scoped to its org's subtree."""

    org = models.ForeignKey(
        Org, verbose_name=_("所属单位"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="staff",
    )
    agent_no = models.CharField(
        _("工号"), max_length=16, blank=True, db_index=True,
        help_text=_("规则 C-4：座席工号记录在其受理的每张工单上。"),
    )
    phone = models.CharField(_("手机"), max_length=20, blank=True)
    roles = models.ManyToManyField(Role, verbose_name=_("角色"), blank=True, related_name="staff")

    objects = StaffManager()

    class Meta:
        verbose_name = _("工作人员")
        verbose_name_plural = _("工作人员")

    def __str__(self):
        name = self.get_full_name() or self.username
        return _("%(name)s（%(agent_no)s）") % {"name": name, "agent_no": self.agent_no} if self.agent_no else name

    @property
    def record_label(self):
        """How records keep this person (audit events' actor_label, K-8): the same in every language."""
        name = self.get_full_name() or self.username
        return f"{name}（{self.agent_no}）" if self.agent_no else name

    def role_codes(self):
        """Role codes, cached on the instance (one query per request at most)."""
        if not hasattr(self, "_role_codes"):
            self._role_codes = frozenset(self.roles.values_list("code", flat=True))
        return self._role_codes

    def has_role(self, *codes):
        return self.is_superuser or bool(self.role_codes() & set(codes))

    @property
    def scope_path(self):
        """The org path whose subtree this account sees (管辖范围); no query.

        A department (部门, e.g. the 95598 centre or a city's 营销部) acts for the unit it
        belongs to, so its staff see that unit's whole subtree.
        """
        if self.org is None:
            return None
        if self.org.kind == OrgKind.DEPARTMENT and self.org.parent_id:
            return self.org.path[:-SEGMENT]
        return self.org.path


class Crew(models.Model):
    """A repair crew (抢修班组) of a supply station or county company."""

    code = models.CharField(_("班组编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    org = models.ForeignKey(Org, verbose_name=_("所属单位"), on_delete=models.PROTECT, related_name="crews")
    phone = models.CharField(_("值班电话"), max_length=20, blank=True)
    members = models.ManyToManyField(Staff, verbose_name=_("成员"), blank=True, related_name="crews")
    active = models.BooleanField(_("在岗"), default=True)

    class Meta:
        verbose_name = _("抢修班组")
        verbose_name_plural = _("抢修班组")
        ordering = ["code"]

    def __str__(self):
        return self.name
