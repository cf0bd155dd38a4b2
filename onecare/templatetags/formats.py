"""{{ amount|money }}, {{ population|patients }} and {{ codes|source_kinds }} on every template (a builtin library:
no {% load %} needed)."""

from django import template

from onecare import formats

register = template.Library()

register.filter("money", formats.money, is_safe=True)
register.filter("patients", formats.patients, is_safe=True)
register.filter("source_kinds", formats.source_kinds)
