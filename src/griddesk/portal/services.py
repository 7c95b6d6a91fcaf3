"""What the public site writes (网站受理): submissions (repair, complaint, report, consultation,
opinion, suggestion, praise) and business applications, through the same order services as the
hotline (orders.services.order_draft, rules C-2, K-2, W-3), channel `website`.

- The actor of record (the audit's "who") is the site's own account (`portal_actor`: inactive, no
  roles, cannot sign in), as an API client is its token's account. The owner of record is the unit's
  nearest shift leader or agent (order_draft without a person: rule K-5, H-4), not the site.
- The unit: the customer's, when the account number and the phone given match the customer's file;
  otherwise the county the customer chose. An account number that does not match is never said to
  exist or not (no enumeration): a complaint or consultation goes ahead unlinked, with the number
  kept as the customer wrote it (sealed for a report); a repair or an existing customer's
  application is refused with one message for both cases.
- A report, or an anonymous complaint, is sealed exactly as the hotline seals it (rule K-7):
  order_draft puts the person into the encrypted identity.
- Attachments are checked (portal.uploads) before anything is written and stored as the order's
  evidence (orders.services.evidence_attach), in the same transaction as the order.
"""

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from griddesk.orders.models import Channel, OrderType
from griddesk.orders.services import evidence_attach, order_draft, order_draft_commit
from griddesk.orgs.models import Staff
from griddesk.portal import selectors

PORTAL_USERNAME = "portal-website"
SUBMIT_KINDS = (OrderType.REPAIR, OrderType.COMPLAINT, OrderType.REPORT, OrderType.CONSULTATION,
                OrderType.OPINION, OrderType.SUGGESTION, OrderType.PRAISE)
ANONYMOUS_KINDS = (OrderType.COMPLAINT, OrderType.REPORT)  # rule K-7
NO_MATCH = gettext_lazy("户号与联系电话不一致：请核对电费通知单上的户号，联系电话须与用电档案登记的一致。")


def portal_actor():
    """The website's own staff account, the actor of record of what the public submits: created on
    first use, inactive and without a usable password or role (it can never sign in)."""
    actor = Staff.objects.filter(username=PORTAL_USERNAME).first()
    if actor is None:
        actor, _created = Staff.objects.get_or_create(
            username=PORTAL_USERNAME,
            defaults={"first_name": "95598网站", "is_active": False, "password": make_password(None)})
    return actor


def _org_for(customer, county_code):
    if customer is not None:
        return customer.org
    county = selectors.county_org(county_code) if county_code else None
    if county is None:
        raise ValidationError({"county": _("请选择您所在的区县（用于确定受理单位）。")})
    return county


def _write(draft, uploads, stage):
    """Commit the order and attach its checked uploads, in one transaction."""
    actor = portal_actor()
    with translation.override("zh-hans"):
        note = _("网站上传附件")  # kept in Chinese like the order's text
    draft.actor = actor  # the audit names the website; the owner stays the unit's person (K-5)
    with transaction.atomic():
        order = order_draft_commit(draft)
        for n, upload in enumerate(uploads, start=1):
            upload.file.name = f"{order.number}-{stage}-{n}.{upload.extension}"
            upload.file.content_type = upload.content_type
            evidence_attach(order=order, actor=actor, file=upload.file, note=note, stage=stage)
    return draft.order


def website_submit(*, kind, title, description, name="", phone="", contact="", account_no="", county="",
                   anonymous=False, uploads=(), received_at=None):
    """Accept a submission from the website (rules C-2, K-2): returns the order (with `planned_clocks`).

    `uploads`: files already checked by `portal.uploads.uploads_check`. Raises ValidationError
    naming the field when it cannot be accepted; nothing is written then."""
    if kind not in SUBMIT_KINDS:
        raise ValidationError({"kind": _("网站不受理此类诉求：%s") % kind})
    anonymous = bool(anonymous) and kind in ANONYMOUS_KINDS
    customer = selectors.customer_matching(account_no=account_no, phone=phone) if account_no else None
    if kind == OrderType.REPAIR and customer is None:
        missing = _("故障报修须填写户号（用于确定供电线路和抢修班组）。")
        raise ValidationError({"account_no": NO_MATCH if account_no else missing})
    org = _org_for(customer, county)
    identity = {"name": name, "phone": phone, "contact": contact}
    unverified = account_no if account_no and customer is None else ""
    with translation.override("zh-hans"):  # the order's text is kept in Chinese, whoever typed it
        if unverified and (kind == OrderType.REPORT or anonymous):  # the number goes into the sealed identity
            identity["contact"] = " ".join(filter(None, [contact, _("户号 %s（未核验）") % unverified]))
        elif unverified:
            description = f"{description}\n\n" + _(
                "客户填写的户号：%s（与联系电话不一致或不存在，未关联客户档案）") % unverified
    draft = order_draft(
        order_type=kind, channel=Channel.WEBSITE, org=org, customer=customer,
        received_at=received_at or timezone.now(), title=title, description=description,
        caller_name="" if anonymous else name, caller_phone="" if anonymous else phone,
        anonymous=anonymous, identity=identity)
    return _write(draft, uploads, "website")


def website_apply(*, item, name, phone, address="", account_no="", county="", capacity_kva=None, description="",
                  uploads=(), received_at=None):
    """Accept a business application from the website (rules W-3, H-6, H-7): an application order in
    the six-stage workflow (orders.workflows.APPLICATION), its T-1..T-3 clocks by supply class.

    `item`: the business (business.models.BusinessItem). An existing customer's business needs the
    account number and the phone of its file; a new connection needs the county."""
    customer = selectors.customer_matching(account_no=account_no, phone=phone) if account_no else None
    if item.needs_account and customer is None:
        raise ValidationError({"account_no": NO_MATCH if account_no else _("办理%s须填写户号。") % item})
    org = _org_for(customer, county)
    with translation.override("zh-hans"):  # the order's text is kept in Chinese, whoever typed it
        lines = [_("申请业务：%s") % item.name, _("申请人：%s") % name, _("联系电话：%s") % phone]
        if address:
            lines.append(_("用电地址：%s") % address)
        if capacity_kva:
            lines.append(_("申请容量：%s kVA") % capacity_kva)
        if account_no and customer is None:
            lines.append(_("客户填写的户号：%s（与联系电话不一致或不存在，未关联客户档案）") % account_no)
        if description:
            lines.append(_("说明：%s") % description)
    draft = order_draft(
        order_type=OrderType.APPLICATION, channel=Channel.WEBSITE, org=org, customer=customer,
        received_at=received_at or timezone.now(), title=item.name, description="\n".join(lines),
        caller_name=name, caller_phone=phone, application_kind=item.application_kind,
        detect_repeat=False)  # each application is its own file (rule H-6)
    return _write(draft, uploads, "application")
