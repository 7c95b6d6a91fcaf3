from django.urls import path

from griddesk.portal import board, policies, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("outages/", views.outage_notices, name="outages"),
    path("outages/<str:code>.atom", views.outage_feed, name="outage_feed"),
    path("policies/", policies.policies, name="policies"),
    path("policies/<slug:code>/", policies.policy, name="policy"),
    path("board/", board.board, name="board"),
]
