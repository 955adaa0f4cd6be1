"""Alert pages: subscriptions, followed tenders and the personal Atom feed, under /alerts/."""

from procura.alerts import views

app_name = "alerts"
urlpatterns = [*views.urlpatterns]
