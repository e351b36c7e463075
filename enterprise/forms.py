from django import forms

from enterprise.models import AuditEvent
from twofactor.vocabulary import Channel


class TwoFactorPolicyForm(forms.Form):
    status = forms.BooleanField(label="Status", required=False)
    channel = forms.ChoiceField(
        label="Channel",
        choices=Channel.choices,
        error_messages={
            "invalid_choice": "Choose a channel from the list: Email, SMS or Voice.",
            "required": "Choose a channel: Email, SMS or Voice.",
        },
    )
    # Set by the second Save, after the administrator has seen who cannot
    # receive codes on the new channel.
    confirm_unreachable = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, enterprise, **kwargs):
        initial = {"status": enterprise.twofactor_enabled, "channel": enterprise.twofactor_channel}
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)


class AuditFilterForm(forms.Form):
    """The Audit Log's filters (GET). Every field is optional; a bad value is
    a message beside its field, and the log is shown unfiltered by it."""

    action = forms.ChoiceField(
        label="Action",
        required=False,
        choices=[("", "All actions"), *AuditEvent.Action.choices],
        error_messages={"invalid_choice": "Choose an action from the list."},
    )
    person = forms.CharField(
        label="Person",
        required=False,
        max_length=150,
        help_text="A username: events by them or about them.",
    )
    date_from = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a date as YYYY-MM-DD."},
    )
    date_to = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a date as YYYY-MM-DD."},
    )

    def clean_person(self) -> str:
        return self.cleaned_data["person"].replace("\x00", "").strip()

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "To is before From.")
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
