"""The page a locked-out login gets (django-axes' AXES_LOCKOUT_CALLABLE)."""

import math

from axes.helpers import get_cool_off, get_failure_limit
from django.conf import settings
from django.shortcuts import render


def locked_out(request, original_response=None, credentials=None):
    cool_off = get_cool_off(request)
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_minutes": math.ceil(cool_off.total_seconds() / 60) if cool_off else None,
    }
    return render(request, "security/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)
