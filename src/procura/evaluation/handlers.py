"""Evaluation's handlers of lower apps' events, subscribed in EvaluationConfig.ready()."""

from __future__ import annotations

from procura.bids.events import BidsOpened
from procura.evaluation import services
from procura.tenders.models import Tender


def on_bids_opened(event: BidsOpened) -> None:
    """The bids are open: the evaluation starts, one assessment per opened bid, in the opening's
    own transaction (so an opening never exists without its evaluation)."""
    services.evaluation_for(Tender.objects.select_related("buyer").get(pk=event.tender_id))
