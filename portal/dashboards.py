"""The money dashboard (/funding/money/): the LTS and Improved Access together per CCG and locality."""

import datetime

from django.db.models import QuerySet

from funding import dashboards
from improved_access.dashboards import ia_rate_a_year
from localities.models import Locality


def money_dashboard(localities: QuerySet[Locality], today: datetime.date) -> dict:
    """Everything /funding/money/ shows (four queries whatever the number of localities)."""
    return dashboards.money_dashboard(localities, today, ia_rate_a_year())
