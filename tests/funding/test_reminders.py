"""Deadline reminders: 14, 7 and 1 days before and when overdue, each at most once; one over real SMTP."""

import datetime
import socket

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core import mail

from funding.models import SentReminder
from funding.notifications import reminder_due
from funding.tasks import deadline_reminders_send

from .factories import EvidenceFactory


def on(day: datetime.date):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(8), tzinfo=datetime.UTC), tick=False)


@pytest.mark.parametrize(
    ("day", "kind"),
    [(1, None), (17, "14"), (20, "14"), (24, "7"), (30, "1"), (31, "1")],
)
def test_it_picks_the_reminder_due(checklist, day, kind):
    assert reminder_due(checklist.phase1, datetime.date(2017, 12, day)) == kind
    assert reminder_due(checklist.phase1, datetime.date(2018, 1, 1)) == "overdue"


def test_it_reminds_each_locality_once_per_kind(people, checklist):
    for day in [datetime.date(2017, 12, 17), datetime.date(2017, 12, 18)]:
        with on(day):
            deadline_reminders_send.delay()
    kinds = set(SentReminder.objects.values_list("locality__code", "phase__number", "kind"))
    assert kinds == {("sbris", 1, "14"), ("wood", 1, "14")}
    assert len(mail.outbox) == 2
    south = next(m for m in mail.outbox if people.lead.email in m.to)
    assert sorted(south.to) == sorted([people.lead.email, people.manager.email, people.other_manager.email])
    assert "Due in 14 days" in south.subject and "1.1" in south.body


def test_it_sends_each_reminder_then_overdue(people, checklist):
    for day in (17, 24, 30, 31):
        with on(datetime.date(2017, 12, day)):
            deadline_reminders_send()
    with on(datetime.date(2018, 1, 5)):
        deadline_reminders_send()
        deadline_reminders_send()
    sent = sorted(SentReminder.objects.filter(locality__code="sbris").values_list("kind", flat=True))
    assert sent == ["1", "14", "7", "overdue"]
    assert len(mail.outbox) == 8


def test_it_leaves_out_localities_that_are_done(people, checklist):
    for item in checklist.items[:3]:
        EvidenceFactory(locality=people.south_bristol, item=item, submitted=True)
    with on(datetime.date(2018, 1, 5)):
        deadline_reminders_send()
    assert list(SentReminder.objects.values_list("locality__code", flat=True)) == ["wood"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def test_it_delivers_a_reminder_over_smtp(people, checklist, settings):
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        with on(datetime.date(2017, 12, 24)):
            assert deadline_reminders_send() == 2
    finally:
        controller.stop()
    recipients = sorted(r for envelope in inbox.envelopes for r in envelope.rcpt_tos)
    assert people.lead.email in recipients and people.wood_lead.email in recipients
    content = inbox.envelopes[0].content.decode()
    assert "Due in 7 days" in content and "multipart/alternative" in content and "text/html" in content
