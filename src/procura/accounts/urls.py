"""Account pages: sign-up, sign-in, two-factor, passwords, invitations, organisations."""

from django.urls import path

from procura.accounts import views

app_name = "accounts"
urlpatterns = [
    path("account/sign-in/", views.sign_in, name="sign-in"),
    path("account/sign-out/", views.sign_out, name="sign-out"),
    path("account/two-factor/", views.two_factor_setup, name="two-factor-setup"),
    path("account/verify-email/<str:token>/", views.verify_email, name="verify-email"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
]
