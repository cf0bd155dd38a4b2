"""{{ codes|source_kinds }} on every template (a builtin library: no {% load %} needed)."""

from django import template

from localities.formats import source_kinds

register = template.Library()

register.filter("source_kinds", source_kinds)
