"""Links to each locality's page for a list of localities: the URL reversed once for the list, not once a row."""

from collections.abc import Callable
from urllib.parse import quote

from django.urls import reverse

STAND_IN = "code"


def locality_page_url() -> Callable[[str], str]:
    """A function of a locality's code that gives reverse("localities:detail", args=[code]). The URLs differ only in
    the code, so reverse() runs once here: once a row it cost the overview and the money page about a tenth of their
    rendering. The code (a slug) is quoted as reverse() would quote it."""
    before, after = reverse("localities:detail", args=[STAND_IN]).rsplit(STAND_IN, 1)
    return lambda code: f"{before}{quote(code, safe='')}{after}"
