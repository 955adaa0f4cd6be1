"""URLs of the historical store's public pages, included under /open-data/history/."""

from django.urls import path

from procura.publication import history_views

app_name = "history"
# Ocids of other publishers may hold any character, "/" included: hence <path:ocid>, and the
# JSON downloads under their own prefixes so that nothing is ambiguous.
urlpatterns = [
    path("", history_views.processes, name="history-processes"),
    path("release/<int:pk>.json", history_views.release_json, name="history-release"),
    path("compiled/<path:ocid>", history_views.compiled_json, name="history-compiled"),
    path("process/<path:ocid>", history_views.process_detail, name="history-process"),
]
