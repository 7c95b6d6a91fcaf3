from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from griddesk.console import selectors


@login_required
def home(request):
    return render(request, "console/home.html", selectors.dashboard_for(request.user))
