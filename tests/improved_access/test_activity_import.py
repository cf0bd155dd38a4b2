import datetime
import io

import pytest

from improved_access.activity import ActivityRejected, activity_import, utilisation
from improved_access.models import ActivityReturn, Appointment
from improved_access.quarters import Quarter
from onecare.accounts.roles import Role
from tests.onecare.factories import UserFactory

from .factories import PlanFactory, week

Q1 = Quarter(2018, 1)
HEADER = "date,site,slot_start,minutes,booked,attended,did_not_attend\n"
GOOD = (
    "2018-04-02,Central hub,18:30,15,1,1,0\n"
    "2018-04-02,Central hub,18:45,15,1,0,1\n"
    "2018-04-07,central HUB,09:00,15,0,0,0\n"
)


@pytest.fixture
def plan(locality):
    plan = PlanFactory(locality=locality)
    week(plan)
    return plan


@pytest.fixture
def lead(locality):
    return UserFactory(role=Role.LOCALITY_LEAD, locality=locality)


def upload(locality, lead, text, quarter=Q1):
    data = text if isinstance(text, bytes) else text.encode()
    return activity_import(locality, quarter, io.BytesIO(data), actor=lead, file_name="activity.csv")


def rejected(locality, lead, text) -> list[str]:
    with pytest.raises(ActivityRejected) as caught:
        upload(locality, lead, text)
    assert not Appointment.objects.exists()
    return caught.value.lines()


def test_it_imports_a_return(plan, locality, lead):
    activity_return = upload(locality, lead, HEADER + GOOD)
    assert activity_return.rows == 3
    assert Appointment.objects.filter(site="Central hub").count() == 3
    assert activity_return.history.first().history_user == lead


def test_it_replaces_the_quarters_previous_return(plan, locality, lead):
    first = upload(locality, lead, HEADER + GOOD)
    upload(locality, lead, HEADER + GOOD.splitlines(keepends=True)[0])
    first.refresh_from_db()
    assert first.superseded
    assert ActivityReturn.objects.filter(superseded=False).get().rows == 1


def test_it_works_out_utilisation_per_session_and_quarter(plan, locality, lead):
    upload(locality, lead, HEADER + GOOD)
    total, sessions = utilisation(locality, Q1)
    assert (total.slots, total.booked, total.attended, total.did_not_attend) == (3, 2, 1, 1)
    assert total.percent == 66 and total.attendance_percent == 50
    assert [(s.label, s.slots, s.percent) for s in sessions] == [
        ("Monday 18:30-20:00 at Central hub", 2, 100),
        ("Saturday 09:00-13:00 at Central hub", 1, 0),
    ]


def test_it_refuses_the_wrong_type_of_file(plan, locality, lead):
    assert "PDF" in rejected(locality, lead, b"%PDF-1.4 binary")[0]


def test_it_refuses_an_empty_file(plan, locality, lead):
    assert rejected(locality, lead, b"") == ["The file is empty."]


def test_it_refuses_a_header_only(plan, locality, lead):
    assert rejected(locality, lead, HEADER) == ["The file has a header but no rows of activity."]


def test_it_refuses_a_missing_column(plan, locality, lead):
    text = "date,site,slot_start,minutes,booked,attended\n2018-04-02,Central hub,18:30,15,1,1\n"
    assert rejected(locality, lead, text)[0].startswith("The header has no did_not_attend column")


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("2018-04-02,Central hub,18:30,15,-1,0,0", "line 2, booked: -1 is negative: a count cannot be below 0."),
        ("2018-04-02,Central hub,18:30,15,1.5,0,0", "line 2, booked: '1.5' is not a whole number."),
        ("2018-04-02,Central hub,18:30,fifteen,1,0,0", "line 2, minutes: 'fifteen' is not a whole number."),
        ("2018-04-02,Central hub,18:30,15,1,2,0", "line 2, attended: 2 attended is more than the 1 booked."),
        ("2018-04-02,Central hub,18:30,15,1,1,1", "line 2, did_not_attend: 1 attended and 1 did not attend"),
        ("2018-03-31,Central hub,18:30,15,1,1,0", "line 2, date: 31/03/2018 is outside 2018Q1 (April to June 2018)."),
        ("2018-07-01,Central hub,18:30,15,1,1,0", "line 2, date: 01/07/2018 is outside 2018Q1"),
        ("2018-04-02,Nowhere Surgery,18:30,15,1,1,0", "line 2, site: 'Nowhere Surgery' is not a site"),
        ("2018-04-02,Central hub,6.30pm,15,1,1,0", "line 2, slot_start: '6.30pm' is not a time of day"),
        ("2018-04-02,Central hub,18:30,0,0,0,0", "line 2, minutes: a slot lasts at least 1 minute."),
        ("not a date,Central hub,18:30,15,1,1,0", "line 2, date: 'not a date' is not a date"),
    ],
)
def test_it_refuses_a_bad_row_with_its_line(plan, locality, lead, row, problem):
    lines = rejected(locality, lead, HEADER + row + "\n")
    assert lines[0] == "Nothing was imported: 1 problem(s) in the rows."
    assert lines[1].startswith(problem)


def test_it_reports_every_bad_line_and_imports_none(plan, locality, lead):
    text = HEADER + GOOD + "2018-04-02,Central hub,18:30,15,1,2,0\n" + GOOD + "2018-04-02,Central hub,18:30,15,x,0,0\n"
    lines = rejected(locality, lead, text)
    assert [line.split(",")[0] for line in lines[1:]] == ["line 5", "line 9"]
    assert not ActivityReturn.objects.exists()


def test_it_reads_other_date_spellings_and_header_case(plan, locality, lead):
    text = "Date,Site,Slot start,Minutes,Booked,Attended,Did not attend\n03/04/2018,Central hub,18:30,15,1,1,0\n"
    assert upload(locality, lead, text).rows == 1
    assert Appointment.objects.get().date == datetime.date(2018, 4, 3)
