import re

import phonenumbers
from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from twofactor.destinations import phone_refusal
from twofactor.vocabulary import CHANNEL_LABELS, PHONE_CHANNELS

E164_RE = re.compile(r"^\+[1-9][0-9]{6,14}$")


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
        raise forms.ValidationError(message)
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
