"""{% filter_choices choices %}: the choices of a filter of an admin changelist, as Django's admin/filter.html writes
them (templates/admin/filter.html, the portal's copy of it, calls this for its list).

Django's template writes each choice through the template language: on the release changelist, whose filters offer
about fifty choices (a commissioner's localities, the states, the tranches), that was a sixth of the page's
rendering. Here each choice is written in the same HTML, each value shown as a template shows it
(render_value_in_context: localised, escaped), the query string through the iriencode filter first.
"""

from django import template
from django.template.base import render_value_in_context
from django.template.defaultfilters import iriencode
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def filter_choices(context, choices):
    written = []
    for choice in choices:
        selected = ' class="selected"' if choice.get("selected") else ""
        href = render_value_in_context(iriencode(choice["query_string"]), context)
        shown = render_value_in_context(choice["display"], context)
        written.append(f'\n    <li{selected}>\n    <a href="{href}">{shown}</a></li>\n  ')
    return mark_safe("".join(written))  # noqa: S308 - each value escaped by render_value_in_context
