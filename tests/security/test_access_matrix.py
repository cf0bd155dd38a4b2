"""Every URL of the project, requested by anonymous visitors and by every role, about their own
locality/CCG and about another: each answers as the table below says.

A new URL pattern without a row here (or, in the admin, without its model in ADMIN_VIEWERS) fails
`test_it_has_an_answer_for_every_url_pattern`. To add one: give it a row in MATRIX and, if it takes
parameters other than a locality `code`, a builder in KWARGS. `MATRIX_PRINT=1 pytest
tests/security/test_access_matrix.py -s` prints what each person actually gets, in the table's format.

Cells: 200/401/403/404/405 an answer with that status (401: the read API asks for a token); 302 a redirect
(not to log-in); "login" a redirect
to the portal's log-in; "own/other" the answers about the person's own locality and about another.
Pages reached before the second factor are covered in test_two_factor.py; here staff have passed it.
Sign in with NHSmail (oidc:*) is not configured here: "not set up" (404) for everyone; configured, it is covered in
test_nhsmail_sign_in.py.
"""

import datetime
import os
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from api.tokens import token_create
from funding.models import MilestoneEvaluation, PaymentRun, Release, Tranche
from improved_access.models import QuarterAssessment
from onecare.accounts.roles import Role
from tests.funding.remittance_data import world_paid_run
from tests.onecare.factories import UserFactory
from tests.security.conftest import login_verified
from tests.security.urls import Pattern, all_patterns
from tests.security.world import ANONYMOUS, PEOPLE, build_world

COLUMNS = ["anonymous", "commissioner", "finance", "manager", "lead", "data-admin", "onecare", "scrutineer"]
COLUMN_OF = dict(zip(PEOPLE, COLUMNS, strict=True))

# fmt: off
MATRIX_TABLE = """
url name                                anonymous commissioner finance manager lead    data-admin onecare scrutineer
home                                    login     302          302     302     302     302        302     302
accounts:login                          200       302          302     302     302     302        302     302
accounts:logout                         405       405          405     405     405     405        405     405
accounts:password-change                login     200          200     200     200     200        200     200
accounts:password-change-done           login     200          200     200     200     200        200     200
accounts:data-admin-home                login     403          403     403     403     200        403     403
security:setup                          login     302          302     302     302     302        302     302
security:verify                         login     302          302     302     302     302        302     302
oidc:authenticate                       404       404          404     404     404     404        404     404
oidc:callback                           404       404          404     404     404     404        404     404
localities:overview                     login     200          200     403     403     200        403     403
localities:detail                       login     200/404      200/404 200/404 200/404 200        404     404
localities:governance                   login     200/404      200/404 200/404 200/404 200        404     404
localities:vehicle-edit                 login     200/404      403/404 403/404 200/404 403        404     404
localities:representative-add           login     200/404      403/404 403/404 200/404 403        404     404
localities:representative-end           login     200/404      403/404 403/404 200/404 403        404     404
localities:sub-locality-add             login     200/404      403/404 403/404 200/404 403        404     404
localities:sub-locality-rename          login     200/404      403/404 403/404 200/404 403        404     404
localities:membership-add               login     200/404      403/404 403/404 403/404 403        404     404
localities:membership-end               login     200/404      403/404 403/404 403/404 403        404     404
localities:membership-sub-locality      login     200/404      403/404 403/404 200/404 403        404     404
localities:membership-opt-out           login     200/404      403/404 403/404 200/404 403        404     404
localities:membership-opt-back-in       login     200/404      403/404 403/404 200/404 403        404     404
funding:review-queue                    login     200          403     403     403     403        403     403
funding:review                          login     200/404      403     403     403     403        403     403
funding:money                           login     200          200     200     200     200        200     200
funding:file                            login     200/404      200/404 200/404 200/404 200        404     404
funding:checklist                       login     200/404      200/404 200/404 200/404 200        404     404
funding:inbox                           login     200          200     403     403     403        403     403
funding:release                         login     200/404      200/404 200/404 200/404 200        404     404
funding:release-step                    login     200/404      403/404 403/404 403/404 403        404     404
funding:item                            login     200/404      200/404 200/404 200/404 200        404     404
funding:runs                            login     200          200     403     403     403        403     403
funding:run-create                      login     403          200     403     403     403        403     403
funding:run                             login     200/404      200/404 403     403     403        403     403
funding:run-step                        login     403/404      200/404 403     403     403        403     403
funding:run-export                      login     200/404      200/404 403     403     403        403     403
funding:remittances                     login     200          200     200     200     403        403     403
funding:remittance                      login     200/404      200/404 200/404 200/404 403        403     403
funding:remittance-pdf                  login     200/404      200/404 200/404 200/404 403        403     403
funding:practice-money                  login     200/404      200/404 200/404 200/404 403        403     403
improved_access:overview                login     200          403     403     302     403        403     403
improved_access:status                  login     200/404      403/404 403/404 200/404 403        404     404
improved_access:activity                login     403/404      403/404 403/404 200/404 403        404     404
improved_access:plan                    login     403/404      403/404 403/404 200/404 403        404     404
improved_access:declaration             login     403/404      403/404 403/404 302/404 403        404     404
membership:register                     login     403          403     403     403     403        200     403
membership:register-export              login     403          403     403     403     403        200     403
ballots:list                            login     403          403     200     403     403        200     200
ballots:detail                          login     404          404     200     404     404        200     200
ballots:record                          login     404          404     403     404     404        200     403
ballots:results                         login     404          404     200     404     404        200     200
ballots:certify                         login     405          405     405     405     405        405     405
ballots:decisions                       login     200/404      200/404 200/404 200/404 200        200     200
businessplan:plan                       login     403          403     200     403     403        200     200
api:root                                401       200          200     403     403     200        403     403
api:localities                          401       200          200     403     403     200        403     403
api:locality                            401       200/404      200/404 403     403     200        403     403
api:releases                            401       200          200     403     403     200        403     403
api:release                             401       200/404      200/404 403     403     200        403     403
api:payment-runs                        401       200          200     403     403     403        403     403
api:payment-run                         401       200/404      200/404 403     403     403        403     403
api:ia-quarters                         401       200          200     403     403     403        403     403
api:ia-quarter                          401       200/404      200/404 403     403     403        403     403
api:schema                              401       200          200     403     403     200        403     403
api:docs                                401       200          200     403     403     200        403     403
api-tokens:list                         login     200          200     403     403     200        403     403
api-tokens:revoke                       login     404          404     403     403     404        403     403
admin:index                             login     200          200     login   login   200        200     login
admin:login                             200       302          302     200     200     302        302     200
admin:logout                            302       405          405     302     302     405        405     302
admin:password_change                   login     200          200     login   login   200        200     login
admin:password_change_done              login     200          200     login   login   200        200     login
admin:autocomplete                      login     403          403     login   login   403        403     login
admin:jsi18n                            login     200          200     login   login   200        200     login
admin:view_on_site                      login     404          404     login   login   404        404     login
admin:app_list                          login     200          200     login   login   200        200     login
admin/(?P<url>.*)$                      login     404          404     login   login   404        404     login
"""
# fmt: on

# Per model admin: the roles whose staff accounts get its change list (200); other staff get 403,
# everyone else the admin's log-in. Its other pages (add, change, delete, history, import, export,
# custom views) must not answer 200 to a role that cannot see the change list, nor fail with a 500.
COMMISSIONERS = {Role.COMMISSIONER, Role.FINANCE_APPROVER}
ADMIN_VIEWERS: dict[str, set[Role]] = {
    "accounts.user": set(),
    "auth.group": set(),
    "axes.accessattempt": set(),
    "axes.accessfailurelog": set(),
    "axes.accesslog": set(),
    "otp_totp.totpdevice": set(),
    "localities.commissioner": COMMISSIONERS | {Role.DATA_ADMIN},
    "localities.practice": COMMISSIONERS | {Role.DATA_ADMIN, Role.ONECARE_STAFF},
    "localities.practicecommissioner": COMMISSIONERS | {Role.DATA_ADMIN},
    "localities.listsizesnapshot": COMMISSIONERS | {Role.DATA_ADMIN, Role.ONECARE_STAFF},
    "localities.locality": COMMISSIONERS | {Role.DATA_ADMIN, Role.ONECARE_STAFF},
    "localities.localityvehicle": COMMISSIONERS | {Role.DATA_ADMIN},
    "localities.sublocality": COMMISSIONERS | {Role.DATA_ADMIN},
    "localities.localitymembership": COMMISSIONERS | {Role.DATA_ADMIN, Role.ONECARE_STAFF},
    "localities.representative": COMMISSIONERS | {Role.DATA_ADMIN},
    "localities.importrecord": {Role.COMMISSIONER, Role.DATA_ADMIN},
    "funding.scheme": COMMISSIONERS | {Role.DATA_ADMIN},
    "funding.phase": COMMISSIONERS | {Role.DATA_ADMIN},
    "funding.checklistitem": COMMISSIONERS | {Role.DATA_ADMIN},
    "funding.evidence": COMMISSIONERS | {Role.DATA_ADMIN},
    "funding.evidencefile": {Role.COMMISSIONER, Role.DATA_ADMIN},
    "funding.evidencetransition": {Role.COMMISSIONER, Role.DATA_ADMIN},
    "funding.sentreminder": {Role.COMMISSIONER, Role.DATA_ADMIN},
    "funding.evaluationrequest": COMMISSIONERS | {Role.DATA_ADMIN},
    "funding.tranche": COMMISSIONERS | {Role.DATA_ADMIN},
    "funding.milestoneevaluation": COMMISSIONERS | {Role.DATA_ADMIN},
    "funding.release": COMMISSIONERS | {Role.DATA_ADMIN},
    "funding.paymentrun": COMMISSIONERS | {Role.DATA_ADMIN},
    "funding.rulechange": COMMISSIONERS,
    "funding.delegatedlimit": COMMISSIONERS,
    "improved_access.plan": {Role.COMMISSIONER},
    "improved_access.compliancerule": {Role.COMMISSIONER},
    "improved_access.paymentterms": COMMISSIONERS,
    "improved_access.activityreturn": {Role.COMMISSIONER},
    "improved_access.quarterassessment": COMMISSIONERS,
    "membership.member": {Role.ONECARE_STAFF},
    "ballots.ballot": {Role.ONECARE_STAFF},
    "ballots.decision": {Role.ONECARE_STAFF},
    "businessplan.area": {Role.ONECARE_STAFF},
    "businessplan.activity": {Role.ONECARE_STAFF},
    "businessplan.incomesource": {Role.ONECARE_STAFF},
    "businessplan.risk": {Role.ONECARE_STAFF},
    "outbox.unsenttask": {Role.DATA_ADMIN},
}
ADMIN_STAFF = {Role.COMMISSIONER, Role.FINANCE_APPROVER, Role.DATA_ADMIN, Role.ONECARE_STAFF}


def parse(table: str) -> dict[str, dict[str, str]]:
    lines = [line.split() for line in table.strip().splitlines()]
    header, rows = lines[0][2:], lines[1:]
    assert header == COLUMNS
    return {row[0]: dict(zip(COLUMNS, row[1:], strict=True)) for row in rows}


MATRIX = parse(MATRIX_TABLE)


def locality_code(world, side):
    return {"code": side.locality.code}


def world_run(world, side):
    """A draft payment run of the side's CCG, made once."""
    if not hasattr(side, "draft_run"):
        side.draft_run = PaymentRun.objects.create(
            commissioner=side.locality.commissioner,
            name="Run",
            created_by=world.users[Role.FINANCE_APPROVER],
            created_at=timezone.now(),
        )
    return side.draft_run


def world_release(world, side):
    """A proposed release of the side's locality, made once (a tranche of its own: the remittance pages' paid run
    has a T1 of each locality), that the world's commissioner may approve."""
    if not hasattr(side, "release"):
        tranche, _ = Tranche.objects.get_or_create(
            scheme=side.item.phase.scheme,
            code="M1",
            defaults={"name": "Matrix tranche", "rate": Decimal("0.50"), "reference_date": datetime.date(2018, 1, 1)},
        )
        side.release = Release.objects.create(
            locality=side.locality,
            tranche=tranche,
            rule={"tranche": "M1", "scheme": "lts", "gate_evidence": []},
            rate=tranche.rate,
            basis="registered",
            population=Decimal(105_000),
            reference_date=tranche.reference_date,
            amount=Decimal("52500.00"),
            evaluation=MilestoneEvaluation.objects.create(
                at=datetime.date(2018, 6, 1), started_at=timezone.now(), trigger="access matrix"
            ),
            proposed_at=timezone.now(),
        )
    return side.release


def world_quarter(world, side):
    """An Improved Access quarter assessment of the side's locality, made once."""
    if not hasattr(side, "quarter"):
        side.quarter = QuarterAssessment.objects.create(
            evaluation=world_release(world, side).evaluation,
            locality=side.locality,
            quarter="2018Q1",
            judged_on=datetime.date(2018, 7, 1),
            compliant=False,
            results={},
            reason="No activity returned.",
        )
    return side.quarter


def someone_elses_token(world, side):
    """A token of a commissioner who is none of the matrix's people: nobody else may open it."""
    if not hasattr(world, "token"):
        owner = UserFactory(role=Role.COMMISSIONER, commissioner=world.own.locality.commissioner)
        world.token, _ = token_create(owner, "Someone else's", 30)
    return world.token


# How to fill each pattern's parameters about one side (own or other); None: not about a locality.
KWARGS: dict[str, Callable] = {
    "localities:representative-end": lambda w, s: {"code": s.locality.code, "pk": s.representative.pk},
    "localities:sub-locality-rename": lambda w, s: {"code": s.locality.code, "pk": s.sub_locality.pk},
    "localities:membership-end": lambda w, s: {"code": s.locality.code, "pk": s.membership.pk},
    "localities:membership-sub-locality": lambda w, s: {"code": s.locality.code, "pk": s.membership.pk},
    "localities:membership-opt-out": lambda w, s: {"code": s.locality.code, "pk": s.membership.pk},
    "localities:membership-opt-back-in": lambda w, s: {"code": s.locality.code, "pk": s.membership.pk},
    "funding:review": lambda w, s: {"pk": s.evidence.pk},
    "funding:file": lambda w, s: {"public_id": s.file.public_id},
    "funding:item": lambda w, s: {"code": s.locality.code, "item_id": s.item.pk},
    "funding:run": lambda w, s: {"pk": world_run(w, s).pk},
    "funding:run-step": lambda w, s: {"pk": world_run(w, s).pk, "step": "lock"},
    "funding:run-export": lambda w, s: {"pk": world_run(w, s).pk, "filename": "schedule.csv"},
    "funding:remittance": lambda w, s: {"run_pk": world_paid_run(s).pk, "code": s.locality.code},
    "funding:remittance-pdf": lambda w, s: {"run_pk": world_paid_run(s).pk, "code": s.locality.code},
    "funding:practice-money": lambda w, s: {"pk": s.practice.pk},
    "funding:release": lambda w, s: {"pk": world_release(w, s).pk},
    "funding:release-step": lambda w, s: {"pk": world_release(w, s).pk, "step": "approve"},
    "api:release": lambda w, s: {"pk": world_release(w, s).pk},
    "api:payment-run": lambda w, s: {"pk": world_run(w, s).pk},
    "api:ia-quarter": lambda w, s: {"pk": world_quarter(w, s).pk},
    "api-tokens:revoke": lambda w, s: {"pk": someone_elses_token(w, s).pk},
    "ballots:detail": lambda w, s: {"pk": w.ballot.pk},
    "ballots:record": lambda w, s: {"pk": w.ballot.pk},
    "ballots:results": lambda w, s: {"pk": w.ballot.pk},
    "ballots:certify": lambda w, s: {"pk": w.ballot.pk},
    "improved_access:plan": lambda w, s: {"code": s.locality.code, "phase": 1},
    "improved_access:declaration": lambda w, s: {"code": s.locality.code, "phase": 1, "kind": "advertising"},
    "admin:view_on_site": lambda w, s: {
        "content_type_id": ContentType.objects.get_for_model(s.locality).pk,
        "object_id": s.locality.pk,
    },
    "admin:app_list": lambda w, s: {"app_label": "localities"},
    "admin/(?P<url>.*)$": lambda w, s: {"url": "no-such-page/"},
}


def url_for(pattern: Pattern, world, side) -> str:
    if not pattern.params:
        return reverse(pattern.name)
    builder = KWARGS.get(pattern.name, locality_code if pattern.params == ("code",) else None)
    assert builder, f"{pattern.name}: add a KWARGS builder for its parameters {pattern.params}"
    kwargs = builder(world, side)
    if pattern.name.startswith("admin/"):
        return "/admin/" + kwargs["url"]
    return reverse(pattern.name, kwargs=kwargs)


LOGIN_URLS = ("/accounts/login/", "/admin/login/")


def answer(client, url: str) -> str:
    response = client.get(url)
    if response.status_code == 302 and response.url.startswith(LOGIN_URLS):
        return "login"
    return str(response.status_code)


def is_about_a_locality(pattern: Pattern) -> bool:
    if pattern.name in ("funding:run", "funding:run-step", "funding:run-export", "api:payment-run"):
        return True  # a payment run of the person's own CCG, and another's
    return "code" in pattern.params or pattern.name in (
        "funding:review",
        "funding:file",
        "funding:practice-money",
        "funding:release",
        "funding:release-step",
        "api:release",
        "api:ia-quarter",
    )


def answers_about(client, pattern: Pattern, world) -> str:
    """One answer, or "own/other" where the person's own locality and another differ."""
    if not is_about_a_locality(pattern):
        return answer(client, url_for(pattern, world, world.own))
    own, other = (answer(client, url_for(pattern, world, side)) for side in (world.own, world.other))
    return own if own == other else f"{own}/{other}"


@pytest.fixture
def world():
    return build_world()


def client_for(client, world, person):
    if person != ANONYMOUS:
        login_verified(client, world.users[person])
    return client


def portal_patterns() -> list[Pattern]:
    return [pattern for pattern in all_patterns() if pattern.admin_model is None]


def test_it_has_an_answer_for_every_url_pattern():
    missing = [p.name for p in all_patterns() if p.admin_model is None and p.name not in MATRIX]
    missing += sorted({p.admin_model for p in all_patterns() if p.admin_model and p.admin_model not in ADMIN_VIEWERS})
    assert not missing, f"add these to the access matrix: {missing}"
    stale = set(MATRIX) - {p.name for p in all_patterns()}
    assert not stale, f"the matrix names patterns that no longer exist: {stale}"


@pytest.mark.parametrize("person", PEOPLE, ids=lambda p: COLUMN_OF[p])
def test_it_answers_each_person_as_the_matrix_says(client, world, person):
    client = client_for(client, world, person)
    column = COLUMN_OF[person]
    observed, wrong = {}, []
    for pattern in portal_patterns():
        got = answers_about(client, pattern, world)
        observed[pattern.name] = got
        expected = MATRIX.get(pattern.name, {}).get(column)
        if got != expected:
            wrong.append(f"{pattern.name}: expected {expected}, got {got}")
    if os.environ.get("MATRIX_PRINT"):
        print(f"\n--- {column}\n" + "\n".join(f"{name:40}{got}" for name, got in observed.items()))
    assert not wrong, f"{column}:\n  " + "\n  ".join(wrong)


@pytest.mark.parametrize("person", PEOPLE, ids=lambda p: COLUMN_OF[p])
def test_the_read_api_refuses_every_post(client, world, person):
    """A POST to the read API: 405 to whoever may read it (about any side), the GET's refusal to anyone else."""
    client = client_for(client, world, person)
    wrong = []
    for pattern in portal_patterns():
        if not pattern.name.startswith("api:"):
            continue
        got_get = MATRIX[pattern.name][COLUMN_OF[person]].split("/")[0]
        expected = "405" if got_get == "200" else got_get
        for side in (world.own, world.other):
            got = str(client.post(url_for(pattern, world, side), {"state": "paid"}).status_code)
            if got != expected:
                wrong.append(f"POST {pattern.name}: expected {expected}, got {got}")
    assert not wrong, f"{COLUMN_OF[person]}:\n  " + "\n  ".join(wrong)


def admin_object_kwargs(pattern: Pattern) -> tuple[list, dict]:
    model = apps.get_model(pattern.admin_model)
    obj = model._default_manager.order_by("pk").first()
    pk = str(obj.pk) if obj else "0"
    values = {"object_id": pk, "pk": pk, "id": pk, "format": "csv", "step": "preview", "kind": "csv"}
    if pattern.params and all(param in values for param in pattern.params):
        return [], {param: values[param] for param in pattern.params}
    if "([^/]+)" in pattern.route:  # django-simple-history's unnamed (object, history record) groups
        history = model.history.order_by("pk").first() if hasattr(model, "history") else None
        return [pk, str(history.pk if history else 0)], {}
    assert not pattern.params, f"{pattern.name}: add a value for {pattern.params} in admin_object_kwargs"
    return [], {}


def admin_url(pattern: Pattern) -> str:
    args, kwargs = admin_object_kwargs(pattern)
    if pattern.name.startswith("admin:"):
        return reverse(pattern.name, args=args, kwargs=kwargs)
    # A nameless pattern (the model admin's "<object_id>/" redirect): build it from the route.
    route = pattern.route
    for param, value in kwargs.items():
        route = route.replace(f"<path:{param}>", value)
    return "/" + route


@pytest.mark.parametrize("person", PEOPLE, ids=lambda p: COLUMN_OF[p])
def test_it_opens_each_model_admin_to_the_roles_that_may_see_it(client, world, person):
    client = client_for(client, world, person)
    wrong = []
    for pattern in all_patterns():
        if pattern.admin_model is None:
            continue
        url = admin_url(pattern)
        got = answer(client, url)
        if pattern.admin_model not in ADMIN_VIEWERS:
            wrong.append(f"{pattern.admin_model}: not in ADMIN_VIEWERS")
            continue
        viewers = ADMIN_VIEWERS[pattern.admin_model]
        if os.environ.get("MATRIX_PRINT") and pattern.name.endswith("_changelist"):
            print(f"{COLUMN_OF[person]:12} {pattern.admin_model:40} {got}")
        if person == ANONYMOUS or person not in ADMIN_STAFF:
            allowed = {"login"}
        elif pattern.name.endswith("_changelist"):
            allowed = {"200"} if person in viewers else {"403"}
        elif person in viewers:
            allowed = {"200", "302", "403", "404", "405"}
        else:
            allowed = {"302", "403", "404", "405"}
        if got not in allowed:
            wrong.append(f"{url} ({pattern.name}): expected one of {sorted(allowed)}, got {got}")
    assert not wrong, f"{COLUMN_OF[person]}:\n  " + "\n  ".join(wrong)


def test_it_lists_every_registered_model_admin():
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered == set(ADMIN_VIEWERS), "update ADMIN_VIEWERS"
