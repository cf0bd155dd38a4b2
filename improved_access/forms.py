"""Forms for a plan's sessions, a declaration's evidence, a review decision and an activity return."""

from django import forms
from django.core.exceptions import ValidationError

from .models import Booking, ClinicianType, Session, Weekday
from .quarters import Quarter


class SessionForm(forms.ModelForm):
    class Meta:
        model = Session
        fields = [
            "site",
            "is_hub",
            "day",
            "starts_at",
            "ends_at",
            "clinician_type",
            "appointment_minutes",
            "booking",
            "valid_from",
            "valid_to",
        ]
        labels = {
            "site": "Site or hub",
            "is_hub": "This is a hub serving several practices",
            "starts_at": "Starts at (HH:MM)",
            "ends_at": "Ends at (HH:MM)",
            "appointment_minutes": "Appointment length (minutes)",
            "booking": "Booking",
            "valid_from": "Runs from (YYYY-MM-DD)",
            "valid_to": "Runs until (YYYY-MM-DD, blank: until further notice)",
        }

        # Each field's own words, so two bad times say which is which (not "Enter a valid time." twice).
        error_messages = {
            "starts_at": {"invalid": "Enter the start time as hours and minutes, like 18:30."},
            "ends_at": {"invalid": "Enter the end time as hours and minutes, like 20:00."},
            "appointment_minutes": {"invalid": "Enter the appointment length as a whole number of minutes."},
            "valid_from": {"invalid": "Enter the date the session runs from as YYYY-MM-DD, like 2018-04-01."},
            "valid_to": {"invalid": "Enter the date the session runs until as YYYY-MM-DD, or leave it blank."},
        }

    day = forms.TypedChoiceField(label="Day of week", choices=Weekday.choices, coerce=int)
    clinician_type = forms.ChoiceField(label="Clinician", choices=ClinicianType.choices)
    booking = forms.ChoiceField(label="Booking", choices=Booking.choices)

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", "The session must end after it starts (sessions cannot run past midnight).")
        if data.get("valid_from") and data.get("valid_to") and data["valid_to"] < data["valid_from"]:
            self.add_error("valid_to", "The session cannot stop before it starts running.")
        if data.get("appointment_minutes") is not None and data["appointment_minutes"] < 1:
            self.add_error("appointment_minutes", "Appointment length must be at least 1 minute.")
        return data


class EvidenceForm(forms.Form):
    evidence = forms.CharField(
        label="Evidence",
        help_text="What the locality does to meet this requirement, and where a commissioner can see it.",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=20_000,
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", "Accept"), ("return", "Return with reasons")])
    reason = forms.CharField(
        label="Reasons (when returning)", widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=5000
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "return" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Give the reasons it is being returned.")
        return data


class ActivityForm(forms.Form):
    quarter = forms.CharField(label="Quarter", help_text="For example 2018Q1 (April to June 2018).", max_length=6)
    file = forms.FileField(label="Activity return (CSV)")

    def clean_quarter(self):
        try:
            return Quarter.parse(self.cleaned_data["quarter"])
        except ValueError as error:
            raise ValidationError(str(error)) from None


class EvaluateForm(forms.Form):
    """A commissioner runs a quarter's evaluation: the scheme's quarters started by today, and a confirmation."""

    quarter = forms.ChoiceField(label="Quarter to evaluate")
    confirm = forms.BooleanField(
        label="I understand this proposes the quarter's payment for every compliant locality that has none yet",
        error_messages={"required": "Confirm that you want to propose the quarter's payments."},
    )

    def __init__(self, *args, quarters=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quarter"].choices = [(str(q), f"{q} ({q.label})") for q in reversed(list(quarters))]

    def clean_quarter(self):
        return Quarter.parse(self.cleaned_data["quarter"])
