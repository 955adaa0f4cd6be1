"""Organisation kinds, supplier scales and roles, and which roles each kind of organisation has."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    BUYER = "buyer", _("Buyer")
    SUPPLIER = "supplier", _("Supplier")
    OVERSIGHT = "oversight", _("Oversight body")


class SupplierScale(models.TextChoices):
    MICRO = "micro", _("Micro")
    SMALL = "small", _("Small")
    MEDIUM = "medium", _("Medium")
    LARGE = "large", _("Large")

    @property
    def ocds_scale(self) -> str:
        """partyDetails_scale codelist: micro, sme or large."""
        return {"micro": "micro", "small": "sme", "medium": "sme", "large": "large"}[self.value]


class Role(models.TextChoices):
    # buyer side
    PROCUREMENT_OFFICER = "procurement_officer", _("Procurement officer")
    APPROVER = "approver", _("Approver (budget holder)")
    EVALUATOR = "evaluator", _("Evaluator")
    # supplier side
    BID_MANAGER = "bid_manager", _("Bid manager")
    VIEWER = "viewer", _("Viewer")
    # platform (held in an oversight body)
    ADMINISTRATOR = "administrator", _("Platform administrator")
    AUDITOR = "auditor", _("Auditor")
    REVIEW_BODY = "review_body", _("Review body")


ROLES_BY_KIND: dict[str, frozenset[str]] = {
    OrganisationKind.BUYER: frozenset({Role.PROCUREMENT_OFFICER, Role.APPROVER, Role.EVALUATOR}),
    OrganisationKind.SUPPLIER: frozenset({Role.BID_MANAGER, Role.VIEWER}),
    OrganisationKind.OVERSIGHT: frozenset({Role.ADMINISTRATOR, Role.AUDITOR, Role.REVIEW_BODY}),
}

# Roles that may invite and remove members of their own organisation.
MEMBER_MANAGER_ROLES = frozenset({Role.PROCUREMENT_OFFICER, Role.BID_MANAGER, Role.ADMINISTRATOR})

# Every buyer, platform and review-body role must sign in with a second factor.
TWO_FACTOR_ROLES = ROLES_BY_KIND[OrganisationKind.BUYER] | ROLES_BY_KIND[OrganisationKind.OVERSIGHT]


def role_allowed(kind: str, role: str) -> bool:
    return role in ROLES_BY_KIND.get(kind, frozenset())
