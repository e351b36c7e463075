from django import forms

from enterprise.models import Channel


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
        super().__init__(*args, initial=initial, **kwargs)
