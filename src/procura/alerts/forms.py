"""Forms of the alert pages. They check what a person typed; the services decide the rules."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from procura.accounts.models import Organisation
from procura.alerts.domain import Frequency
from procura.alerts.models import FREQUENCY_LABELS, AlertSubscription
from procura.alerts.services import SubscriptionDetails
from procura.alerts.services.subscriptions import NAME_LIMIT
from procura.core.errors import InvalidInput
from procura.core.forms import ProcuraForm
from procura.core.money import Money

# Codes and keywords are typed as lists: separated by commas, semicolons or new lines.
SEPARATORS = re.compile(r"[,;\n\r]+")
AMOUNT_INPUT = {"inputmode": "decimal", "spellcheck": "false"}


def split_list(value: str) -> list[str]:
    return [part.strip() for part in SEPARATORS.split(value or "") if part.strip()]


def _amount(label: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        widget=forms.TextInput(attrs=AMOUNT_INPUT),
        error_messages={"invalid": _("Enter the amount as a number, like 125000.00, without spaces or commas.")},
    )


def _as_typed(amount: Decimal | None, currency: str) -> Decimal | None:
    """A stored amount as people write it in its currency: 250000.00 EUR, not 250000.0000."""
    if amount is None or not currency:
        return amount
    return Money(amount, currency).quantized().amount


class SubscriptionForm(ProcuraForm):
    name = forms.CharField(
        label=_("Name of the alert"),
        max_length=NAME_LIMIT,
        help_text=_("For you to recognise it, for example Road works in the north."),
        error_messages={"required": _("Give the alert a name, such as Road works in the north.")},
    )
    supplier_id = forms.ChoiceField(
        label=_("For which supplier"),
        error_messages={"required": _("Choose the supplier the alert is for.")},
    )
    classifications = forms.CharField(
        label=_("Classification codes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
        help_text=_(
            "CPV codes or their first digits, separated by commas. 4521 finds every code that starts "
            "with 4521; 45210000-2 finds that code and everything under it. Empty: any."
        ),
    )
    keywords = forms.CharField(
        label=_("Keywords"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Words or phrases, separated by commas. A tender matches when its title, description or "
            "items contain one of them as whole words, in any case. Empty: any."
        ),
    )
    buyer_ids = forms.MultipleChoiceField(
        label=_("Buyers"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only tenders of the buyers you tick. None ticked: any buyer."),
    )
    value_min = _amount(_("Estimated value from"))
    value_max = _amount(_("Estimated value up to"))
    currency = forms.CharField(
        label=_("Currency of the value range"),
        required=False,
        max_length=3,
        help_text=_(
            "The three-letter ISO 4217 code, such as EUR. With a value range, tenders whose estimate is "
            "not published are not included."
        ),
        widget=forms.TextInput(attrs={"class": "short", "autocomplete": "off", "spellcheck": "false"}),
    )
    frequency = forms.ChoiceField(
        label=_("When to email you"),
        choices=[(f.value, FREQUENCY_LABELS[f]) for f in Frequency],
        widget=forms.RadioSelect,
        initial=Frequency.IMMEDIATE.value,
        error_messages={"required": _("Choose immediately or in a daily summary.")},
    )

    def __init__(self, *args: Any, suppliers: list[Organisation], buyers: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        supplier = self.fields["supplier_id"]
        buyer = self.fields["buyer_ids"]
        assert isinstance(supplier, forms.ChoiceField)
        assert isinstance(buyer, forms.MultipleChoiceField)
        supplier.choices = [(str(org.pk), org.legal_name) for org in suppliers]
        buyer.choices = [(str(org.pk), org.legal_name) for org in buyers]
        if len(suppliers) == 1:
            self.initial.setdefault("supplier_id", str(suppliers[0].pk))

    @staticmethod
    def initial_for(subscription: AlertSubscription) -> dict[str, Any]:
        return {
            "name": subscription.name,
            "supplier_id": str(subscription.supplier_id),
            "classifications": ", ".join(c.prefix for c in subscription.classifications.all()),
            "keywords": ", ".join(k.text for k in subscription.keywords.all()),
            "buyer_ids": [str(b.buyer_id) for b in subscription.buyers.all()],
            "value_min": _as_typed(subscription.value_min, subscription.currency),
            "value_max": _as_typed(subscription.value_max, subscription.currency),
            "currency": subscription.currency,
            "frequency": subscription.frequency,
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # The service's own checks too, so every problem is reported at once, on its field.
        try:
            self.details().clean()
        except InvalidInput as exc:
            for name, messages in exc.fields.items():
                if name in self.fields and not self.has_error(name):
                    for message in messages:
                        self.add_error(name, message)
        return cleaned

    def details(self) -> SubscriptionDetails:
        """What the form holds, for the service (fields the form refused are left empty)."""
        data = self.cleaned_data
        value_min: Decimal | None = data.get("value_min")
        value_max: Decimal | None = data.get("value_max")
        return SubscriptionDetails(
            name=data.get("name", ""),
            frequency=data.get("frequency", ""),
            classifications=split_list(data.get("classifications", "")),
            keywords=split_list(data.get("keywords", "")),
            buyer_ids=list(data.get("buyer_ids", [])),
            value_min=value_min,
            value_max=value_max,
            currency=data.get("currency", ""),
        )


class ConfirmForm(ProcuraForm):
    """A button with nothing to fill in (deleting an alert): errors from the service land here."""
