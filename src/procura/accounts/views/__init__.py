"""Account pages: sign-up, sign-in, two-factor, passwords, invitations, the account, organisations."""

from procura.accounts.views.authentication import (
    PasswordResetCompleteView,
    PasswordResetConfirmView,
    PasswordResetDoneView,
    PasswordResetView,
    locked_out,
    sign_in,
    sign_in_code,
    sign_out,
    two_factor_setup,
)
from procura.accounts.views.organisation_pages import (
    invitation_withdraw,
    members,
    membership_remove,
    organisation,
    organisation_edit,
    organisations,
)
from procura.accounts.views.profile import account, token_revoke, tokens
from procura.accounts.views.registration import (
    invitation,
    sign_up,
    sign_up_complete,
    verify_email,
    verify_email_resend,
)

__all__ = [
    "PasswordResetCompleteView",
    "PasswordResetConfirmView",
    "PasswordResetDoneView",
    "PasswordResetView",
    "account",
    "invitation",
    "invitation_withdraw",
    "locked_out",
    "members",
    "membership_remove",
    "organisation",
    "organisation_edit",
    "organisations",
    "sign_in",
    "sign_in_code",
    "sign_out",
    "sign_up",
    "sign_up_complete",
    "token_revoke",
    "tokens",
    "two_factor_setup",
    "verify_email",
    "verify_email_resend",
]
