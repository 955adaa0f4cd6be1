"""Account pages: sign-up, sign-in, two-factor, passwords, invitations, the account, organisations."""

from django.urls import path

from procura.accounts import views

app_name = "accounts"
urlpatterns = [
    # The person
    path("account/", views.account, name="account"),
    path("account/sign-up/", views.sign_up, name="sign-up"),
    path("account/sign-up/complete/", views.sign_up_complete, name="sign-up-complete"),
    path("account/sign-in/", views.sign_in, name="sign-in"),
    path("account/sign-in/code/", views.sign_in_code, name="sign-in-code"),
    path("account/sign-out/", views.sign_out, name="sign-out"),
    path("account/two-factor/", views.two_factor_setup, name="two-factor-setup"),
    path("account/verify-email/resend/", views.verify_email_resend, name="verify-email-resend"),
    path("account/verify-email/<str:token>/", views.verify_email, name="verify-email"),
    path("account/password-reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path("account/password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password-reset-done"),
    path("account/password-reset/complete/", views.PasswordResetCompleteView.as_view(), name="password-reset-complete"),
    path(
        "account/password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("account/tokens/", views.tokens, name="tokens"),
    path("account/tokens/<uuid:token_id>/revoke/", views.token_revoke, name="token-revoke"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    # Organisations
    path("organisations/", views.organisations, name="organisations"),
    path("organisations/<uuid:organisation_id>/", views.organisation, name="organisation"),
    path("organisations/<uuid:organisation_id>/edit/", views.organisation_edit, name="organisation-edit"),
    path("organisations/<uuid:organisation_id>/members/", views.members, name="members"),
    path(
        "organisations/<uuid:organisation_id>/members/<uuid:membership_id>/remove/",
        views.membership_remove,
        name="membership-remove",
    ),
    path(
        "organisations/<uuid:organisation_id>/invitations/<uuid:invitation_id>/withdraw/",
        views.invitation_withdraw,
        name="invitation-withdraw",
    ),
]
