from django.urls import include, path

from griddesk.portal import board, policies, queries, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("outages/", views.outage_notices, name="outages"),
    path("outages/<str:code>.atom", views.outage_feed, name="outage_feed"),
    path("progress/", queries.progress_query, name="progress"),
    path("progress/<str:number>/", queries.progress_order, name="progress_order"),
    path("bills/", queries.bills_query, name="bills"),
    path("bills/<str:number>/", queries.bills_account, name="bills_account"),
    path("satisfaction/<str:token>/", queries.satisfaction, name="satisfaction"),
    path("policies/", policies.policies, name="policies"),
    path("policies/<slug:code>/", policies.policy, name="policy"),
    path("board/", board.board, name="board"),
    path("", include("griddesk.portal.submit_urls")),  # /submit/, /apply/ (docs/portal.md)
]
