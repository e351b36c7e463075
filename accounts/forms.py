import re

import phonenumbers
from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from twofactor.destinations import phone_refusal
from twofactor.vocabulary import CHANNEL_LABELS, PHONE_CHANNELS

E164_RE = re.compile(r"^\+[1-9][0-9]{6,14}$")
# Where a number typed without its country code is read, when the
# enterprise allows every country: the portal's customers are mostly there.
DEFAULT_PHONE_REGION = "US"


def e164_clean(raw: str, regions=()) -> str:
    """Strict E.164: a plus, the country code, the number; nothing else.
    phonenumbers then checks the number can exist in that country, and
    numbers codes are never sent to (costly kinds; with `regions`, other
    countries than the enterprise allows) are refused before anything is
    sent."""
    value = re.sub(r"[\s\-().]", "", raw or "")
    if not value:
        return ""
    message = gettext(
        "Enter the phone number in E.164 format: a plus sign, country code and number, "
        "for example, +13035551212."
    )
    if not E164_RE.match(value):
        raise forms.ValidationError(_with_suggestion(message, value, regions))
    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException as exc:
        raise forms.ValidationError(message) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise forms.ValidationError(
            gettext("This is not a valid phone number. %(format)s") % {"format": message}
        )
    number = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    refusal = phone_refusal(number, regions)
    if refusal:
        raise forms.ValidationError(refusal)
    return number


def phone_suggestion(value: str, regions=()) -> str:
    """The E.164 number a near miss ("303-555-1212", "(303) 555 1212")
    most likely means, read as a number of the enterprise's first allowed
    country (the US when every country is allowed); "" when it is no valid
    number there, or one codes are never sent to. Only ever suggested: the
    person types it, nothing is saved from a guess."""
    region = regions[0] if regions else DEFAULT_PHONE_REGION
    try:
        parsed = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(parsed):
        return ""
    number = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return "" if phone_refusal(number, regions) else number


def _with_suggestion(message: str, value: str, regions) -> str:
    suggestion = phone_suggestion(value, regions)
    if not suggestion:
        return message
    did_you_mean = gettext("Did you mean %(number)s?") % {"number": suggestion}
    return f"{message} {did_you_mean}"


class AccountSettingsForm(forms.Form):
    """My Account: contact details and the co-worker's own 2FA Status."""

    email = forms.EmailField(label=_("Email"), max_length=254)
    phone = forms.CharField(
        label=_("Phone number"),
        required=False,
        max_length=32,
        help_text=_("E.164 format, for example, +13035551212"),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    twofactor = forms.BooleanField(label=_("Status"), required=False)

    def __init__(self, *args, user, **kwargs):
        self.user = user
        enterprise = user.enterprise
        device = getattr(user, "twofactor_device", None)
        initial = {
            "email": user.email,
            "phone": user.phone.as_e164 if user.phone else "",
            "twofactor": bool(device and device.enrolled),
        }
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        if not enterprise.twofactor_enabled:
            # The account has 2FA off: the co-worker's choice is kept, dormant.
            self.fields["twofactor"].disabled = True
        else:
            self.fields["twofactor"].widget.attrs["data-autosubmit"] = "1"

    def clean_phone(self) -> str:
        return e164_clean(self.cleaned_data.get("phone", ""), self.user.enterprise.sms_regions)

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        enterprise = self.user.enterprise
        channel = enterprise.twofactor_channel
        if (
            enterprise.twofactor_enabled
            and cleaned.get("twofactor")
            and not self.initial["twofactor"]
            and channel in PHONE_CHANNELS
            and not cleaned.get("phone")
            and "phone" not in self.errors
        ):
            self.add_error(
                "phone",
                gettext(
                    "Your account sends codes by %(channel)s. Add a phone number in E.164 "
                    "format (for example, +13035551212) before you turn on two-factor "
                    "authentication."
                )
                % {"channel": CHANNEL_LABELS[channel]},
            )
        return cleaned

    def payload(self) -> dict:
        return {
            "email": self.cleaned_data["email"],
            "phone": self.cleaned_data["phone"],
            "twofactor": bool(self.cleaned_data["twofactor"]),
        }


class AccountInformationForm(forms.Form):
    """Account Information: the names, saved at once, and the contact
    details, which take My Account's step-up rules (the view hands them to
    the same change action)."""

    first_name = forms.CharField(
        label=_("First name"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Last name"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    email = forms.EmailField(label=_("Email"), max_length=254)
    phone = forms.CharField(label=_("Phone number"), required=False, max_length=32)

    def __init__(self, *args, user, **kwargs):
        self.user = user
        kwargs["initial"] = {
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "phone": user.phone.as_e164 if user.phone else "",
        }
        super().__init__(*args, **kwargs)

    def clean_phone(self) -> str:
        return e164_clean(self.cleaned_data.get("phone", ""), self.user.enterprise.sms_regions)

    def names(self) -> dict:
        return {key: self.cleaned_data[key] for key in ("first_name", "last_name")}

    def contacts(self) -> dict:
        return {key: self.cleaned_data[key] for key in ("email", "phone")}


class PasswordChangeForm(forms.Form):
    """My Account > Security. The current password is checked by the view,
    which also counts wrong ones against the password throttle."""

    current_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label=_("New password"),
        strip=False,
        max_length=4096,
        help_text=password_validation.password_validators_help_text_html(),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    confirm_password = forms.CharField(
        label=_("Confirm new password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_current_password(self) -> str:
        password = self.cleaned_data["current_password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(gettext("That is not your current password."), code="wrong")
        return password

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        new, confirm = cleaned.get("new_password"), cleaned.get("confirm_password")
        if new and confirm and new != confirm:
            self.add_error("confirm_password", gettext("The two new passwords don't match."))
        elif new:
            try:
                password_validation.validate_password(new, self.user)
            except forms.ValidationError as exc:
                self.add_error("new_password", exc)
        return cleaned

    @property
    def wrong_current_password(self) -> bool:
        return self.has_error("current_password", code="wrong")
