"""{% result_list_rows cl %}: the admin changelist's table, as Django's {% result_list cl %} writes it, with the
work that is the same for every row done once a column rather than once a cell.

Django's items_for_result looks each column up again for every row (the field, the method, the empty value, the
classes, whether it links) and reverses the change page's URL for each row: on the release changelist (50 rows of
nine columns) that was about a third of the page's work. Here each column is looked up once, a field's choices are
read once, and the change URL is reversed once with a stand-in for the primary key; each cell is then the value, shown
by Django's own display_for_field and display_for_value, in the same HTML; the rows are then written into the table at
once (templates/admin/change_list_rows.html: Django's change_list_results.html, with them in place of its loop over
each row's cells). A changelist this does not cover (editable rows, a pop-up, a to_field, links set to none) is left
to Django's own code.
"""

import datetime
import html

from django import template
from django.contrib.admin import ModelAdmin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.templatetags.admin_list import (
    _coerce_field_name,
    result_headers,
    result_hidden_fields,
    results,
)
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.contrib.admin.utils import display_for_field, display_for_value, lookup_field
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models.constants import LOOKUP_SEP
from django.urls import NoReverseMatch, reverse
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

register = template.Library()

PK = "pk0stand0in0pk"  # in the reversed change URL, where each row's primary key goes


class Checkbox:
    """Django's row checkbox (ModelAdmin.action_checkbox) written out as the same HTML, its label translated once a
    list: rendering a form widget's templates for each row was about a quarter of the page's work, and translating
    the label again for each row a fifth of what was left. Escaped as Django's format_html would: the translated text
    as it is, the row's name and the primary key escaped (the field's name is Django's constant). Here and in the
    cells, a str is escaped as Django's escape() escapes it (html.escape), without the wrappers that look for lazy
    strings among its arguments: a few microseconds a cell."""

    def __init__(self):
        self.label = gettext("Select this object for an action - {}")

    def __call__(self, obj):
        label = self.label.format(html.escape(str(obj)))
        return mark_safe(  # noqa: S308
            f'<input type="checkbox" name="{ACTION_CHECKBOX_NAME}" value="{html.escape(str(obj.pk))}" '
            f'class="action-select" aria-label="{label}">'
        )


class Column:
    """One column of the list: what items_for_result works out for each of its cells, worked out once."""

    def __init__(self, cl, index: int, name, sample, links: bool, first: bool):
        self.name = name
        self.links = links
        self.tag = "th" if first else "td"
        self.classes = self.missing_classes = f"field-{_coerce_field_name(name, index)}"
        admin = cl.model_admin
        self.empty = self.missing = admin.get_empty_value_display()
        checkbox = name == "action_checkbox" and type(admin).action_checkbox is ModelAdmin.action_checkbox
        # lookup_field reads the sample row's value too: not Django's checkbox, which renders a widget to give it.
        self.f, attr, _ = (None, admin.action_checkbox, None) if checkbox else lookup_field(name, sample, admin)
        self.choices = None
        self.shown_values = {}
        if self.f is None:
            self.empty = getattr(attr, "empty_value_display", self.empty)
            if name == "action_checkbox":
                self.classes = "action-checkbox"
            self.boolean = getattr(attr, "boolean", False)
            if isinstance(attr, property) and hasattr(attr, "fget"):
                self.boolean = getattr(attr.fget, "boolean", False)
            self.method = name if callable(name) else getattr(admin, name, None) if name != "__str__" else None
            if checkbox:
                self.method = Checkbox()  # Django's own, without its widget's templates
        else:
            if getattr(self.f, "flatchoices", None):
                try:
                    self.choices = dict(self.f.flatchoices)
                except TypeError:  # list-like choices: display_for_field copes with them
                    self.choices = None
            if isinstance(self.f, (models.DateField, models.TimeField, models.ForeignKey)):
                self.classes = f"{self.classes} nowrap"

    def value(self, obj):
        if self.f is not None:
            return getattr(obj, self.name)
        if self.method is not None:
            return self.method(obj)
        if LOOKUP_SEP in self.name:
            return lookup_field(self.name, obj)[2]
        value = getattr(obj, self.name)  # a property or a method of the model, as lookup_field reads it
        return value() if callable(value) else value

    def shown(self, obj):
        """The cell's text, escaped, and its classes."""
        try:
            value = self.value(obj)
        except ObjectDoesNotExist:
            return conditional_escape(self.missing), self.missing_classes  # as Django: the empty value, plain class
        if isinstance(value, str) and value.strip() == "":
            value = ""
        if self.f is None:
            if type(value) in (str, SafeString) and value and not self.boolean:  # display_for_value: str(value)
                return (value if type(value) is SafeString else html.escape(value)), self.classes
            classes = self.classes
            if isinstance(value, (datetime.date, datetime.time)):
                classes = f"{classes} nowrap"
            return conditional_escape(display_for_value(value, self.empty, self.boolean)), classes
        # A field's value reads the same in every row that has it (a nightly evaluation proposes its releases at one
        # moment, a page's releases share a few tranches): each is shown and escaped once.
        try:
            return self.shown_values[value], self.classes
        except KeyError:
            text = self.shown_values[value] = conditional_escape(self.field_text(value))
        except TypeError:  # not hashable
            text = conditional_escape(self.field_text(value))
        return text, self.classes

    def field_text(self, value):
        if isinstance(self.f.remote_field, models.ManyToOneRel):
            return self.empty if value is None else value
        if self.choices is not None:
            return self.choices.get(value, self.empty)
        return display_for_field(value, self.f, self.empty, avoid_link=self.links)


def covered(cl) -> bool:
    return bool(
        cl.result_list and not cl.formset and not cl.is_popup and not cl.to_field and cl.list_display_links is not None
    )


def fast_results(cl):
    """Each row's cells, as items_for_result writes them, joined."""
    rows = list(cl.result_list)
    links = list(cl.list_display_links) or list(cl.list_display[:1])
    columns, first = [], True
    for index, name in enumerate(cl.list_display):
        linked = name in links
        columns.append(Column(cl, index, name, rows[0], linked, first and linked))
        first = first and not linked
    preserved = {"preserved_filters": cl.preserved_filters, "opts": cl.opts}
    try:
        name = f"admin:{cl.opts.app_label}_{cl.opts.model_name}_change"
        url = escape(
            add_preserved_filters(preserved, reverse(name, args=(PK,), current_app=cl.model_admin.admin_site.name))
        )
    except NoReverseMatch:
        url = None
    pk = cl.lookup_opts.pk.attname
    for obj in rows:
        cells = []
        key = getattr(obj, pk)
        for column in columns:
            text, classes = column.shown(obj)
            if column.links and url is not None:
                if isinstance(key, int):  # as reverse() writes it
                    href = url.replace(PK, str(key))
                else:
                    href = escape(add_preserved_filters(preserved, cl.url_for_result(obj)))
                text = f'<a href="{href}">{text}</a>'
            # Every part is escaped above (the classes are the columns' names, as Django writes them unescaped).
            cells.append(f'<{column.tag} class="{classes}">{text}</{column.tag}>')
        yield "".join(cells)


def result_list_rows(cl):
    headers = list(result_headers(cl))
    context = {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
    }
    if not covered(cl):
        return {**context, "results": list(results(cl))}
    # Each row as Django's template writes a row that has no form (change_list_rows.html writes them all at once).
    rows = [f"\n\n<tr>{cells}</tr>\n" for cells in fast_results(cl)]
    return {**context, "results": rows, "rows": mark_safe("".join(rows))}  # noqa: S308 - each cell escaped


@register.tag(name="result_list_rows")
def result_list_rows_tag(parser, token):
    return InclusionAdminNode(
        parser, token, func=result_list_rows, template_name="change_list_rows.html", takes_context=False
    )
