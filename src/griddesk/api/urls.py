"""REST API v1 (django-ninja); see api/v1.py."""

urlpatterns = []
