"""Forms of the payment run pages. They only collect input: funding.payment_runs decides and says what it refuses.

Dates are asked for in the NHS.UK date input pattern (day, month and year in three boxes), and read by
DateParts: "Enter ...", "... must include a month", "... must be a real date", in the pattern's words.
"""

import datetime
import uuid

from django import forms

from .models.payment_runs import default_subjective_code

PARTS = ("day", "month", "year")


class DateParts:
    """A date asked for as three boxes named <name>_day, <name>_month and <name>_year (the NHS.UK date input).

    The error goes on the day box (the first: the error summary links there) and `errors_of(name)` tells the
    template to mark the whole group.
    """

    def __init__(self, name: str, label: str, *, missing: str, hint: str):
        self.name, self.label, self.missing, self.hint = name, label, missing, hint

    def fields(self) -> dict[str, forms.Field]:
        return {
            f"{self.name}_{part}": forms.CharField(
                label=part.capitalize(), required=False, max_length=4, strip=True, error_messages=self._words()
            )
            for part in PARTS
        }

    def _words(self) -> dict:
        return {"max_length": f"{self.label} must be a real date"}

    def initial(self, value: datetime.date | None) -> dict:
        if value is None:
            return {}
        return {f"{self.name}_day": value.day, f"{self.name}_month": value.month, f"{self.name}_year": value.year}

    def clean(self, form: forms.Form) -> datetime.date | None:
        first = f"{self.name}_day"
        if any(f"{self.name}_{part}" in form.errors for part in PARTS):
            # A box too long to be a date part: one error for the date, on its first box.
            for part in PARTS[1:]:
                form.errors.pop(f"{self.name}_{part}", None)
            if first not in form.errors:
                form.add_error(first, f"{self.label} must be a real date")
            return None
        given = {part: (form.cleaned_data.get(f"{self.name}_{part}") or "") for part in PARTS}
        if not any(given.values()):
            form.add_error(first, self.missing)
            return None
        absent = [part for part in PARTS if not given[part]]
        if absent:
            form.add_error(first, f"{self.label} must include a {' and a '.join(absent)}")
            return None
        if not all(value.isdigit() for value in given.values()) or len(given["year"]) != 4:
            form.add_error(first, f"{self.label} must be a real date")
            return None
        try:
            return datetime.date(int(given["year"]), int(given["month"]), int(given["day"]))
        except (ValueError, OverflowError):
            form.add_error(first, f"{self.label} must be a real date")
            return None


PAY_DATE = DateParts(
    "pay_date",
    "Pay date",
    missing="Enter the pay date",
    hint="The day the money is planned to leave. For example, 29 6 2018.",
)
PAID_ON = DateParts(
    "paid_on",
    "The date the money was paid",
    missing="Enter the date the money was paid",
    hint="The day the money left, as the bank statement shows it. For example, 29 6 2018.",
)


class RunCreateForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=200,
        help_text='What the run is for, for example "LTS payments, June 2018".',
        error_messages={"required": "Enter a name for the run", "max_length": "Name must be 200 characters or fewer"},
    )
    cost_centre = forms.CharField(
        label="Cost centre",
        max_length=20,
        help_text="Finance's cost centre the payments are charged to.",
        error_messages={
            "required": "Enter the cost centre",
            "max_length": "Cost centre must be 20 characters or fewer",
        },
    )
    subjective_code = forms.CharField(
        label="Subjective code",
        max_length=20,
        help_text="The finance ledger's expenditure code for these payments.",
        error_messages={
            "required": "Enter the subjective code",
            "max_length": "Subjective code must be 20 characters or fewer",
        },
    )
    # One per form shown: the same form sent twice (a double click, the back button) creates one run.
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    date = PAY_DATE

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in PAY_DATE.fields().items():
            self.fields[name] = field
        self.order_fields(["name", "pay_date_day", "pay_date_month", "pay_date_year", "cost_centre"])
        self.fields["token"].validators = []  # whatever comes back, clean_token() reads it or ignores it
        if not self.is_bound:
            self.initial.setdefault("subjective_code", default_subjective_code())
            self.initial.setdefault("token", uuid.uuid4())

    def clean_token(self) -> str:
        """The form's one-time token, or blank when what came back is not one (nothing to recognise a repeat by)."""
        try:
            return str(uuid.UUID(self.cleaned_data.get("token") or ""))
        except ValueError:
            return ""

    def clean(self):
        cleaned = super().clean()
        cleaned["pay_date"] = PAY_DATE.clean(self)
        return cleaned


class PaidForm(forms.Form):
    """The actual paid date: today unless finance gives another day (funding.payment_runs checks it)."""

    date = PAID_ON

    def __init__(self, *args, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in PAID_ON.fields().items():
            self.fields[name] = field
        if not self.is_bound:
            self.initial.update(PAID_ON.initial(today))

    def clean(self):
        cleaned = super().clean()
        cleaned["paid_on"] = PAID_ON.clean(self)
        return cleaned
