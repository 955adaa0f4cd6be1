"""Signing in and out: password, the second factor, setting up an authenticator, password resets."""

from __future__ import annotations

import base64
import datetime as dt
import math
from typing import Any
from urllib.parse import urlencode

import django_otp
import segno
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, load_backend, login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django.views.generic.base import ContextMixin
from django_otp.plugins.otp_totp.models import TOTPDevice

from procura.accounts import access, selectors, services
from procura.accounts.forms import CodeForm, PasswordResetRequestForm, SetNewPasswordForm, SignInForm
from procura.accounts.models import User
from procura.accounts.roles import TWO_FACTOR_ROLES, Role
from procura.accounts.views.common import (
    SIGN_IN_BACKEND,
    current_user,
    next_url,
    password_reset_hours,
    remember_language,
)
from procura.core import clock
from procura.core.errors import ProcuraError
from procura.core.forms import add_service_errors, call_service

# Between the password and the code, the session holds who is signing in; never longer than this.
PENDING_USER_KEY = "procura.sign_in.user"
PENDING_NEXT_KEY = "procura.sign_in.next"
PENDING_SINCE_KEY = "procura.sign_in.since"
PENDING_LIFETIME = dt.timedelta(minutes=5)
# The unconfirmed authenticator shown on the set-up page, so reloading shows the same QR code.
SETUP_DEVICE_KEY = "procura.two_factor.device"


def _confirmed_devices(user: User) -> list[TOTPDevice]:
    return list(TOTPDevice.objects.devices_for_user(user, confirmed=True))


def _check_code(form: CodeForm, user: User) -> TOTPDevice | None:
    """The device that accepts the form's code; otherwise the form gets the reason.
    django-otp doubles the wait after each wrong code, so codes cannot be guessed quickly."""
    for device in _confirmed_devices(user):
        allowed, _details = device.verify_is_allowed()
        if not allowed:
            form.add_error("code", _("Too many wrong codes. Wait a moment, then enter the code your app shows."))
            return None
        verified = django_otp.verify_token(user, device.persistent_id, form.cleaned_data["code"])
        if verified is not None:
            return verified
    form.add_error("code", _("That code is not right. Enter the code your authenticator app shows now."))
    return None


def _forget_pending(request: HttpRequest) -> None:
    for key in (PENDING_USER_KEY, PENDING_NEXT_KEY, PENDING_SINCE_KEY):
        request.session.pop(key, None)


def _with_next(url: str, target: str) -> str:
    return f"{url}?{urlencode({'next': target})}" if target else url


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = SignInForm(request.POST)
    else:
        form = SignInForm(initial={"next": request.GET.get("next", "")})
    if form.is_bound and form.is_valid():
        # Through django.contrib.auth so django-axes counts failures and locks out guessers.
        user = authenticate(request, email=form.cleaned_data["email"], password=form.cleaned_data["password"])
        if not isinstance(user, User):
            form.add_error(None, _("Email address or password is not right."))
        else:
            destination = next_url(request, form.cleaned_data["next"])
            if _confirmed_devices(user):
                # Not signed in yet: the second factor comes first.
                request.session[PENDING_USER_KEY] = str(user.pk)
                request.session[PENDING_NEXT_KEY] = destination
                request.session[PENDING_SINCE_KEY] = clock.now().isoformat()
                return redirect("accounts:sign-in-code")
            _forget_pending(request)
            login(request, user)
            services.user_signed_in(user=user, two_factor=False)
            if access.requires_two_factor(user):
                destination = _with_next(reverse("accounts:two-factor-setup"), destination)
            return remember_language(HttpResponseRedirect(destination), user.language)
    return render(request, "accounts/sign_in.html", {"form": form})


def _pending_user(request: HttpRequest) -> User | None:
    user_id = request.session.get(PENDING_USER_KEY)
    since = request.session.get(PENDING_SINCE_KEY)
    if not user_id or not since:
        return None
    if clock.now() - dt.datetime.fromisoformat(since) > PENDING_LIFETIME:
        return None
    user = load_backend(SIGN_IN_BACKEND).get_user(user_id)
    return user if isinstance(user, User) else None


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_code(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        messages.error(request, _("Start again: enter your email address and password."))
        return redirect("accounts:sign-in")
    form = CodeForm(request.POST) if request.method == "POST" else CodeForm()
    if form.is_bound and form.is_valid():
        device = _check_code(form, user)
        if device is not None:
            destination = next_url(request, request.session.get(PENDING_NEXT_KEY))
            _forget_pending(request)
            login(request, user, backend=SIGN_IN_BACKEND)
            django_otp.login(request, device)
            services.user_signed_in(user=user, two_factor=True)
            return remember_language(HttpResponseRedirect(destination), user.language)
    return render(request, "accounts/sign_in_code.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def sign_out(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST":
        user = request.user
        if isinstance(user, User) and access.is_signed_in(user):
            services.user_signed_out(user=user)
        logout(request)
        messages.success(request, _("You have signed out."))
        return redirect(next_url(request, target))
    return render(request, "accounts/sign_out.html", {"next": target})


def _two_factor_reasons(user: User) -> list[tuple[Any, list[str]]]:
    """(organisation, role labels) for each of the user's roles that needs a second factor."""
    reasons = []
    for entry in selectors.organisations_of(user):
        labels = [str(Role(role).label) for role in entry.roles if role in TWO_FACTOR_ROLES]
        if labels:
            reasons.append((entry.organisation, labels))
    return reasons


def _setup_device(request: HttpRequest, user: User) -> TOTPDevice:
    """The authenticator being set up in this session, or a fresh one."""
    device_id = request.session.get(SETUP_DEVICE_KEY)
    device = TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first() if device_id else None
    if device is None:
        device = services.totp_device_start(user=user)
        request.session[SETUP_DEVICE_KEY] = device.pk
    return device


def _grouped_key(device: TOTPDevice) -> str:
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


@sensitive_post_parameters("code")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    target = request.POST.get("next") or request.GET.get("next") or ""
    destination = next_url(request, target)
    form = CodeForm(request.POST) if request.method == "POST" else CodeForm(initial={"next": target})
    context: dict[str, Any] = {"form": form, "reasons": _two_factor_reasons(user), "next": target}

    if _confirmed_devices(user):
        if user.is_verified():  # type: ignore[attr-defined]
            return render(request, "accounts/two_factor_on.html", context)
        # Set up in another session: this session still needs a code.
        if form.is_bound and form.is_valid():
            device = _check_code(form, user)
            if device is not None:
                django_otp.login(request, device)
                return redirect(destination)
        return render(request, "accounts/two_factor_code.html", context)

    device = _setup_device(request, user)
    if form.is_bound and form.is_valid():
        confirmed = call_service(
            form, services.totp_device_confirm, user=user, device=device, code=form.cleaned_data["code"]
        )
        if confirmed is not None:
            request.session.pop(SETUP_DEVICE_KEY, None)
            django_otp.login(request, confirmed)
            messages.success(request, _("Two-factor authentication is on. From now on, signing in asks for a code."))
            return redirect(destination)
    context["qr_code"] = segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=4)
    context["key"] = _grouped_key(device)
    return render(request, "accounts/two_factor_setup.html", context)


def locked_out(request: HttpRequest, credentials: Any, *args: Any, **kwargs: Any) -> HttpResponse:
    """django-axes calls this when an address has had too many failed sign-ins."""
    cool_off = get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60) if cool_off else None
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)


# --- Password reset (Django's views, Procura's templates and service) ---------------------------
class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetRequestForm
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password-reset-done")

    def form_valid(self, form: Any) -> HttpResponse:
        # Links in emails use the public address, whatever host the request came to.
        self.extra_email_context = {"base_url": settings.BASE_URL, "hours": password_reset_hours()}
        return super().form_valid(form)


class _LinkLifetime(ContextMixin):
    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "hours": password_reset_hours()}


class PasswordResetDoneView(_LinkLifetime, auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(_LinkLifetime, auth_views.PasswordResetConfirmView):
    # Procura's own form: its save() goes through the user_password_set service.
    form_class = SetNewPasswordForm  # type: ignore[assignment]
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")
    post_reset_login = False

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            return super().form_valid(form)  # form.save() calls the user_password_set service
        except ProcuraError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
