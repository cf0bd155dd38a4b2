"""{{ amount|money }} and {{ population|patients }} on every template (a builtin library: no {% load %} needed);
{{ codes|source_kinds }} is localities' (localities.templatetags.sources)."""

from django import template

from onecare import formats

register = template.Library()

register.filter("money", formats.money, is_safe=True)
register.filter("patients", formats.patients, is_safe=True)
