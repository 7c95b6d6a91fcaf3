"""The dispatcher's outage board (停电研判看板); see console/board.py."""

from django.urls import path

from griddesk.console import board

app_name = "outages"
urlpatterns = [
    path("", board.board, name="board"),
    path("<str:code>/", board.outage_detail, name="outage"),
    path("<str:code>/act/", board.outage_act, name="act"),
]
