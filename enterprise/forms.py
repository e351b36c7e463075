from functools import cache

import phonenumbers
from django import forms
from django.conf import settings
from django.utils import translation
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from enterprise.models import AuditEvent
from twofactor.passkeys import today_utc
from twofactor.vocabulary import Channel


def country_choices() -> list[tuple[str, str]]:
    """Every country a phone number can belong to, by name (in the language
    of the request), with its calling code: "France (+33)"."""
    return _country_choices(translation.get_language())


@cache
def _country_choices(language: str | None) -> list[tuple[str, str]]:
    """country_choices() in `language` (the active one: the key of the cache)."""
    return [
        (code, f"{name} (+{phonenumbers.country_code_for_region(code)})")
        for code, name in countries
        if phonenumbers.country_code_for_region(code)
    ]


def _at_most(limit: int) -> str:
    """A limit's error, the number grouped as the language writes it: "100,000"."""
    return gettext("Enter at most %(limit)s.") % {
        "limit": number_format(limit, force_grouping=True)
    }


class TwoFactorPolicyForm(forms.Form):
    status = forms.BooleanField(label=_("Status"), required=False)
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=Channel.choices,
        error_messages={
            "invalid_choice": _("Choose a channel from the list: Email, SMS or Voice."),
            "required": _("Choose a channel: Email, SMS or Voice."),
        },
    )
    required = forms.BooleanField(label=_("Require for every co-worker"), required=False)
    deadline = forms.DateField(
        label=_("Deadline"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter the deadline as a date, YYYY-MM-DD.")},
    )
    remember_days = forms.IntegerField(
        label=_("Remember browsers for"),
        required=False,
        min_value=0,
        max_value=settings.TWOFACTOR_REMEMBER_MAX_DAYS,
        error_messages={
            "invalid": _("Enter a whole number of days."),
            "min_value": _("Enter 0 (never) or more days."),
            "max_value": _("Enter at most %(limit_value)s days."),
        },
    )
    allow_app = forms.BooleanField(label=_("Authenticator app"), required=False)
    allow_passkey = forms.BooleanField(label=_("Passkey"), required=False)
    require_passkeys = forms.BooleanField(
        label=_("Require a phishing-resistant method"), required=False
    )
    passkeys_deadline = forms.DateField(
        label=_("Last day for other methods"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter the date as YYYY-MM-DD.")},
    )
    passkey_recovery = forms.BooleanField(label=_("Allow codes for recovery"), required=False)
    sms_countries = forms.MultipleChoiceField(
        label=_("Allowed countries for SMS and voice"),
        required=False,
        choices=country_choices,
        error_messages={"invalid_choice": _("Choose countries from the list.")},
    )
    allow_fallback = forms.BooleanField(
        label=_("Allow other channels when a code does not arrive"), required=False
    )
    daily_limit = forms.IntegerField(
        label=_("Daily SMS and voice limit"),
        required=False,
        min_value=0,
        max_value=settings.TWOFACTOR_DAILY_PHONE_LIMIT_MAX,
        error_messages={
            "invalid": _("Enter a whole number of codes."),
            "min_value": _("Enter 0 (codes go by email only) or more."),
            "max_value": lazy(_at_most, str)(settings.TWOFACTOR_DAILY_PHONE_LIMIT_MAX),
        },
    )
    # Set by the second Save, after the administrator has seen who cannot
    # receive codes on the new channel.
    confirm_unreachable = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, enterprise, **kwargs):
        initial = {
            "status": enterprise.twofactor_enabled,
            "channel": enterprise.twofactor_channel,
            "required": enterprise.twofactor_required,
            "deadline": enterprise.twofactor_deadline,
            "remember_days": enterprise.remember_browser_days,
            "allow_app": enterprise.allow_authenticator_app,
            "allow_passkey": enterprise.allow_passkey,
            "require_passkeys": enterprise.passkeys_required,
            "passkeys_deadline": enterprise.passkeys_deadline,
            "passkey_recovery": enterprise.passkey_recovery,
            "sms_countries": enterprise.sms_regions,
            "daily_limit": enterprise.daily_phone_limit,
            "allow_fallback": enterprise.allow_fallback,
        }
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.enterprise = enterprise

    def clean(self):
        cleaned = super().clean() or {}
        if cleaned.get("daily_limit") is None and "daily_limit" not in self.errors:
            cleaned["daily_limit"] = self.enterprise.daily_phone_limit
        if cleaned.get("remember_days") is None and "remember_days" not in self.errors:
            # Left empty (or a form from before this field): keep what is set.
            cleaned["remember_days"] = self.enterprise.remember_browser_days
        if cleaned.get("required"):
            if not cleaned.get("status"):
                self.add_error(
                    "required", gettext("Turn two-factor authentication on (Status) to require it.")
                )
            if not cleaned.get("deadline") and "deadline" not in self.errors:
                self.add_error(
                    "deadline",
                    gettext("Choose a deadline: the last day co-workers have to set it up."),
                )
        if cleaned.get("require_passkeys"):
            self._passkeys_clean(cleaned)
        return cleaned

    def _passkeys_clean(self, cleaned: dict) -> None:
        """Passkeys only, from a date: for an account that allows passkeys
        and requires two-factor authentication of everyone."""
        if not (cleaned.get("status") and cleaned.get("required")):
            self.add_error(
                "require_passkeys",
                gettext(
                    "Require two-factor authentication for every co-worker (above) to require "
                    "a passkey."
                ),
            )
        elif not cleaned.get("allow_passkey"):
            self.add_error(
                "require_passkeys", gettext("Allow Passkey (under Allowed methods) to require it.")
            )
        day = cleaned.get("passkeys_deadline")
        if day and day < today_utc() and day != self.enterprise.passkeys_deadline:
            # A date already past would lock out, at once and without a
            # reminder, everyone without a passkey.
            self.add_error(
                "passkeys_deadline",
                gettext(
                    "Choose today or a later date (UTC): co-workers need time to add a passkey."
                ),
            )
        if not day and "passkeys_deadline" not in self.errors:
            self.add_error(
                "passkeys_deadline",
                gettext(
                    "Choose a date: the last day other methods log in. From the next day, only "
                    "a passkey does."
                ),
            )

    def payload(self) -> dict:
        data = self.cleaned_data
        required = bool(data["required"])
        return {
            "enabled": data["status"],
            "channel": data["channel"],
            "required": required,
            "deadline": data["deadline"].isoformat() if required and data["deadline"] else "",
            "remember_days": data["remember_days"],
            "allow_app": bool(data["allow_app"]),
            "allow_passkey": bool(data["allow_passkey"]),
            "require_passkeys": bool(data["require_passkeys"]),
            "passkeys_deadline": data["passkeys_deadline"].isoformat()
            if data["require_passkeys"] and data["passkeys_deadline"]
            else "",
            "passkey_recovery": bool(data["passkey_recovery"]),
            "sms_countries": sorted(set(data["sms_countries"])),
            "daily_limit": data["daily_limit"],
            "allow_fallback": bool(data["allow_fallback"]),
        }


class AuditFilterForm(forms.Form):
    """The Audit Log's filters (GET). Every field is optional; a bad value is
    a message beside its field, and the log is shown unfiltered by it."""

    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("All actions")), *AuditEvent.Action.choices],
        error_messages={"invalid_choice": _("Choose an action from the list.")},
    )
    person = forms.CharField(
        label=_("Person"),
        required=False,
        max_length=150,
        help_text=_("A username: events by them or about them."),
    )
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD.")},
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD.")},
    )

    def clean_person(self) -> str:
        return self.cleaned_data["person"].replace("\x00", "").strip()

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", gettext("To is before From."))
        return cleaned

    def filters(self) -> dict:
        """The valid filters only: a bad field filters nothing."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {
            key: value
            for key, value in getattr(self, "cleaned_data", {}).items()
            if value and key not in self.errors
        }


class ResetForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=250,
        strip=True,
        error_messages={
            "required": _(
                'Give a reason (for example, "lost phone, checked by a call"): '
                "it goes in the audit log."
            ),
            "max_length": _("Keep the reason under 250 characters."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def clean_reason(self) -> str:
        reason = "".join(ch for ch in self.cleaned_data["reason"] if ch.isprintable()).strip()
        if not reason:
            raise forms.ValidationError(gettext("Give a reason: it goes in the audit log."))
        return reason
