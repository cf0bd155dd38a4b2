"""{% locality_checklist locality %} and {% locality_money locality %}: for any page that shows a locality."""

from django import template

from onecare.accounts.scoping import today

from ..checklist import locality_checklist as build

register = template.Library()


@register.inclusion_tag("funding/_checklist.html")
def locality_checklist(locality, day=None):
    return {"locality": locality, "phases": build(locality, day or today()), "today": day or today()}


@register.inclusion_tag("funding/_money.html")
def locality_money(locality, day=None):
    """The locality's LTS money: each tranche's release and state, and what unlocks the next tranche."""
    from ..dashboards import locality_money as build_money

    return build_money(locality, day or today())
