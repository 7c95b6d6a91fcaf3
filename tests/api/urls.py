"""The API alone, mounted where the project mounts it (/api/): the API tests don't depend on the
console's or portal's URL modules, which other work may be changing at the same time."""

from django.urls import include, path

urlpatterns = [path("api/", include("griddesk.api.urls"))]
