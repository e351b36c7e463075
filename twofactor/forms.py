from django import forms
from django.conf import settings
from django.core.validators import RegexValidator


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Verification code",
        max_length=20,
        strip=True,
        error_messages={"required": "Enter the verification code from your message."},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": r"[0-9 ]*",
                "autofocus": True,
            }
        ),
    )

    def clean_code(self) -> str:
        return six_digits(self.cleaned_data["code"])


def six_digits(value: str) -> str:
    # People paste "123 456": spaces are not part of the code.
    code = value.replace(" ", "")
    digits = settings.TWOFACTOR_CODE_DIGITS
    RegexValidator(
        rf"^[0-9]{{{digits}}}$",
        message=f"The code is {digits} digits, with no letters.",
    )(code)
    return code


class RecoveryForm(forms.Form):
    recovery_code = forms.CharField(
        label="Recovery code",
        max_length=40,
        strip=True,
        error_messages={
            "required": "Enter one of your recovery codes, like abcd-efgh.",
            "max_length": "A recovery code is 8 letters and digits, like abcd-efgh.",
        },
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )


class AppCodeForm(forms.Form):
    """The code the person's authenticator app shows (6 digits)."""

    app_code = forms.CharField(
        label="Code from your authenticator app",
        max_length=20,
        strip=True,
        error_messages={"required": "Enter the 6-digit code your authenticator app shows."},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": r"[0-9 ]*"}
        ),
    )

    def clean_app_code(self) -> str:
        return six_digits(self.cleaned_data["app_code"])
