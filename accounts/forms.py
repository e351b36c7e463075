import re

import phonenumbers
from django import forms

from enterprise.models import PHONE_CHANNELS

E164_HINT = "for example, +13035551212"
E164_RE = re.compile(r"^\+[1-9][0-9]{6,14}$")


def e164_clean(raw: str) -> str:
    """Strict E.164: a plus, the country code, the number; nothing else.
    phonenumbers then checks the number can exist in that country."""
    value = re.sub(r"[\s\-().]", "", raw or "")
    if not value:
        return ""
    message = (
        "Enter the phone number in E.164 format: a plus sign, country code and number, "
        f"{E164_HINT}."
    )
    if not E164_RE.match(value):
        raise forms.ValidationError(message)
    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException as exc:
        raise forms.ValidationError(message) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise forms.ValidationError(f"This is not a valid phone number. {message}")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


class AccountSettingsForm(forms.Form):
    """My Account: contact details and the co-worker's own 2FA Status."""

    email = forms.EmailField(label="Email", max_length=254)
    phone = forms.CharField(
        label="Phone number",
        required=False,
        max_length=32,
        help_text=f"E.164 format, {E164_HINT}",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    twofactor = forms.BooleanField(label="Status", required=False)

    def __init__(self, *args, user, **kwargs):
        self.user = user
        enterprise = user.enterprise
        device = getattr(user, "twofactor_device", None)
        initial = {
            "email": user.email,
            "phone": user.phone.as_e164 if user.phone else "",
            "twofactor": bool(device and device.enrolled),
        }
        super().__init__(*args, initial=initial, **kwargs)
        if not enterprise.twofactor_enabled:
            # The account has 2FA off: the co-worker's choice is kept, dormant.
            self.fields["twofactor"].disabled = True
        else:
            self.fields["twofactor"].widget.attrs["data-autosubmit"] = "1"

    def clean_phone(self) -> str:
        return e164_clean(self.cleaned_data.get("phone", ""))

    def clean(self):
        cleaned = super().clean()
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
            label = "SMS" if channel == "sms" else "voice call"
            self.add_error(
                "phone",
                f"Your account sends codes by {label}. Add a phone number in E.164 "
                f"format ({E164_HINT}) before you turn on two-factor authentication.",
            )
        return cleaned

    def payload(self) -> dict:
        return {
            "email": self.cleaned_data["email"],
            "phone": self.cleaned_data["phone"],
            "twofactor": bool(self.cleaned_data["twofactor"]),
        }
