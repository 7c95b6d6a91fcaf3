"""What the customer is promised after a submission (答复时限告知), in words made from the order's
planned clocks: the rule set's amount and unit of each deadline (rules K-3, T-1, T-3, R-2), never
fixed text. "我们将在 5 天内答复您" comes from K-3/complaint's 5 days in the rule set in force."""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from griddesk.rules.selectors import DeadlineNotFound, deadline_for

# what happens by the deadline, by the clock key's prefix (the longest prefix wins)
WHAT = {
    "K-3/complaint-contact": gettext_lazy("与您联系"),
    "K-3/": gettext_lazy("答复您"),
    "T-1/": gettext_lazy("答复供电方案"),
    "T-3/": gettext_lazy("装表接电"),
    "R-2/": gettext_lazy("派抢修人员到达现场"),
    "C-6/": gettext_lazy("回电答复您"),
}


@dataclass(frozen=True)
class Promise:
    text: str  # 我们将在 5 天内答复您
    rule: str
    label: str  # the deadline's own label, in the reader's language
    due_at: object


def _span(amount, unit):
    spans = {
        "minutes": ngettext("%d 分钟", "%d 分钟", amount),
        "hours": ngettext("%d 小时", "%d 小时", amount),
        "days": ngettext("%d 天", "%d 天", amount),
        "working_days": ngettext("%d 个工作日", "%d 个工作日", amount),
        "months": ngettext("%d 个月", "%d 个月", amount),
    }
    return spans.get(unit, "%d") % amount


def _what(key):
    matches = [prefix for prefix in WHAT if key.startswith(prefix)]
    return WHAT[max(matches, key=len)] if matches else _("办结")


def promises_of(order):
    """[Promise] for the clocks `order` started when accepted, soonest first; [] when none runs (a
    consultation, an opinion: answered without a fixed deadline; a repeat joined to its open matter)."""
    promises = []
    for clock in sorted(getattr(order, "planned_clocks", []) or [], key=lambda c: c.due_at):
        try:
            deadline = deadline_for(clock.key, version=clock.ruleset_version)
        except DeadlineNotFound:
            continue
        text = _("我们将在 %(span)s内%(what)s") % {"span": _span(deadline.amount, deadline.unit),
                                                   "what": _what(clock.key)}
        promises.append(Promise(text=text, rule=deadline.rule, label=_(deadline.label),
                                due_at=timezone.localtime(clock.due_at)))
    return promises
