"""Read-only admin views of accounts; secrets (password and token hashes, TOTP keys) are never shown."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice

from procura.accounts.models import ApiToken, Invitation, Membership, Organisation, User
from procura.core.admin import ReadOnlyAdmin

for model in (TOTPDevice, Group):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = ("email", "full_name", "is_active", "email_verified_at", "date_joined")
    search_fields = ("email", "full_name")
    fields = ("email", "full_name", "is_active", "email_verified_at", "language", "date_joined", "last_login")


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    list_display = ("legal_name", "kind", "identifier_scheme", "identifier_id", "scale", "country_code")
    list_filter = ("kind", "scale", "country_code")
    search_fields = ("legal_name", "identifier_id")


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ("user", "organisation", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__email", "organisation__legal_name")


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ("email", "organisation", "role", "created_at", "expires_at", "accepted_at", "revoked_at")
    exclude = ("token_hash",)


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ("name", "user", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at")
    exclude = ("token_hash",)
