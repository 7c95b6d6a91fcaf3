from django.contrib.auth import views as auth_views
from django.urls import include, path

from griddesk.console import kb, views

app_name = "console"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("search/", views.search_page, name="search"),
    path("search/quick/", views.search_quick, name="search_quick"),
    path("caller/", views.caller_search, name="caller_search"),
    path("caller/outcome/", views.caller_outcome, name="caller_outcome"),
    path("caller/<str:account_no>/", views.caller_page, name="caller"),
    path("caller/<str:account_no>/reveal/", views.caller_reveal, name="caller_reveal"),
    path("orders/new/", views.order_new, name="order_new"),
    path("orders/<str:number>/", views.order_page, name="order"),
    path("orders/<str:number>/act/<str:action>/", views.order_action, name="order_action"),
    path("orders/<str:number>/reminder/", views.order_reminder, name="order_reminder"),
    path("orders/<str:number>/evidence/", views.order_evidence, name="order_evidence"),
    path("orders/<str:number>/evidence/<int:pk>/", views.order_evidence_file, name="order_evidence_file"),
    path("orders/<str:number>/identity/", views.order_identity, name="order_identity"),
    path("orders/<str:number>/person/", views.order_person, name="order_person"),
    path("orders/<str:number>/accused/", views.order_accuse, name="order_accuse"),
    path("queues/", include("griddesk.console.queue_urls")),
    path("crew/", include("griddesk.console.crew_urls")),
    path("inbox/", include("griddesk.console.inbox_urls")),
    path("outages/", include("griddesk.console.board_urls")),
    path("audit/", include("griddesk.console.auditor_urls")),
    path("kb/", kb.kb_search, name="kb_search"),
    path("kb/<slug:code>/", kb.kb_article, name="kb_article"),
    path("posts/", include("griddesk.console.posts_urls")),
    path("analytics/", include("griddesk.analytics.urls")),
    path("quality/", include("griddesk.quality.urls")),
]
