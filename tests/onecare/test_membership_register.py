import csv
import datetime
import io

from django.urls import reverse

from onecare.accounts.roles import Role
from onecare.membership.exports import safe_cell
from onecare.membership.register import register_totals
from tests.localities.factories import ListSizeFactory
from tests.onecare.factories import PASSWORD, UserFactory

from .onecare_factories import MemberFactory, onecare_staff, scrutineer

AT = datetime.date(2018, 1, 1)


def members():
    paid = MemberFactory()
    unpaid = MemberFactory(share_paid_on=None)
    invited = MemberFactory(invited=True)
    for member, patients in ((paid, 8_000), (unpaid, 5_000), (invited, 9_000)):
        ListSizeFactory(practice=member.practice, registered_patients=patients)
    return paid, unpaid, invited


def test_it_totals_members_shares_and_population():
    members()
    totals = register_totals(AT)
    assert (totals.practices, totals.members, totals.invited, totals.shares_paid) == (3, 2, 1, 1)
    assert totals.population_covered == 13_000


def test_it_keeps_the_history_of_a_change_of_lead():
    member = MemberFactory(lead_name="Dr Old")
    member.lead_name = "Dr New"
    member.save()
    assert [h.lead_name for h in member.history.all()] == ["Dr New", "Dr Old"]


def test_it_neutralises_spreadsheet_formulae():
    for text in ("=1+2", "+44 117", "-cmd", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(text) == f"'{text}"
    assert safe_cell("Dr Lead") == "Dr Lead"
    assert safe_cell(12_000) == 12_000


def test_it_exports_the_register_as_csv_for_one_care_staff(client):
    paid, _, _ = members()
    paid.lead_name = '=HYPERLINK("http://evil")'
    paid.save()
    client.login(username=onecare_staff().username, password=PASSWORD)
    response = client.get(reverse("membership:register-export") + "?at=2018-01-01")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "ODS code"
    assert len(rows) == 4
    assert '\'=HYPERLINK("http://evil")' in [row[5] for row in rows]


def test_it_shows_the_register_with_totals_to_one_care_staff(client):
    members()
    client.login(username=onecare_staff().username, password=PASSWORD)
    page = client.get(reverse("membership:register") + "?at=2018-01-01")
    assert page.status_code == 200
    assert b"13,000" in page.content


def test_it_keeps_the_register_from_everyone_else(client):
    paid, _, _ = members()
    for user in (
        UserFactory(role=Role.PRACTICE_MANAGER, practice=paid.practice),
        UserFactory(role=Role.DATA_ADMIN),
        scrutineer(),
    ):
        client.login(username=user.username, password=PASSWORD)
        assert client.get(reverse("membership:register")).status_code == 403
        assert client.get(reverse("membership:register-export")).status_code == 403


def test_it_moves_a_member_through_the_register_with_history():
    from onecare.membership.models import MemberStatus
    from onecare.membership.transitions import RegisterError, member_invite, member_update
    from tests.localities.factories import PracticeFactory

    staff = onecare_staff()
    member = member_invite(PracticeFactory(), actor=staff, invited_on=datetime.date(2016, 5, 23))
    assert member_invite(member.practice, actor=staff, invited_on=datetime.date(2017, 1, 1)).pk == member.pk
    member = member_update(
        member,
        actor=staff,
        status=MemberStatus.MEMBER,
        joined_on=datetime.date(2016, 6, 21),
        share_certificate_number="OC0001",
        share_paid_on=datetime.date(2016, 7, 1),
    )
    assert member.history.first().history_user == staff
    assert member_update(member, actor=staff, status=MemberStatus.MEMBER).history.count() == 2
    try:
        member_update(member, actor=staff, status=MemberStatus.INVITED)
    except RegisterError as error:
        assert "cannot become invited" in str(error)
    else:
        raise AssertionError("a member cannot go back to invited")
    try:
        member_update(member, actor=scrutineer(), notes="x")
    except RegisterError as error:
        assert "Only One Care staff" in str(error)
    else:
        raise AssertionError("only staff keep the register")


def test_it_changes_the_register_in_the_admin_through_the_transition(client):
    from django.urls import reverse as admin_reverse

    member = MemberFactory(invited=True)
    staff = onecare_staff()
    client.login(username=staff.username, password=PASSWORD)
    url = admin_reverse("admin:membership_member_change", args=[member.pk])
    assert client.get(url).status_code == 200
    data = {
        "status": "member",
        "invited_on": "2016-05-23",
        "joined_on": "2016-06-21",
        "share_certificate_number": "OC9",
        "share_paid_on": "2016-07-01",
        "lead_name": "Dr New",
        "lead_job_title": "",
        "lead_email": "",
        "lead_phone": "",
        "lead_user": "",
        "notes": "",
        "left_on": "",
    }
    assert client.post(url, data).status_code == 302
    member.refresh_from_db()
    assert (member.status, member.lead_name) == ("member", "Dr New")
    assert member.history.first().history_user == staff


def test_a_new_entry_in_the_admin_starts_invited_and_moves_through_the_transitions(client):
    from django.urls import reverse as admin_reverse

    from onecare.membership.models import Member
    from tests.localities.factories import PracticeFactory

    staff = onecare_staff()
    client.login(username=staff.username, password=PASSWORD)
    url = admin_reverse("admin:membership_member_add")
    blank = dict.fromkeys(["invited_on", "joined_on", "left_on", "share_certificate_number", "share_paid_on"], "")
    blank |= dict.fromkeys(["lead_name", "lead_job_title", "lead_email", "lead_phone", "lead_user", "notes"], "")
    left = PracticeFactory()
    response = client.post(url, {**blank, "practice": left.pk, "status": "left", "left_on": "2017-01-01"})
    assert response.status_code == 200
    assert "A practice that is invited cannot become left." in response.content.decode()
    assert not Member.objects.filter(practice=left).exists()

    joined = PracticeFactory()
    data = {**blank, "practice": joined.pk, "status": "member", "invited_on": "2016-05-23"}
    data |= {"joined_on": "2016-06-21", "share_certificate_number": "OC77"}
    assert client.post(url, data).status_code == 302
    member = Member.objects.get(practice=joined)
    assert member.status == "member"
    reasons = list(member.history.order_by("history_id").values_list("status", "history_change_reason"))
    assert reasons == [("invited", "Invited"), ("member", "Status: Member")]


def test_it_shows_the_register_in_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    for _ in range(5):
        members()
    client.login(username=onecare_staff().username, password=PASSWORD)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("membership:register")).status_code == 200
