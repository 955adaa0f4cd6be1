"""Forms of the account pages. They check what a person typed; services decide the rules
(views call them through `procura.core.forms.call_service`)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from babel import Locale, UnknownLocaleError
from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.utils.translation import get_language, get_language_info, gettext
from django.utils.translation import gettext_lazy as _

from procura.accounts.models import User
from procura.accounts.roles import ROLES_BY_KIND, OrganisationKind, Role, SupplierScale
from procura.accounts.services import ApiScope, OrganisationDetails, user_password_set
from procura.accounts.services.organisations import country_codes
from procura.accounts.services.tokens import MAX_LIFETIME_DAYS
from procura.accounts.services.users import check_password_strength
from procura.core.errors import InvalidInput
from procura.core.forms import ProcuraForm

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def country_choices() -> list[tuple[str, str]]:
    """ISO 3166 countries named in the active language, in alphabetical order."""
    try:
        locale = Locale.parse(get_language() or settings.LANGUAGE_CODE, sep="-")
    except (UnknownLocaleError, ValueError):
        locale = Locale("en")
    names = {code: locale.territories.get(code, code) for code in country_codes()}
    return sorted(names.items(), key=lambda item: item[1].casefold())


def language_choices() -> list[tuple[str, str]]:
    return [
        ("", _("No preference")),
        *((code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES),
    ]


def _password_field(label: StrOrPromise, autocomplete: str, required: StrOrPromise) -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
        error_messages={"required": required},
    )


def _email_field(label: StrOrPromise, required: StrOrPromise, *, optional: bool = False) -> forms.EmailField:
    return forms.EmailField(
        label=label,
        max_length=254,
        required=not optional,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={
            "required": required,
            "invalid": _("Enter an email address in the correct format, like name@example.com."),
        },
    )


def _text(
    label: StrOrPromise,
    *,
    required: StrOrPromise | None = None,
    autocomplete: str = "",
    max_length: int = 300,
    input_type: str = "text",
    **kw: Any,
) -> forms.CharField:
    attrs = {"type": input_type, **({"autocomplete": autocomplete} if autocomplete else {})}
    return forms.CharField(
        label=label,
        required=required is not None,
        max_length=max_length,
        widget=forms.TextInput(attrs=attrs),
        error_messages={"required": required} if required else {},
        **kw,
    )


class NewPasswordMixin(forms.Form):
    password = _password_field(_("Password"), "new-password", _("Enter a password."))
    password_confirm = _password_field(_("Confirm password"), "new-password", _("Enter the password again."))

    def check_passwords(self, *, email: str = "", full_name: str = "") -> None:
        password = self.cleaned_data.get("password")
        confirm = self.cleaned_data.get("password_confirm")
        if password and confirm and password != confirm:
            self.add_error("password_confirm", _("The passwords do not match."))
        if password:
            try:
                check_password_strength(password, user=User(email=email, full_name=full_name))
            except InvalidInput as exc:
                for message in exc.fields.get("password", [exc.message]):
                    self.add_error("password", message)


PASSWORD_HELP = _("At least 10 characters. Avoid common words and anything like your name or email address.")


# --- Signing in ---------------------------------------------------------------------------------
class SignInForm(ProcuraForm):
    email = _email_field(_("Email address"), _("Enter your email address."))
    password = _password_field(_("Password"), "current-password", _("Enter your password."))
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class CodeForm(ProcuraForm):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        help_text=_("The 6-digit code your app shows now, for example 123456."),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false", "class": "short"}
        ),
        error_messages={"required": _("Enter the 6-digit code from your authenticator app.")},
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not code.isdigit() or len(code) != 6:
            raise forms.ValidationError(_("Enter the 6 digits your authenticator app shows, with no letters."))
        return code


class PasswordResetRequestForm(PasswordResetForm):
    use_required_attribute = False
    email = _email_field(_("Email address"), _("Enter the email address of your account."))


class SetNewPasswordForm(NewPasswordMixin, ProcuraForm):
    """The set-password step of a reset; saving goes through the `user_password_set` service."""

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = PASSWORD_HELP

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.check_passwords(email=self.user.email, full_name=self.user.full_name)
        return cleaned

    def save(self, commit: bool = True) -> User:
        return user_password_set(user=self.user, password=self.cleaned_data["password"], reason="reset")


# --- Organisations ------------------------------------------------------------------------------
DETAIL_FIELDS = tuple(f.name for f in dataclasses.fields(OrganisationDetails))

SCALE_HINTS = {
    SupplierScale.MICRO: _("Fewer than 10 people, and turnover or balance sheet up to €2 million."),
    SupplierScale.SMALL: _("Fewer than 50 people, and turnover or balance sheet up to €10 million."),
    SupplierScale.MEDIUM: _(
        "Fewer than 250 people, and turnover up to €50 million or balance sheet up to €43 million."
    ),
    SupplierScale.LARGE: _("250 people or more, or a larger turnover and balance sheet."),
}


class BusinessDetailsForm(ProcuraForm):
    """The organisation details a supplier gives when registering."""

    legal_name = _text(
        _("Legal name"),
        required=_("Enter the legal name of the organisation."),
        autocomplete="organization",
        help_text=_("The name in the official register, for example Acme Supplies Ltd."),
    )
    identifier_scheme = _text(
        _("Register"),
        required=_("Enter the code of the register, such as GB-COH."),
        max_length=32,
        help_text=_(
            "The org-id code of the register the organisation is in: the country code, a dash and the "
            "register, such as GB-COH for Companies House or GB-CHC for the Charity Commission. "
            "The list of codes is at org-id.guide."
        ),
    )
    identifier_id = _text(
        _("Company number"),
        required=_("Enter the organisation's number in that register."),
        max_length=100,
        help_text=_("The number the register gives the organisation, for example 01234567."),
    )
    country_code = forms.ChoiceField(
        label=_("Country"),
        error_messages={"required": _("Choose a country."), "invalid_choice": _("Choose a country.")},
    )
    scale = forms.ChoiceField(
        label=_("Size of the business"),
        choices=SupplierScale.choices,
        widget=forms.RadioSelect,
        help_text=_("Count everyone the business employs, full-time equivalent, with last year's figures."),
        error_messages={
            "required": _("Choose the size of the business."),
            "invalid_choice": _("Choose the size of the business."),
        },
    )
    street_address = _text(_("Street address"), autocomplete="street-address")
    locality = _text(_("Town or city"), autocomplete="address-level2", max_length=120)
    postal_code = _text(_("Postal code"), autocomplete="postal-code", max_length=32)
    contact_telephone = _text(_("Contact telephone"), autocomplete="tel", max_length=40, input_type="tel")

    choice_hints = {"scale": SCALE_HINTS}
    kind: str = OrganisationKind.SUPPLIER

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        country = self.fields["country_code"]
        assert isinstance(country, forms.ChoiceField)
        country.choices = [("", _("Choose a country")), *country_choices()]

    def details(self) -> OrganisationDetails:
        data = self.cleaned_data
        return OrganisationDetails(**{name: data.get(name) or "" for name in DETAIL_FIELDS if name in self.fields})

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # The domain's own checks, so every problem is reported at once.
        try:
            self.details().clean(kind=self.kind)
        except InvalidInput as exc:
            for name, messages in exc.fields.items():
                if name in self.fields and not self.has_error(name):
                    for message in messages:
                        self.add_error(name, message)
        return cleaned


class SignUpForm(NewPasswordMixin, BusinessDetailsForm):
    full_name = _text(_("Full name"), required=_("Enter your full name."), autocomplete="name", max_length=200)
    email = _email_field(_("Email address"), _("Enter your email address."))

    field_order = ["full_name", "email", "password", "password_confirm", *BusinessDetailsForm.base_fields]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].help_text = _("We will send you a link to confirm it.")
        self.fields["password"].help_text = PASSWORD_HELP
        if not self.is_bound:
            self.initial.setdefault("country_code", settings.COUNTRY_CODE)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self.check_passwords(email=cleaned.get("email", ""), full_name=cleaned.get("full_name", ""))
        return cleaned


class OrganisationForm(BusinessDetailsForm):
    """Every detail of an organisation's public profile; size only for suppliers."""

    region = _text(_("Region"), autocomplete="address-level1", max_length=120)
    contact_name = _text(_("Contact name"), max_length=200)
    contact_email = _email_field(_("Contact email"), "", optional=True)
    website = forms.URLField(
        label=_("Website"),
        required=False,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"autocomplete": "url"}),
        error_messages={"invalid": _("Enter a web address starting with http:// or https://.")},
    )

    field_order = [
        "legal_name",
        "identifier_scheme",
        "identifier_id",
        "scale",
        "street_address",
        "locality",
        "region",
        "postal_code",
        "country_code",
        "contact_name",
        "contact_email",
        "contact_telephone",
        "website",
    ]

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["contact_email"].widget.attrs.pop("autocomplete", None)
        if kind != OrganisationKind.SUPPLIER:
            del self.fields["scale"]


class OrganisationFilterForm(ProcuraForm):
    kind = forms.ChoiceField(
        label=_("Kind of organisation"),
        required=False,
        choices=[("", _("All kinds")), *OrganisationKind.choices],
    )


ROLE_HINTS = {
    Role.PROCUREMENT_OFFICER: _("Plans and runs procurements, and manages the organisation's members."),
    Role.APPROVER: _("Approves spending before a procurement goes ahead."),
    Role.EVALUATOR: _("Scores bids as a member of evaluation panels."),
    Role.BID_MANAGER: _("Prepares and submits bids, and manages the business's members."),
    Role.VIEWER: _("Sees opportunities and the business's bids, but cannot submit them."),
    Role.ADMINISTRATOR: _("Runs the platform: organisations, people and settings."),
    Role.AUDITOR: _("Reads every procurement and the audit log."),
    Role.REVIEW_BODY: _("Hears complaints about procurement decisions."),
}


class InviteForm(ProcuraForm):
    email = _email_field(_("Email address"), _("Enter the email address of the person to invite."))
    role = forms.ChoiceField(
        label=_("Role"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a role."), "invalid_choice": _("Choose one of the roles offered.")},
    )

    choice_hints = {"role": ROLE_HINTS}

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role = self.fields["role"]
        assert isinstance(role, forms.ChoiceField)
        allowed = ROLES_BY_KIND.get(kind, frozenset())
        role.choices = [(value, label) for value, label in Role.choices if value in allowed]
        self.fields["email"].widget.attrs["autocomplete"] = "off"


# --- The person's own account -------------------------------------------------------------------
class SignUpPersonForm(NewPasswordMixin, ProcuraForm):
    """Someone accepting an invitation without an account: the address comes from the invitation."""

    full_name = _text(_("Full name"), required=_("Enter your full name."), autocomplete="name", max_length=200)

    field_order = ["full_name", "password", "password_confirm"]

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email
        self.fields["password"].help_text = PASSWORD_HELP

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.check_passwords(email=self.email, full_name=cleaned.get("full_name", ""))
        return cleaned


class ProfileForm(ProcuraForm):
    full_name = _text(_("Full name"), required=_("Enter your full name."), autocomplete="name", max_length=200)
    language = forms.ChoiceField(
        label=_("Preferred language"),
        required=False,
        help_text=_("Pages and emails use this language after you sign in."),
        error_messages={"invalid_choice": _("Choose one of the languages offered.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = self.fields["language"]
        assert isinstance(language, forms.ChoiceField)
        language.choices = language_choices()


class ApiTokenForm(ProcuraForm):
    name = _text(
        _("Name"),
        required=_("Enter a name for the token."),
        max_length=100,
        help_text=_("What will use it, for example 'Finance system'."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("What the token may do"),
        choices=[(ApiScope.READ.value, _("Read")), (ApiScope.WRITE.value, _("Write"))],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one: read or write.")},
    )
    expires_in_days = forms.IntegerField(
        label=_("Lifetime in days"),
        min_value=1,
        max_value=MAX_LIFETIME_DAYS,
        initial=90,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "short"}),
        error_messages={
            "required": _("Enter the number of days the token lasts."),
            "invalid": _("Enter the number of days as a whole number, like 90."),
            "min_value": _("A token lasts at least 1 day."),
            "max_value": _("A token lasts at most %(limit_value)s days."),
        },
    )

    choice_hints = {
        "scopes": {
            ApiScope.READ.value: _("See what you can see on Procura: organisations, members, your account."),
            ApiScope.WRITE.value: _("Make changes on your behalf, such as inviting members."),
        }
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["expires_in_days"].help_text = gettext(
            "Between 1 and %(max)s days. The token stops working after that."
        ) % {"max": MAX_LIFETIME_DAYS}
