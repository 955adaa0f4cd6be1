"""Who may use alerts: the one place for these rules.

Alerts are for the people of supplier organisations (bid managers and viewers alike: an alert
only reads what is public). A subscription, a follow and a feed are personal: nobody else sees
them, administrators included, and someone else's subscription is simply not found.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from procura.accounts.access import check_signed_in, is_signed_in
from procura.accounts.models import Membership, Organisation
from procura.accounts.roles import OrganisationKind
from procura.alerts.models import AlertSubscription
from procura.core.errors import NotFound, PermissionDenied
from procura.tenders.models import Tender


def alert_suppliers(user: Any) -> list[Organisation]:
    """The supplier organisations the user belongs to, in any role, by name."""
    if not is_signed_in(user):
        return []
    found = {
        membership.organisation_id: membership.organisation
        for membership in Membership.objects.filter(user=user, organisation__kind=OrganisationKind.SUPPLIER)
        .select_related("organisation")
        .order_by("organisation__legal_name", "organisation_id")
    }
    return list(found.values())


def can_use_alerts(user: Any) -> bool:
    if not is_signed_in(user):
        return False
    return Membership.objects.filter(user=user, organisation__kind=OrganisationKind.SUPPLIER).exists()


def can_subscribe_for(user: Any, supplier: Organisation) -> bool:
    if supplier.kind != OrganisationKind.SUPPLIER:
        return False
    if not is_signed_in(user):
        return False
    return Membership.objects.filter(user=user, organisation=supplier).exists()


def can_manage_subscription(user: Any, subscription: AlertSubscription) -> bool:
    if not is_signed_in(user):
        return False
    return bool(subscription.user_id == user.pk)


def can_follow(user: Any, tender: Tender) -> bool:
    """Only published tenders are followed: a draft has nothing public to tell."""
    if not tender.is_published:
        return False
    return can_use_alerts(user)


def check_can_use_alerts(user: Any) -> None:
    check_signed_in(user)
    if not can_use_alerts(user):
        raise PermissionDenied(
            _(
                "Alerts are for people who work for a supplier. Register your business or join "
                "a supplier's team to get alerts about opportunities."
            )
        )


def check_can_subscribe_for(user: Any, supplier: Organisation) -> None:
    check_can_use_alerts(user)
    if not can_subscribe_for(user, supplier):
        raise PermissionDenied(
            _("You can only set up alerts for a supplier you belong to."),
            fields={"supplier": [_("Choose a supplier you belong to.")]},
        )


def check_can_manage_subscription(user: Any, subscription: AlertSubscription) -> None:
    check_can_use_alerts(user)
    if not can_manage_subscription(user, subscription):
        raise NotFound(_("There is no such alert."))


def check_can_follow(user: Any, tender: Tender) -> None:
    if not tender.is_published:
        raise NotFound(_("There is no tender %(ocid)s.") % {"ocid": tender.ocid})
    check_can_use_alerts(user)
