"""{% locality_checklist locality %} and {% locality_money locality %}: for any page that shows a locality (a page
that shows both reads the checklist once: {% locality_checklist locality phases=checklist %} and
{% locality_money locality checklist=checklist %}, with funding.checklist.locality_checklist's result; likewise the
locality's releases, releases=funding.dashboards.locality_releases's, for it and {% locality_remittances %}); and
{% money_rows money %}: a locality's or a CCG's rows of the money page ({% money_row_groups rows %}: each locality's
in its own <tbody>; {% money_cells money %}: a grand total row's five money cells)."""

from html import escape  # as django.utils.html.escape escapes, without its lazy-string wrapper (twice a locality)

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from localities.links import locality_page_url
from onecare.accounts.scoping import today
from onecare.formats import money, patients

from ..checklist import locality_checklist as build
from ..models import EvidenceStatus

register = template.Library()


@register.inclusion_tag("funding/_checklist.html")
def locality_checklist(locality, day=None, phases=None):
    """The locality's checklist; its `phases` (funding.checklist.locality_checklist) where the page has read them."""
    day = day or today()
    return {"locality": locality, "phases": build(locality, day) if phases is None else phases, "today": day}


@register.inclusion_tag("funding/_money.html")
def locality_money(locality, day=None, checklist=None, releases=None):
    """The locality's LTS money: each tranche's release and state, and what unlocks the next tranche (taken from the
    locality's `checklist` and `releases` where the page has read them: funding.dashboards.locality_money)."""
    from ..dashboards import locality_money as build_money

    return build_money(locality, day or today(), checklist, releases)


# A checklist item's row of the task list (funding/_checklist.html), with the whitespace the template's loop gave it:
# drawn here rather than by the loop, whose work for each item was most of the locality page's checklist.
ITEM_ROW = """
  <li class="nhsuk-task-list__item nhsuk-task-list__item--with-link">
    <div class="nhsuk-task-list__name-and-hint">
      <a class="nhsuk-link nhsuk-task-list__link" href="{}" aria-describedby="item-{}-status">{} {}</a>
    </div>
    <div class="nhsuk-task-list__status{}" id="item-{}-status">
      {}
    </div>
  </li>
  """
COMPLETED = " nhsuk-task-list__status--completed"


@register.simple_tag
def checklist_rows(rows):
    """A phase's items (funding.checklist.ItemRow): each linked to its page, with its status; accepted in words, any
    other status as a tag."""
    return format_html_join("", ITEM_ROW, (_item_row(row) for row in rows))


def _item_row(row) -> tuple:
    if row.status == EvidenceStatus.ACCEPTED:
        completed, status = COMPLETED, "Accepted"
    else:
        completed, status = "", format_html('<strong class="nhsuk-tag {}">{}</strong>', row.tag_class, row.status_label)
    item = row.item
    return (row.url, item.pk, item.number, item.title, completed, item.pk, status)


MONEY_CELL = '<td class="nhsuk-table__cell nhsuk-table__cell--numeric">{}</td>'
MONEY_CELLS = "\n".join(["  " + MONEY_CELL] * 5)
# The grand total's cells ({% money_cells %}), as the include that wrote them laid them out.
TOTAL_CELLS = "\n" + "\n".join([MONEY_CELL] * 5) + "\n"

# The LTS, Improved Access and both rows of a locality (or a CCG's total) on the money page (funding/money.html): drawn
# here rather than by an include, which cost the page a template's work for each of its 30 or so localities. Each
# row's five money cells (MONEY_CELLS) are put in once, here, so that a locality's rows take one format().
MONEY_ROWS = """
<tr class="nhsuk-table__row">
  <th class="nhsuk-table__header" scope="rowgroup" rowspan="3">{}</th>
  <th class="nhsuk-table__header portal-table__subhead" scope="row">Transformation (LTS)</th>
  <td class="nhsuk-table__cell nhsuk-table__cell--numeric">{} registered</td>
{}
</tr>
<tr class="nhsuk-table__row">
  <th class="nhsuk-table__header portal-table__subhead" scope="row">Improved Access</th>
  <td class="nhsuk-table__cell nhsuk-table__cell--numeric">{} weighted</td>
{}
</tr>
<tr class="nhsuk-table__row portal-table__row--both">
  <th class="nhsuk-table__header portal-table__subhead" scope="row">Both</th>
  <td class="nhsuk-table__cell nhsuk-table__cell--numeric"><span class="nhsuk-u-visually-hidden">\
Not added up: the schemes count patients differently</span></td>
{}
</tr>
""".replace("\n{}\n</tr>", "\n" + MONEY_CELLS + "\n</tr>")


def _figures(money_of) -> list[str]:
    """Envelope, paid, committed, proposed and remaining (funding.dashboards.Money), each in the money format (money()
    writes nothing that needs escaping: a sign, digits, commas and a point)."""
    amounts = [money_of.envelope, money_of.paid, money_of.committed, money_of.proposed, money_of.remaining]
    return [money(amount) for amount in amounts]


@register.simple_tag
def money_cells(figures):
    """The five money cells of a row of the money page's grand total (funding.dashboards.Money)."""
    return mark_safe(TOTAL_CELLS.format(*_figures(figures)))  # noqa: S308 - money()'s figures only


@register.simple_tag(takes_context=True)
def money_rows(context, lts, total: bool = False):
    """The three rows of a locality's money (funding.dashboards.Money, its Improved Access in `ia`), linked to the
    locality's page; with total, a CCG's ("All of ...")."""
    from ..dashboards import Money

    if total:
        heading = f"All of {escape(lts.name)}"
    elif lts.locality is not None:
        # The page's rows share one reverse() of the locality page's URL (localities.links), kept for the rendering.
        if "locality_page_url" not in context.render_context:
            context.render_context["locality_page_url"] = locality_page_url()
        url = context.render_context["locality_page_url"](lts.locality.code)
        heading = f'<a class="nhsuk-link" href="{escape(url)}">{escape(lts.name)}</a>'
    else:
        heading = escape(lts.name)
    ia = lts.ia or Money(lts.name)
    rows = MONEY_ROWS.format(
        heading,
        patients(lts.population),
        *_figures(lts),
        patients(ia.population),
        *_figures(ia),
        *_figures(lts.both),
    )
    return mark_safe(rows)  # noqa: S308 - the names escaped above; the figures are money() and patients()'s


# A locality's rows in their <tbody>, as funding/money.html's loop over the localities wrote them.
ROW_GROUP = '\n  <tbody class="nhsuk-table__body">\n    {}\n  </tbody>\n  '


@register.simple_tag(takes_context=True)
def money_row_groups(context, rows):
    """Each locality's three rows (money_rows) in its own <tbody>: the loop is here because in the template it cost
    about a quarter as much again as the rows themselves, for a CCG's 30 or so localities."""
    groups = "".join(ROW_GROUP.format(money_rows(context, row)) for row in rows)
    return mark_safe(groups)  # noqa: S308 - money_rows() escapes the names; the rest is markup
