"""Demo evidence: localities at different stages of the checklist, made through the real transitions.

Call load_demo_evidence() after the demo users exist (and outside any open transaction, so the
notification tasks queued on commit run under the dummy mail backend). It does nothing if any
evidence exists already, so it is safe to run on every `load_demo_data`.
"""

from django.contrib.auth.models import Group
from django.db import transaction
from django.test.utils import override_settings

from localities.models import Locality
from onecare.accounts.models import User
from onecare.accounts.roles import Role

from .models import ChecklistItem, Evidence
from .transitions import evidence_accept, evidence_return, evidence_save_draft, evidence_submit

PHASE_1 = ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7"]

# locality code: {item number: what happens to it}
STAGES = {
    "sbris": {**dict.fromkeys(PHASE_1[:5], "accept"), "1.6": "return", "1.7": "submit", "2.1": "draft"},
    "icebris": {**dict.fromkeys(PHASE_1, "accept"), "2.1": "accept", "2.2": "submit"},
    "nwbris": dict.fromkeys(PHASE_1[:3], "submit"),
    "wwv": {"1.1": "draft"},
    "sglos": dict.fromkeys(PHASE_1, "accept"),
}
STATEMENT = "Demo evidence for {number} from {locality}: see the attached agreement and minutes."


def stand_in_lead(locality: Locality) -> User:
    """The submitter for a locality without a demo login: a locality lead who cannot log in."""
    if locality.code == "sbris" and User.objects.filter(username="locality.lead").exists():
        return User.objects.get(username="locality.lead")
    user, created = User.objects.get_or_create(
        username=f"demo.lead.{locality.code}",
        defaults={"first_name": "Demo lead,", "last_name": locality.name, "locality": locality},
    )
    if created:
        user.set_unusable_password()
        user.save()
        user.groups.add(Group.objects.get(name=Role.LOCALITY_LEAD.value))
    return user


@override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend")
def load_demo_evidence() -> int:
    if Evidence.objects.exists():
        return 0
    reviewer = User.objects.get(username="commissioner")
    items = {item.number: item for item in ChecklistItem.objects.all()}
    made = 0
    with transaction.atomic():
        for code, steps in STAGES.items():
            locality = Locality.objects.filter(code=code).first()
            if locality is None:
                continue
            lead = stand_in_lead(locality)
            for number, step in steps.items():
                item = items[number]
                statement = STATEMENT.format(number=number, locality=locality.name)
                if step == "draft":
                    evidence_save_draft(locality, item, actor=lead, statement=statement)
                    made += 1
                    continue
                evidence = evidence_submit(locality, item, actor=lead, statement=statement)
                if step == "accept":
                    evidence_accept(evidence, actor=reviewer)
                elif step == "return":
                    evidence_return(evidence, actor=reviewer, reason="Please add the signed ratification minutes.")
                made += 1
    return made
