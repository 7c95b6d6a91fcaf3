"""The public message board (留言板), rule W-4: approved messages with their replies (personal data
masked), and the form to leave one (CSRF, a server-verified challenge, a per-address limit). Thin:
the work is in messageboard.services and messageboard.selectors."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from griddesk.abuse.services import challenge_new, challenge_problem, client_ip
from griddesk.messageboard import selectors, services


class PostForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("称呼（选填，公开时隐去）"), max_length=services.NAME_MAX, required=False)
    phone = forms.CharField(label=gettext_lazy("联系电话（必填，不公开）"), max_length=20)
    text = forms.CharField(label=gettext_lazy("留言内容"), widget=forms.Textarea(attrs={"rows": 5}),
                           max_length=services.TEXT_MAX)
    answer = forms.CharField(label=gettext_lazy("验证题"), max_length=4)
    token = forms.CharField(widget=forms.HiddenInput)


def board(request):
    """GET: the replied messages and an empty form. POST: a new message; back to the page with a notice."""
    form = PostForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        post = _submit(request, form)
        if post is not None:
            messages.success(request, _("留言已提交，工作人员将在 %(due)s 前回复。审核通过的留言和回复会在本页公开"
                                        "（隐去个人信息）。") % {
                "due": timezone.localtime(post.due_at).strftime("%Y-%m-%d %H:%M")})
            return redirect("portal:board")
    challenge = challenge_new()
    if form.is_bound:  # a fresh question each time the form is shown again
        form.data = form.data.copy()
        form.data["token"], form.data["answer"] = challenge.token, ""
    else:
        form = PostForm(initial={"token": challenge.token})
    return render(request, "portal/board.html", {"form": form, "question": challenge.question,
                                                 "posts": selectors.public_posts()},
                  status=400 if form.is_bound else 200)


def _submit(request, form):
    """The message of a valid form, or None with the reason added to the form (challenge, rate, fields)."""
    ip = client_ip(request)
    problem = challenge_problem(form.cleaned_data["token"], form.cleaned_data["answer"])
    if problem:
        form.add_error("answer", problem)
        return None
    if services.rate_limit_reached(ip):
        form.add_error(None, _("您留言过于频繁，请一小时后再试。"))
        return None
    try:
        post = services.post_submit(name=form.cleaned_data["name"], phone=form.cleaned_data["phone"],
                                    text=form.cleaned_data["text"], ip=ip)
    except ValidationError as error:
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
        return None
    services.rate_limit_count(ip)
    return post
