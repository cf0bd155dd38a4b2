"""{% locality_checklist locality %}: the checklist task list, for any page that shows a locality."""

from django import template

from onecare.accounts.scoping import today

from ..checklist import locality_checklist as build

register = template.Library()


@register.inclusion_tag("funding/_checklist.html")
def locality_checklist(locality, day=None):
    return {"locality": locality, "phases": build(locality, day or today()), "today": day or today()}
