from django import forms

from .tokens import max_days

LIFETIMES = [7, 30, 60, 90, 180, 365]


def lifetime_choices() -> list[tuple[str, str]]:
    days = sorted({d for d in LIFETIMES if d <= max_days()} | {max_days()})
    return [(str(d), f"{d} days") for d in days]


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="What the token is for, so you can tell it apart later, for example 'Ledger import'.",
        error_messages={"required": "Give the token a name.", "max_length": "Keep the name to 100 characters."},
    )
    days = forms.TypedChoiceField(
        label="Expires after",
        coerce=int,
        error_messages={"required": "Choose when the token expires.", "invalid_choice": "Choose one of the lengths."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].choices = lifetime_choices()
