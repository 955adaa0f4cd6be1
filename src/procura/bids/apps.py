"""Django app configuration for bids."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BidsConfig(AppConfig):
    name = "procura.bids"
    label = "bids"
    verbose_name = _("Bids")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from procura.bids.opening_panel import opening_panel
        from procura.bids.panels import bid_panel
        from procura.bids.services import live_bid_count
        from procura.tenders.panels import register_tender_panel
        from procura.tenders.services import register_bid_counter

        # A tender whose bids close with none submitted is declared unsuccessful by the sweep.
        register_bid_counter(live_bid_count)
        # The tender page: bidding for suppliers, then the public opening record.
        register_tender_panel("bids", bid_panel, order=10)
        register_tender_panel("opening", opening_panel, order=20)
