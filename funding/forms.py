"""Forms for evidence (statement and files) and for a review decision."""

from django import forms
from django.core.exceptions import ValidationError

from .uploads import ALLOWED_DESCRIPTION, check_upload


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class EvidenceForm(forms.Form):
    statement = forms.CharField(
        label="Statement",
        help_text="Explain how the locality meets this item, and what each file shows.",
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        max_length=20_000,
    )
    files = MultipleFileField(
        label="Upload files",
        help_text=(
            f"{ALLOWED_DESCRIPTION}, each smaller than 20 MB (not macro-enabled). You can choose more than one file."
        ),
        required=False,
    )
    action = forms.ChoiceField(choices=[("draft", "Save as draft"), ("submit", "Submit for review")])

    def clean_files(self):
        checked, errors = [], []
        for upload in self.cleaned_data.get("files") or []:
            try:
                checked.append(check_upload(upload))
            except ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise ValidationError(errors)
        return checked

    def clean(self):
        data = super().clean()
        if data.get("action") == "submit" and not (data.get("statement") or "").strip():
            self.add_error("statement", "Write a statement before you submit the evidence.")
        return data


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=[("accept", "Accept the evidence"), ("return", "Return it to the locality")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether to accept or return the evidence."},
    )
    reason = forms.CharField(
        label="Reason for returning it",
        help_text="Required when you return the evidence. The locality sees this.",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=5_000,
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "return" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Enter the reason you are returning the evidence.")
        return data
