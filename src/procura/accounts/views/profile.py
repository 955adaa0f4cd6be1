"""The signed-in person's own pages: profile, email and two-factor status, API tokens."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from procura.accounts import access, selectors, services
from procura.accounts.forms import ApiTokenForm, ProfileForm
from procura.accounts.views.common import current_user, remember_language, run_action
from procura.core import clock
from procura.core.forms import call_service


@login_required
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if request.method == "POST":
        form = ProfileForm(request.POST)
    else:
        form = ProfileForm(initial={"full_name": user.full_name, "language": user.language})
    if form.is_bound and form.is_valid():
        updated = call_service(
            form,
            services.user_profile_update,
            user=user,
            full_name=form.cleaned_data["full_name"],
            language=form.cleaned_data["language"],
        )
        if updated is not None:
            messages.success(request, _("Your details are saved."))
            return remember_language(HttpResponseRedirect(reverse("accounts:account")), updated.language)
    context: dict[str, Any] = {
        "form": form,
        "organisations": selectors.organisations_of(user),
        "two_factor_on": TOTPDevice.objects.devices_for_user(user, confirmed=True).exists(),
        "two_factor_required": access.requires_two_factor(user),
    }
    return render(request, "accounts/account.html", context)


@never_cache  # the page that shows a new token's secret must never be stored by a cache
@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    form = ApiTokenForm(request.POST if request.method == "POST" else None)
    created = None
    if form.is_bound and form.is_valid():
        result = call_service(
            form,
            services.api_token_create,
            actor=user,
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            expires_in_days=form.cleaned_data["expires_in_days"],
        )
        if result is not None:
            # Shown in this response only: the secret is not stored anywhere, not even the session.
            token, secret = result
            created = {"token": token, "secret": secret}
            form = ApiTokenForm()
    context = {"form": form, "tokens": selectors.tokens_of(user), "created": created, "now": clock.now()}
    return render(request, "accounts/tokens.html", context)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: uuid.UUID) -> HttpResponse:
    user = current_user(request)
    if run_action(request, services.api_token_revoke, actor=user, token_id=token_id):
        messages.success(request, _("The token is revoked. Programs using it can no longer sign in."))
    return redirect("accounts:tokens")
