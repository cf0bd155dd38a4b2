"""Forms for recording a Locality Vehicle's governance. They only collect input: the rules live in the models
and in localities.governance, whose ValidationErrors add_domain_errors() puts back on the form."""

from django import forms
from django.core.exceptions import ValidationError

from .models import Locality, Practice, SubLocality
from .models.localities import RepresentativeRole, VehicleKind

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d %B %Y", "%d %b %Y"]


class DateInput(forms.DateInput):
    input_type = "date"


def date_field(label: str, *, required: bool = True, help_text: str = "", missing: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        input_formats=DATE_FORMATS,
        widget=DateInput,
        help_text=help_text or "For example, 1 April 2018 (2018-04-01).",
        error_messages={
            "required": missing or f"Enter the {label.lower()}.",
            "invalid": f"Enter the {label.lower()} as a real date, for example 2018-04-01.",
        },
    )


def add_domain_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a domain ValidationError on the form: on its field when the form has one, otherwise at the top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class VehicleForm(forms.Form):
    kind = forms.ChoiceField(
        label="What kind of vehicle is it?",
        choices=VehicleKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what kind of vehicle it is."},
    )
    legal_name = forms.CharField(
        label="Legal name", required=False, max_length=200, help_text="The registered name of a formal entity."
    )
    pre_existing = forms.TypedChoiceField(
        label="Did the vehicle exist before the scheme began?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the vehicle existed before the scheme began."},
    )
    established_on = date_field("Date established", required=False)
    decision_rules = forms.CharField(
        label="How locality decisions are made",
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="For example, who votes, what counts as a quorum and what majority carries a decision.",
    )
    ratification_rules = forms.CharField(
        label="How decisions are ratified",
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="For example, which decisions go back to the member practices, and how they confirm them.",
    )
    governance_notes = forms.CharField(
        label="Other governance notes",
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    @staticmethod
    def initial_for(vehicle) -> dict:
        if vehicle is None:
            return {}
        return {
            "kind": vehicle.kind,
            "legal_name": vehicle.legal_name,
            "pre_existing": "yes" if vehicle.pre_existing else "no",
            "established_on": vehicle.established_on,
            "decision_rules": vehicle.decision_rules,
            "ratification_rules": vehicle.ratification_rules,
            "governance_notes": vehicle.governance_notes,
        }


class RepresentativeForm(forms.Form):
    role = forms.ChoiceField(
        label="Role",
        choices=RepresentativeRole.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether they are a lead representative or a deputy."},
    )
    name = forms.CharField(
        label="Full name",
        max_length=200,
        help_text="Name one person: deputies must be consistent people, not whoever is free on the day.",
        error_messages={"required": "Enter the representative's full name."},
    )
    email = forms.EmailField(
        label="Email address",
        required=False,
        error_messages={"invalid": "Enter an email address in the correct format, like name@example.nhs.uk."},
    )
    practice = forms.ModelChoiceField(
        label="Practice",
        queryset=Practice.objects.none(),
        required=False,
        empty_label="None",
        help_text="The member practice they work at, if any.",
        error_messages={"invalid_choice": "Choose a practice that is a member of this locality."},
    )
    valid_from = date_field("Start date", missing="Enter the date their term starts.")
    valid_to = date_field(
        "End date", required=False, help_text="Leave blank while they are still in post. For example, 2019-03-31."
    )

    def __init__(self, *args, locality: Locality, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practice"].queryset = (
            Practice.objects.filter(memberships__locality=locality).distinct().order_by("name")
        )


class RepresentativeEndForm(forms.Form):
    valid_to = date_field(
        "Last day in post", help_text="Their term ends at the end of this day. For example, 2019-03-31."
    )


class SubLocalityForm(forms.Form):
    name = forms.CharField(
        label="Name of the sub-locality",
        max_length=200,
        help_text="Sub-localities typically cover 30,000 to 50,000 patients.",
        error_messages={"required": "Enter the name of the sub-locality."},
    )


class MembershipSubLocalityForm(forms.Form):
    sub_locality = forms.ModelChoiceField(
        label="Sub-locality",
        queryset=SubLocality.objects.none(),
        required=False,
        empty_label="None",
        error_messages={"invalid_choice": "Choose one of this locality's sub-localities."},
    )

    def __init__(self, *args, locality: Locality, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sub_locality"].queryset = locality.sub_localities.order_by("name")
        self.fields["sub_locality"].label_from_instance = lambda sub_locality: sub_locality.name


class OptOutForm(forms.Form):
    opted_out_on = date_field("Date the practice opted out", missing="Enter the date the practice opted out.")
    opt_out_reason = forms.CharField(
        label="Why did the practice opt out?",
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The locality is still funded for the practice's patients and decides how to serve them.",
        error_messages={"required": "Give the reason the practice opted out."},
    )


class MembershipAddForm(forms.Form):
    practice = forms.ModelChoiceField(
        label="Practice",
        queryset=Practice.objects.none(),
        empty_label="Choose a practice",
        help_text="A practice is in one locality at a time.",
        error_messages={
            "required": "Choose the practice that joins the locality.",
            "invalid_choice": "Choose one of the practices of this locality's commissioners.",
        },
    )
    valid_from = date_field("Date it joins", missing="Enter the date the practice joins the locality.")
    valid_to = date_field(
        "Last day in the locality",
        required=False,
        help_text="Leave blank while it stays. For example, 2019-03-31.",
    )

    def __init__(self, *args, locality: Locality, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practice"].queryset = practices_of_the_area(locality)
        self.fields["practice"].label_from_instance = lambda practice: f"{practice.name} ({practice.code})"


def practices_of_the_area(locality: Locality):
    """The practices ever commissioned by the locality's CCG, the bodies merged with it, or its successor."""
    top, seen = locality.commissioner, set()
    while top.successor_id is not None and top.successor_id not in seen:
        seen.add(top.pk)
        top = top.successor
    return (
        Practice.objects.filter(commissioner_links__commissioner_id__in=top.lineage_ids())
        .distinct()
        .order_by("name", "code")
    )


class MembershipEndForm(forms.Form):
    valid_to = date_field(
        "Last day in the locality",
        missing="Enter the practice's last day in the locality.",
        help_text="The practice leaves at the end of this day. For example, 2019-03-31.",
    )
