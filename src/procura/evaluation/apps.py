"""Django app configuration for evaluation (panels, scoring, qualification, awards, complaints)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "procura.evaluation"
    label = "evaluation"
    verbose_name = _("Evaluation and award")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from procura.bids.events import BidsOpened
        from procura.core import events
        from procura.evaluation import access
        from procura.evaluation.award_access import register_document_rules
        from procura.evaluation.award_views import award_panel
        from procura.evaluation.handlers import on_bids_opened
        from procura.evaluation.views import tender_panel
        from procura.tenders.panels import register_tender_panel

        # Nobody on the buyer's side reads an opened bid without a seat on the panel and a
        # declaration of no conflict (bids.access asks this rule on every path).
        access.connect()
        # Complaint documents: public ones for everyone, confidential ones for the few.
        register_document_rules()
        # The opening starts the evaluation: an assessment for every bid that counts.
        events.subscribe(BidsOpened, on_bids_opened)
        # The tender page: the panel's way in, then the awards and complaints (public).
        register_tender_panel("evaluation", tender_panel, order=30)
        register_tender_panel("awards", award_panel, order=40)
