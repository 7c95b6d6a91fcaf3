"""The public site's pages. Thin: reads come from `portal.selectors`."""

from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.utils import timezone, translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from griddesk.portal import selectors

# The notices are cached per county, language, place and generation (selectors.notices_generation):
# a change shows at once; the time limit only bounds what a change made without `updated_at`
# (a bulk update) could leave stale.
NOTICES_TTL = 60


def home(request):
    """Public home page (rule W-1: 供电客户服务 clearly on the home page, navigation to C-2 services),
    with the outages in force at a glance."""
    outages = selectors.public_outages()
    return render(request, "portal/home.html", {"outages": outages[:5], "outage_total": len(outages)})


@require_GET
def outage_notices(request):
    """停电信息: current and announced outages by city, county and street or village (rules C-2, W-2),
    served from the cache during a storm, when everyone below a tripped feeder opens it at once."""
    choices = selectors.counties()
    county = selectors.county_named(request.GET.get("county", ""), choices)
    place = request.GET.get("q", "").strip()[: selectors.PLACE_MAX]
    key = (f"notices:{translation.get_language()}:{county.code if county else '*'}:{place.encode().hex()}:"
           f"{selectors.notices_generation(county)}")
    html = cache.get(key)
    if html is None:
        context = {"outages": selectors.public_outages(county=county, place=place), "counties": choices,
                   "county": county, "place": place,
                   "feed_query": urlencode({"county": county.code}) if county else ""}
        response = TemplateResponse(request, "portal/outages.html", context).render()
        html = response.content.decode()
        cache.set(key, html, NOTICES_TTL)
    return HttpResponse(html)


@require_GET
def outage_feed(request, code):
    """An Atom feed of a county's notices, for media and WeChat accounts (rule C-2)."""
    county = selectors.county_named(code)
    if county is None:
        raise Http404(_("没有编码为 %s 的县公司。") % code)
    key = f"notices-feed:{translation.get_language()}:{code}:{selectors.notices_generation(county)}"
    body = cache.get(key)
    if body is None:
        body = _feed(request, county)
        cache.set(key, body, NOTICES_TTL)
    return HttpResponse(body, content_type="application/atom+xml; charset=utf-8")


def _feed(request, county):
    page = request.build_absolute_uri("/outages/?" + urlencode({"county": county.code}))
    feed = Atom1Feed(title=_("%s 停电信息") % county.name, link=page,
                     description=_("计划停电、临时停电和故障停电公告（规则 C-2、W-2）"), language="zh-hans",
                     feed_url=request.build_absolute_uri())
    for outage, _county_name in selectors.public_outages(county=county):
        restore = outage.expected_restoration_at
        feed.add_item(
            title=f"{outage.get_kind_display()} · {outage.area or outage.device.name}",
            link=f"{page}#outage-{outage.code}", unique_id=f"urn:griddesk:outage:{outage.code}",
            description=_("停电范围：%(area)s；原因：%(cause)s；开始：%(start)s；预计恢复：%(end)s") % {
                "area": outage.area or outage.device.name, "cause": outage.cause,
                "start": timezone.localtime(outage.starts_at).strftime("%Y-%m-%d %H:%M"),
                "end": timezone.localtime(restore).strftime("%Y-%m-%d %H:%M") if restore else _("待定")},
            pubdate=outage.announced_at or outage.starts_at, updateddate=outage.updated_at,
        )
    return feed.writeString("utf-8")
