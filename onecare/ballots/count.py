"""Counting: a question's yes and no, an election by plurality (ties reported, never broken), and turnout."""

from dataclasses import asdict, dataclass, field

from django.db.models import Count, IntegerField, Q, Sum, Value
from django.db.models.functions import Coalesce

from .models import Answer, Ballot, Vote


@dataclass(frozen=True)
class Turnout:
    electors: int
    voted: int
    population: int
    population_voted: int
    practices_without_figure: int

    @property
    def practice_percent(self) -> float:
        return round(100 * self.voted / self.electors, 1) if self.electors else 0.0

    @property
    def population_percent(self) -> float:
        return round(100 * self.population_voted / self.population, 1) if self.population else 0.0


def turnout(ballot: Ballot) -> Turnout:
    """Practices that voted out of the electorate, and the registered patients they hold, in one query."""
    zero = Value(0, output_field=IntegerField())
    voted = Q(practice_id__in=Vote.objects.filter(ballot=ballot).values("practice_id"))
    figures = ballot.electors.aggregate(
        electors=Count("pk"),
        voted=Count("pk", filter=voted),
        population=Coalesce(Sum("registered_patients"), zero),
        population_voted=Coalesce(Sum("registered_patients", filter=voted), zero),
        practices_without_figure=Count("pk", filter=Q(registered_patients__isnull=True)),
    )
    return Turnout(**figures)


@dataclass(frozen=True)
class QuestionResult:
    yes: int
    no: int
    abstain: int

    @property
    def carried(self) -> bool:
        """Carried on a simple majority of the practices that voted yes or no."""
        return self.yes > self.no

    @property
    def outcome(self) -> str:
        """The certified outcome: shown only once the scrutineer has certified the count."""
        if self.yes == self.no:
            return "Tied: not carried"
        return "Carried" if self.carried else "Not carried"

    @property
    def provisional_outcome(self) -> str:
        """Before certification: which answer is leading, never "Carried"."""
        if self.yes == self.no:
            return "Yes and no are level"
        return "Yes is leading" if self.carried else "No is leading"


def count_question(ballot: Ballot) -> QuestionResult:
    counts = Vote.objects.filter(ballot=ballot).aggregate(
        **{answer.value: Count("pk", filter=Q(answer=answer)) for answer in Answer}
    )
    return QuestionResult(**counts)


@dataclass(frozen=True)
class CandidateTally:
    name: str
    votes: int


@dataclass(frozen=True)
class ElectionResult:
    seats: int
    tallies: list[CandidateTally]
    elected: list[str] = field(default_factory=list)
    tied: list[str] = field(default_factory=list)  # tied for the last seat(s): for the returning officer to resolve
    tied_seats: int = 0

    @property
    def has_tie(self) -> bool:
        return bool(self.tied)


def plurality(seats: int, tallies: list[CandidateTally]) -> ElectionResult:
    """The `seats` candidates with most votes; candidates tied across the last seat are reported, not elected."""
    ordered = sorted(tallies, key=lambda t: (-t.votes, t.name))
    elected, tied = [], []
    remaining = seats
    position = 0
    while position < len(ordered) and remaining > 0:
        votes = ordered[position].votes
        group = [t for t in ordered[position:] if t.votes == votes]
        if votes == 0:
            break
        if len(group) <= remaining:
            elected.extend(t.name for t in group)
            remaining -= len(group)
        else:
            tied = [t.name for t in group]
            break
        position += len(group)
    return ElectionResult(seats=seats, tallies=ordered, elected=elected, tied=tied, tied_seats=remaining if tied else 0)


def count_election(ballot: Ballot) -> ElectionResult:
    candidates = ballot.candidates.annotate(votes=Count("marks")).order_by("name")
    return plurality(ballot.seats, [CandidateTally(c.name, c.votes) for c in candidates])


def result_of(ballot: Ballot) -> QuestionResult | ElectionResult:
    return count_election(ballot) if ballot.is_election else count_question(ballot)


def result_as_data(ballot: Ballot) -> dict:
    """What certification freezes: the count and the turnout, as plain data."""
    result = result_of(ballot)
    data = asdict(result)
    if isinstance(result, QuestionResult):
        data["outcome"] = result.outcome
        data["carried"] = result.carried
    data["turnout"] = asdict(turnout(ballot))
    return data
