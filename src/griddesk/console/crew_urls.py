"""Phone-sized pages for repair crews (抢修班组移动端); see console/crew.py."""

from django.urls import path

from griddesk.console import crew

app_name = "crew"
urlpatterns = [
    path("", crew.crew_list, name="list"),
    path("outages/<str:code>/confirm/", crew.crew_outage_confirm, name="outage_confirm"),
    path("<str:number>/", crew.crew_order, name="order"),
    path("<str:number>/act/", crew.crew_act, name="act"),
]
