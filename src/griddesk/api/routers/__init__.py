"""API v1 routers, one per area; assembled in griddesk.api.v1."""
