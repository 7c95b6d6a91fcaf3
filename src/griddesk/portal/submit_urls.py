"""Submissions and business applications of the public site (in the `portal` namespace)."""

from django.urls import path

from griddesk.portal import submit_views

urlpatterns = [
    path("submit/", submit_views.submit_index, name="submit"),
    path("submit/<slug:kind>/", submit_views.submit_form, name="submit_form"),
    path("apply/", submit_views.apply_index, name="apply"),
    path("apply/<slug:code>/", submit_views.apply_form, name="apply_form"),
]
