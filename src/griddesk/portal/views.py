from django.shortcuts import render


def home(request):
    """Public home page (rule W-1: 供电客户服务 clearly on the home page, navigation to C-2 services)."""
    return render(request, "portal/home.html")
