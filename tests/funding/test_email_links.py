"""Every e-mail the portal sends links to it by absolute addresses that start with settings.PORTAL_URL."""

import datetime
import re
from pathlib import Path

import time_machine
from django.conf import settings as django_settings
from django.core import mail

from funding.tasks import deadline_reminders_send
from funding.transitions import evidence_accept, evidence_return, evidence_submit

PORTAL = "https://portal.example.nhs.uk"
HREF = re.compile(r"""href=["']([^"']*)["']""")
URL = re.compile(r"https?://[^\s<>\"']+")
BARE_PATH = re.compile(r"(?<![\w/:.])/(?:funding|localities|improved-access|onecare|accounts|admin)/")


def links_of(message) -> tuple[list[str], str, str]:
    html = "".join(body for body, mimetype in message.alternatives if mimetype == "text/html")
    return HREF.findall(html) + URL.findall(message.body), message.body, html


def test_every_notification_email_carries_absolute_links_to_the_portal(
    settings, people, checklist, django_capture_on_commit_callbacks
):
    assert re.fullmatch(r"https?://[^/\s]+", settings.PORTAL_URL)  # defined, whatever the environment
    settings.PORTAL_URL = PORTAL
    with time_machine.travel(datetime.datetime(2017, 11, 1, 9, tzinfo=datetime.UTC), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            first = evidence_submit(people.south_bristol, checklist.item, actor=people.manager, statement="Done")
        with django_capture_on_commit_callbacks(execute=True):
            evidence_accept(first, actor=people.commissioner)
        with django_capture_on_commit_callbacks(execute=True):
            second = evidence_submit(people.south_bristol, checklist.items[1], actor=people.manager, statement="x")
        with django_capture_on_commit_callbacks(execute=True):
            evidence_return(second, actor=people.commissioner, reason="Attach the signed agreement.")
    with time_machine.travel(datetime.datetime(2017, 12, 17, 8, tzinfo=datetime.UTC), tick=False):
        deadline_reminders_send()

    sent_templates = set()
    for message in mail.outbox:
        links, text, html = links_of(message)
        assert links, f"no link in {message.subject!r}"
        for link in links:
            assert link.startswith(PORTAL + "/"), f"{message.subject!r}: {link}"
        assert not BARE_PATH.search(URL.sub("", text)), f"bare path in {message.subject!r}"
        sent_templates.add(message.subject.split(":")[0].split(" ")[0])
    emails = Path(django_settings.BASE_DIR) / "templates" / "emails"
    templates = {p.stem for p in emails.glob("*.txt") if not p.stem.endswith("_subject")}
    assert len(mail.outbox) >= len(templates) >= 3  # submitted, reviewed (accepted and returned), deadline reminder
