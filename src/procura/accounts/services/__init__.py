"""Every write to accounts goes through a function here (split by sub-domain)."""

from procura.accounts.services.invitations import (
    check_invitation_usable,
    invitation_accept,
    invitation_accept_as_new_user,
    invitation_create,
    invitation_revoke,
)
from procura.accounts.services.organisations import (
    OrganisationDetails,
    membership_grant,
    membership_revoke,
    organisation_register,
    organisation_update,
    platform_administrator_create,
    supplier_sign_up,
)
from procura.accounts.services.tokens import (
    ApiScope,
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
)
from procura.accounts.services.two_factor import (
    totp_current_code,
    totp_device_confirm,
    totp_device_start,
)
from procura.accounts.services.users import (
    email_verification_send,
    email_verify,
    user_password_set,
    user_profile_update,
    user_register,
    user_signed_in,
    user_signed_out,
)

__all__ = [
    "ApiScope",
    "OrganisationDetails",
    "api_token_authenticate",
    "api_token_create",
    "api_token_revoke",
    "check_invitation_usable",
    "email_verification_send",
    "email_verify",
    "invitation_accept",
    "invitation_accept_as_new_user",
    "invitation_create",
    "invitation_revoke",
    "membership_grant",
    "membership_revoke",
    "organisation_register",
    "organisation_update",
    "platform_administrator_create",
    "supplier_sign_up",
    "totp_current_code",
    "totp_device_confirm",
    "totp_device_start",
    "user_password_set",
    "user_profile_update",
    "user_register",
    "user_signed_in",
    "user_signed_out",
]
