"""Alert pages: my alerts, adding, changing and deleting one, following tenders, and the feed.

Everything but the feed is for signed-in people of supplier organisations; others get the 403
page with the reason. The feed is opened by its secret link alone, so feed readers can use it.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, re_path, reverse
from django.utils import feedgenerator
from django.utils.html import linebreaks
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from procura.accounts.access import is_signed_in
from procura.accounts.models import Organisation, User
from procura.accounts.roles import OrganisationKind
from procura.accounts.selectors import public_organisations
from procura.accounts.views.common import current_user, next_url, run_action
from procura.alerts import access, emails, selectors, services
from procura.alerts.forms import ConfirmForm, SubscriptionForm
from procura.alerts.models import FREQUENCY_LABELS, AlertSubscription
from procura.core.errors import NotAuthenticated
from procura.core.errors import PermissionDenied as ServicePermissionDenied
from procura.core.forms import call_service
from procura.core.money import Money
from procura.tenders import selectors as tender_selectors
from procura.tenders.models import Tender

NEW_FEED_TOKEN = "alerts:new-feed-token"  # session key: the link is shown once, on the next page
OCID_FIELD = "ocid"
NEXT_FIELD = "next"


def _alerts_user(request: HttpRequest) -> User:
    """The signed-in person, if alerts are for them; otherwise the 403 page with the reason."""
    user = current_user(request)
    try:
        access.check_can_use_alerts(user)
    except (ServicePermissionDenied, NotAuthenticated) as exc:
        raise PermissionDenied(exc.message) from exc
    return user


def _own_subscription(user: User, subscription_id: uuid.UUID) -> AlertSubscription:
    subscription = selectors.subscription_get(subscription_id)
    if subscription is None or not access.can_manage_subscription(user, subscription):
        raise Http404
    return subscription


def _buyers() -> list[Organisation]:
    return list(public_organisations(kind=OrganisationKind.BUYER))


def _feed_url(token: str) -> str:
    return emails.absolute(reverse("alerts:alert-feed", args=[token]))


def _value_range(subscription: AlertSubscription) -> str:
    if subscription.value_min is None and subscription.value_max is None:
        return ""
    language = get_language() or "en"

    def shown(amount: Any) -> str:
        return Money(amount, subscription.currency).quantized().format(language)

    if subscription.value_max is None:
        return _("from %(min)s") % {"min": shown(subscription.value_min)}
    if subscription.value_min is None:
        return _("up to %(max)s") % {"max": shown(subscription.value_max)}
    return _("%(min)s to %(max)s") % {"min": shown(subscription.value_min), "max": shown(subscription.value_max)}


def _subscription_row(subscription: AlertSubscription) -> dict[str, Any]:
    return {
        "subscription": subscription,
        "codes": [c.prefix for c in subscription.classifications.all()],
        "keywords": [k.text for k in subscription.keywords.all()],
        "buyers": [b.buyer.legal_name for b in subscription.buyers.all()],
        "value_range": _value_range(subscription),
        "frequency": FREQUENCY_LABELS.get(subscription.frequency, subscription.frequency),  # type: ignore[call-overload]
    }


# --- My alerts --------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "HEAD"])
def alert_home(request: HttpRequest) -> HttpResponse:
    user = _alerts_user(request)
    new_token = request.session.pop(NEW_FEED_TOKEN, None)
    context = {
        "subscriptions": [_subscription_row(s) for s in selectors.subscriptions_of(user)],
        "follows": selectors.follows_of(user),
        "notifications": [(n, emails.heading(n)) for n in selectors.recent_notifications(user)],
        "has_feed": selectors.feed_of(user) is not None,
        "new_feed_url": _feed_url(new_token) if new_token else "",
        "max_subscriptions": services.MAX_SUBSCRIPTIONS,
    }
    response = render(request, "alerts/home.html", context)
    if new_token:
        response["Cache-Control"] = "no-store"  # the secret link is on this page once
    return response


def _form_page(
    request: HttpRequest, user: User, subscription: AlertSubscription | None
) -> tuple[SubscriptionForm, HttpResponse | None]:
    suppliers = access.alert_suppliers(user)
    if request.method == "POST":
        form = SubscriptionForm(request.POST, suppliers=suppliers, buyers=_buyers())
    else:
        initial = SubscriptionForm.initial_for(subscription) if subscription is not None else {}
        form = SubscriptionForm(initial=initial, suppliers=suppliers, buyers=_buyers())
    if not (form.is_bound and form.is_valid()):
        return form, None
    supplier = next(org for org in suppliers if str(org.pk) == form.cleaned_data["supplier_id"])
    if subscription is None:
        saved = call_service(
            form, services.alert_subscription_create, actor=user, supplier=supplier, details=form.details()
        )
    else:
        saved = call_service(
            form,
            services.alert_subscription_update,
            actor=user,
            subscription=subscription,
            supplier=supplier,
            details=form.details(),
        )
    if saved is None:
        return form, None
    messages.success(request, _("The alert “%(name)s” is saved.") % {"name": saved.name})
    return form, redirect("alerts:alert-home")


@login_required
@require_http_methods(["GET", "POST"])
def alert_subscription_add(request: HttpRequest) -> HttpResponse:
    user = _alerts_user(request)
    form, done = _form_page(request, user, None)
    return done or render(request, "alerts/subscription_form.html", {"form": form, "subscription": None})


@login_required
@require_http_methods(["GET", "POST"])
def alert_subscription_edit(request: HttpRequest, subscription_id: uuid.UUID) -> HttpResponse:
    user = _alerts_user(request)
    subscription = _own_subscription(user, subscription_id)
    form, done = _form_page(request, user, subscription)
    return done or render(request, "alerts/subscription_form.html", {"form": form, "subscription": subscription})


@login_required
@require_http_methods(["GET", "POST"])
def alert_subscription_delete(request: HttpRequest, subscription_id: uuid.UUID) -> HttpResponse:
    user = _alerts_user(request)
    subscription = _own_subscription(user, subscription_id)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        call_service(form, services.alert_subscription_delete, actor=user, subscription=subscription)
        if not form.errors:
            messages.success(request, _("The alert “%(name)s” is deleted.") % {"name": subscription.name})
            return redirect("alerts:alert-home")
    return render(request, "alerts/subscription_delete.html", {"form": form, "subscription": subscription})


# --- Following tenders ------------------------------------------------------------------------------
def _posted_tender(request: HttpRequest) -> Tender | None:
    ocid = request.POST.get(OCID_FIELD, "").strip()
    if not ocid or len(ocid) > 64:
        return None
    return tender_selectors.tender_visible(request.user, ocid)


def _follow_action(request: HttpRequest, *, follow: bool) -> HttpResponse:
    tender = _posted_tender(request)
    if not is_signed_in(request.user):
        back = reverse("tenders:tender", args=[tender.ocid]) if tender is not None and tender.is_published else ""
        return redirect_to_login(back or reverse("tenders:tenders"))
    user = _alerts_user(request)
    if tender is None or not tender.is_published:
        raise Http404
    if follow:
        done = run_action(request, services.tender_follow, actor=user, tender=tender)
        message = _("You follow this tender: its amendments, answers and any cancellation will reach you.")
    else:
        done = run_action(request, services.tender_unfollow, actor=user, tender=tender)
        message = _("You no longer follow “%(title)s”.") % {"title": tender.title}
    if done:
        messages.success(request, message)
    default = reverse("tenders:tender", args=[tender.ocid])
    return redirect(next_url(request, request.POST.get(NEXT_FIELD), default))


@require_POST
def alert_follow(request: HttpRequest) -> HttpResponse:
    """POST `ocid` (and optionally `next`, a page of this site to return to)."""
    return _follow_action(request, follow=True)


@require_POST
def alert_unfollow(request: HttpRequest) -> HttpResponse:
    """POST `ocid` (and optionally `next`)."""
    return _follow_action(request, follow=False)


# --- The personal feed ------------------------------------------------------------------------------
@login_required
@require_POST
def alert_feed_reset(request: HttpRequest) -> HttpResponse:
    user = _alerts_user(request)
    token = services.alert_feed_reset(actor=user)
    request.session[NEW_FEED_TOKEN] = token
    messages.success(request, _("Your feed has a new link. Any earlier link no longer works."))
    return redirect("alerts:alert-home")


@require_http_methods(["GET", "HEAD"])
def alert_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A person's latest notifications as Atom 1.0, in their language. Only public facts."""
    feed = selectors.feed_by_token(token)
    if feed is None:
        raise Http404
    with emails.in_language_of(feed.user) as language:
        atom = feedgenerator.Atom1Feed(
            title=_("Your alerts on Procura"),
            link=emails.alerts_url(),
            description=_("New tenders matching your alerts, and news of the tenders you follow."),
            language=language,
            feed_guid=f"urn:uuid:{feed.pk}",
            author_name="Procura",
        )
        for notification in selectors.feed_entries(feed.user):
            atom.add_item(
                title=emails.heading(notification),
                link=emails.tender_url(notification.tender),
                # The summary is HTML to feed readers: the text is escaped, its lines kept.
                description=linebreaks(emails.entry_text(notification, language), autoescape=True),
                unique_id=f"urn:uuid:{notification.pk}",
                unique_id_is_permalink=False,
                pubdate=notification.created_at,
                updateddate=notification.created_at,
                author_name=notification.tender.buyer.legal_name,
            )
    response = HttpResponse(content_type="application/atom+xml; charset=utf-8")
    atom.write(response, "utf-8")
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


urlpatterns: list[URLPattern] = [
    path("", alert_home, name="alert-home"),
    path("subscriptions/new/", alert_subscription_add, name="alert-subscription-add"),
    path("subscriptions/<uuid:subscription_id>/", alert_subscription_edit, name="alert-subscription-edit"),
    path("subscriptions/<uuid:subscription_id>/delete/", alert_subscription_delete, name="alert-subscription-delete"),
    path("follow/", alert_follow, name="alert-follow"),
    path("unfollow/", alert_unfollow, name="alert-unfollow"),
    path("feed/reset/", alert_feed_reset, name="alert-feed-reset"),
    re_path(r"^feed/(?P<token>[A-Za-z0-9_-]{1,200})\.atom$", alert_feed, name="alert-feed"),
]
