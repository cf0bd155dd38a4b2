"""The query-string filters of each endpoint, read strictly: a value that is not what the filter takes, or a filter
the endpoint does not have, is a 400 that names it and says what it takes; nothing is filtered by a guess."""

import datetime
import re

from rest_framework.exceptions import ValidationError

# Not filters: paging, and the browsable API's choice of format.
ALWAYS_ALLOWED = {"page", "page_size", "format"}
CODE = re.compile(r"^[A-Za-z0-9_-]{1,20}$")
DATE_WORDS = "Enter the date as year-month-day, for example 2018-04-01."


class Filters:
    """The filters one request asked for, checked against those an endpoint offers (names and their help)."""

    def __init__(self, request, offered: dict[str, str]):
        self.params = request.query_params
        unknown = sorted(set(self.params) - set(offered) - ALWAYS_ALLOWED)
        if unknown:
            raise ValidationError(
                {name: [f"No such filter here. The filters are: {', '.join(sorted(offered))}."] for name in unknown}
            )

    def raw(self, name: str) -> str | None:
        values = self.params.getlist(name)
        if len(values) > 1:
            raise ValidationError({name: ["Give this filter once."]})
        value = values[0].strip() if values else ""
        return value or None

    def date(self, name: str) -> datetime.date | None:
        value = self.raw(name)
        if value is None:
            return None
        try:
            return datetime.date.fromisoformat(value) if len(value) == 10 else refuse(name, DATE_WORDS)
        except ValueError:
            return refuse(name, DATE_WORDS)

    def code(self, name: str) -> str | None:
        value = self.raw(name)
        if value is not None and not CODE.match(value):
            refuse(name, "Enter a code of letters, digits, '-' or '_' (at most 20).")
        return value

    def choice(self, name: str, choices) -> str | None:
        value = self.raw(name)
        allowed = [str(choice) for choice in choices]
        if value is not None and value not in allowed:
            refuse(name, f"Enter one of: {', '.join(allowed)}.")
        return value

    def boolean(self, name: str) -> bool | None:
        value = self.choice(name, ["true", "false"])
        return None if value is None else value == "true"

    def quarter(self, name: str) -> str | None:
        value = self.raw(name)
        if value is not None and not re.fullmatch(r"\d{4}Q[1-4]", value):
            refuse(name, "Enter a financial-year quarter as YYYYQn, for example 2018Q1 (April to June 2018).")
        return value


def refuse(name: str, words: str):
    """A 400 naming the filter and what it takes."""
    raise ValidationError({name: [words]})


def date_range(filters: Filters, field: str, start: str, end: str) -> dict:
    """Filter kwargs for field between the dates asked for (both inclusive); a 400 if they are the wrong way round."""
    first, last = filters.date(start), filters.date(end)
    if first and last and first > last:
        refuse(end, f"The end date is before the start date ({start}).")
    kwargs = {}
    if first:
        kwargs[f"{field}__gte"] = first
    if last:
        kwargs[f"{field}__lte"] = last
    return kwargs
