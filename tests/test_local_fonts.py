"""No request leaves for another host: the stylesheets and the pages reference only the portal's own files."""

import re
from pathlib import Path
from urllib.parse import urlsplit

from django.contrib.staticfiles import finders
from django.urls import reverse

from onecare.accounts.roles import Role
from onecare.staticfinders import STYLESHEET

# What a browser fetches by itself: stylesheets, scripts, images, icons, fonts (links followed by a person aside).
FETCHED = re.compile(r"<(?:link|script|img|source|iframe)\b[^>]*\s(?:href|src)=\"([^\"]+)\"", re.IGNORECASE)
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)|@import\s+['\"]([^'\"]+)")


def external(urls) -> list[str]:
    return [u for u in urls if urlsplit(u).netloc or u.startswith("//")]


def test_the_nhsuk_stylesheet_has_no_web_fonts_from_another_host():
    css = Path(finders.find(STYLESHEET)).read_text(encoding="utf-8")
    assert "nhsuk-header" in css  # the real stylesheet
    assert "assets.nhs.uk" not in css and "@font-face" not in css
    assert "url(/assets/" not in css  # its icons are found beside it, under /static/nhsuk/assets/


def test_pages_and_their_stylesheets_fetch_nothing_from_another_host(client, user_factory, bnssg):
    pages = [client.get(reverse("accounts:login")).content.decode()]
    client.force_login(user_factory(role=Role.COMMISSIONER, commissioner=bnssg))
    pages.append(client.get(reverse("localities:overview")).content.decode())
    fetched = {url for page in pages for url in FETCHED.findall(page)}
    assert any(url.endswith(".css") for url in fetched)
    assert external(fetched) == []
    for url in sorted(u for u in fetched if u.endswith(".css")):
        response = client.get(url)
        assert response.status_code == 200, url
        css = b"".join(response.streaming_content if response.streaming else [response.content]).decode()
        referenced = [a or b for a, b in CSS_URL.findall(css)]
        assert external(referenced) == [], url
        assert "assets.nhs.uk" not in css, url


def test_a_static_file_that_does_not_exist_is_not_found_rather_than_an_error(client):
    """With the finders serving (make run, tests), a missing file is a 404: the local-fonts finder answers "nothing"
    as Django's own finders do (an empty list), not None, which Django's finders.find turned into [None] for
    WhiteNoise to stat (a server error)."""
    assert finders.find("no/such/file.css") is None
    assert client.get("/static/no/such/file.css").status_code == 404
