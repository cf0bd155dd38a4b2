"""Forms for casting and recording a vote; the rules themselves are checked in transitions.vote_cast."""

from django import forms

from .models import Answer, Ballot, Channel


class VoteForm(forms.Form):
    practice = forms.TypedChoiceField(label="Practice", coerce=int, error_messages={"required": "Choose the practice."})
    answer = forms.ChoiceField(
        label="Your practice's answer",
        choices=Answer.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    candidates = forms.TypedMultipleChoiceField(
        label="Candidates", coerce=int, widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args, ballot: Ballot, practices, **kwargs):
        super().__init__(*args, **kwargs)
        self.ballot = ballot
        self.fields["practice"].choices = [(p.pk, p.name) for p in practices]
        if len(practices) == 1:
            self.fields["practice"].initial = practices[0].pk
        self.candidate_objects = {c.pk: c for c in ballot.candidates.all()} if ballot.is_election else {}
        self.fields["candidates"].choices = [(pk, c.name) for pk, c in self.candidate_objects.items()]
        if ballot.is_election:
            seats = ballot.seats
            self.fields["candidates"].label = f"Choose up to {seats} candidate{'s' if seats != 1 else ''}"
            del self.fields["answer"]
        else:
            del self.fields["candidates"]

    def clean(self):
        data = super().clean()
        if self.ballot.is_election:
            if not data.get("candidates"):
                self.add_error("candidates", "Choose at least one candidate.")
            elif len(data["candidates"]) > self.ballot.seats:
                self.add_error("candidates", f"Choose at most {self.ballot.seats}.")
        elif not data.get("answer"):
            self.add_error("answer", "Choose yes, no or abstain.")
        return data

    def chosen_candidates(self):
        return [self.candidate_objects[pk] for pk in self.cleaned_data.get("candidates", [])]


class RecordVoteForm(VoteForm):
    channel = forms.ChoiceField(
        label="How the vote came in",
        choices=[(Channel.POSTAL.value, Channel.POSTAL.label), (Channel.MEETING.value, Channel.MEETING.label)],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose postal or meeting."},
    )
    received_on = forms.DateField(
        label="Received on",
        help_text="The day the postal vote arrived, or the meeting day. For example, 2016-06-17.",
        error_messages={"required": "Enter the day it was received.", "invalid": "Enter a date like 2016-06-17."},
    )
    field_order = ["practice", "channel", "received_on", "answer", "candidates"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "answer" in self.fields:
            self.fields["answer"].label = "The practice's answer"


class ConfirmForm(forms.Form):
    """A button with nothing to fill in (certify, close): CSRF is the only field."""
