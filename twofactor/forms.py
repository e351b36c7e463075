from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=20,
        strip=True,
        error_messages={"required": _("Enter the verification code from your message.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                # No pattern: the browser's "Please match the requested
                # format" says nothing useful; our own message does.
                "autofocus": True,
            }
        ),
    )

    def clean_code(self) -> str:
        digits = settings.TWOFACTOR_CODE_DIGITS
        return six_digits(
            self.cleaned_data["code"],
            message=ngettext(
                "Enter the %(digits)s digit from your message",
                "Enter the %(digits)s digits from your message",
                digits,
            )
            % {"digits": digits},
        )


def six_digits(value: str, *, message: str = "") -> str:
    # People paste "123 456" or "123-456": spaces and dashes are not part of
    # the code.
    code = value.replace(" ", "").replace("-", "")
    digits = settings.TWOFACTOR_CODE_DIGITS
    RegexValidator(
        rf"^[0-9]{{{digits}}}$",
        message=message
        or ngettext(
            "The code is %(digits)s digit, with no letters.",
            "The code is %(digits)s digits, with no letters.",
            digits,
        )
        % {"digits": digits},
    )(code)
    return code


class RecoveryForm(forms.Form):
    recovery_code = forms.CharField(
        label=_("Recovery code"),
        max_length=40,
        strip=True,
        error_messages={
            "required": _("Enter one of your recovery codes, like abcd-efgh."),
            "max_length": _("A recovery code is 8 letters and digits, like abcd-efgh."),
        },
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )


class AppCodeForm(forms.Form):
    """The code the person's authenticator app shows (6 digits)."""

    app_code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=20,
        strip=True,
        error_messages={"required": _("Enter the 6-digit code your authenticator app shows.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_app_code(self) -> str:
        return six_digits(self.cleaned_data["app_code"])
