"""The admin's side of "one commissioner per practice at a time" (localities.periods); memberships, one locality
at a time, are read in the admin and changed through localities.governance and the membership import.

The practice admin's commissioner links inline checks its rows against each other and against the practice's saved
rows (including rows the user's scope hides), as the practice will be once saved, and puts the clash in words on
the row at fault. The database then holds the rule: when it refuses a write the forms passed (another
person saved a clashing row a moment before), the whole change is rolled back and the page is checked
again, so the person sees the clash in the same words and nothing was saved.
"""

from django.contrib import messages
from django.db import IntegrityError
from django.forms.models import BaseInlineFormSet
from django.shortcuts import redirect

from ..periods import Period, clashes, commissioner_clash, is_period_clash, periods_checked_at_the_end

STILL_REFUSED = (
    "These dates clash with another of the practice's rows saved at the same moment, so nothing was saved. "
    "Check the practice's localities and commissioners, then make the change again."
)


class OneAtATimeFormSet(BaseInlineFormSet):
    """An inline of a practice's dated rows: no two of them (new, changed or saved) may overlap."""

    holder = ""  # the field naming the locality or commissioner

    @staticmethod
    def message(practice, other: Period) -> str:
        raise NotImplementedError

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.instance.overlaps_checked_elsewhere = True  # checked below, against the rows as they will be
        return form

    def clean(self) -> None:
        super().clean()
        periods, in_formset = [], set()
        for form in self.forms:
            saved_pk = form.instance.pk if not form.instance._state.adding else None
            if saved_pk is not None:
                in_formset.add(saved_pk)
            if self.can_delete and self._should_delete_form(form):
                continue
            if saved_pk is None and not form.has_changed():
                continue  # an empty extra row
            data = getattr(form, "cleaned_data", None)
            if data is None:
                continue
            valid_from = data.get("valid_from") if "valid_from" in form.fields else form.instance.valid_from
            valid_to = data.get("valid_to") if "valid_to" in form.fields else form.instance.valid_to
            holder = data.get(self.holder) if self.holder in form.fields else getattr(form.instance, self.holder)
            if valid_from is None or holder is None or (valid_to is not None and valid_to < valid_from):
                continue  # the row's own errors are shown; its period is not known yet
            periods.append(Period(saved_pk, valid_from, valid_to, str(holder), holder.pk, key=form))
        if self.instance.pk is not None:
            saved = self.model.objects.filter(practice=self.instance).exclude(pk__in=in_formset)
            for row in saved.select_related(self.holder):
                periods.append(Period(row.pk, row.valid_from, row.valid_to, str(getattr(row, self.holder))))
        blamed = set()
        for earlier, later in clashes(periods):
            form, other = self._at_fault(earlier, later)
            if form is not None and id(form) not in blamed:
                blamed.add(id(form))
                form.add_error(None, self.message(self.instance, other))

    def save_existing_objects(self, commit=True):
        # SQLite's triggers check each row as it is written (PostgreSQL's constraints wait for the end, see
        # ClashAnsweredInWords): rows that give up days go first, so moving the day one commissioner link hands over
        # to the next does not clash half-way.
        initial = self.initial_form_count()
        self.forms[:initial] = sorted(self.forms[:initial], key=self._takes_days)
        return super().save_existing_objects(commit)

    @staticmethod
    def _takes_days(form) -> bool:
        """Whether a saved row's new period covers a day its old one did not."""
        data = getattr(form, "cleaned_data", None) or {}
        old_from, old_to = form.initial.get("valid_from"), form.initial.get("valid_to")
        new_from, new_to = data.get("valid_from", old_from), data.get("valid_to", old_to)
        if None in (old_from, new_from):
            return True
        starts_earlier = new_from < old_from
        ends_later = old_to is not None and (new_to is None or new_to > old_to)
        return starts_earlier or ends_later

    @staticmethod
    def _at_fault(earlier: Period, later: Period):
        """The form to show the clash on (a changed row, the later one first) and the row it clashes with."""
        for mine, other in ((later, earlier), (earlier, later)):
            if mine.key is not None and mine.key.has_changed():
                return mine.key, other
        for mine, other in ((later, earlier), (earlier, later)):
            if mine.key is not None:
                return mine.key, other
        return None, None


class PracticeCommissionerFormSet(OneAtATimeFormSet):
    holder = "commissioner"

    @staticmethod
    def message(practice, other: Period) -> str:
        return commissioner_clash(practice, other)


class ClashAnsweredInWords:
    """For a model admin that saves commissioner links: a refusal by the database's period
    constraints (a lost race) is answered like the forms' own check, never with the database's text."""

    def save_related(self, request, form, formsets, change):
        with periods_checked_at_the_end():
            super().save_related(request, form, formsets, change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except IntegrityError as error:
            if request.method != "POST" or not is_period_clash(error):
                raise
        # Everything was rolled back. Checking the same POST again now sees the row saved meanwhile.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except IntegrityError as error:
            if not is_period_clash(error):
                raise
        self.message_user(request, STILL_REFUSED, messages.ERROR)
        return redirect(request.get_full_path())
