"""The website's messages awaiting a reply (网站留言处理), rule W-4: a queue, the most overdue first,
each with its `W-4/reply` due time; a message's page where a moderator replies and decides (publish,
reply privately, reject). Moderators: back office and shift leaders (messageboard.services)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from griddesk.console.views import SERVICE_ERRORS, error_text
from griddesk.messageboard import selectors, services
from griddesk.messageboard.masking import mask_personal


def _require_moderator(user):
    if not services.may_moderate(user):
        raise PermissionDenied(_("只有处理部门和值长可以处理网站留言。"))


@login_required
def queue(request):
    _require_moderator(request.user)
    return render(request, "console/posts/queue.html", selectors.moderation_queue())


@login_required
def post_page(request, pk):
    _require_moderator(request.user)
    post = selectors.post_for_moderation(pk)
    if post is None:
        raise Http404(_("没有这条留言。"))
    names = [post.name] if post.name else []
    return render(request, "console/posts/post.html", {
        "post": post, "public_text": mask_personal(post.text, names),
        "public_reply": mask_personal(post.reply, names) if post.reply else ""})


@login_required
@require_POST
def post_decide(request, pk):
    _require_moderator(request.user)
    post = selectors.post_for_moderation(pk)
    if post is None:
        raise Http404(_("没有这条留言。"))
    decision = request.POST.get("decision", "")
    try:
        services.post_moderate(post=post, decision=decision, reply=request.POST.get("reply", ""),
                               note=request.POST.get("note", ""), actor=request.user)
    except SERVICE_ERRORS as error:
        messages.error(request, error_text(error))
        return render(request, "console/posts/post.html", {
            "post": post, "reply": request.POST.get("reply", ""), "note": request.POST.get("note", ""),
            "public_text": mask_personal(post.text, [post.name] if post.name else [])}, status=400)
    messages.success(request, _("留言 #%(pk)d 已处理：%(state)s。") % {
        "pk": post.pk, "state": post.get_state_display()})
    return redirect("console:posts:queue")
