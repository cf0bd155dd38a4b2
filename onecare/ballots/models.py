"""Practice ballots: one vote per practice, on a question or for candidates to fill seats, and decisions they ratify."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from onecare import constraints as worded


class BallotKind(models.TextChoices):
    QUESTION = "question", "A question (yes or no)"
    ELECTION = "election", "An election of representatives"


class ElectorateKind(models.TextChoices):
    ONECARE_MEMBERS = "onecare", "All One Care member practices"
    LOCALITY = "locality", "The member practices of one locality"


class BallotStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed, awaiting certification"
    CERTIFIED = "certified", "Certified"


class Ballot(models.Model):
    """A vote of practices. Its status changes only in ballots.transitions; a certified ballot is final."""

    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=BallotKind.choices, default=BallotKind.QUESTION)
    question = models.TextField(blank=True, help_text="For a question: what practices answer yes or no to.")
    seats = models.PositiveSmallIntegerField(default=0, help_text="For an election: how many are elected.")
    electorate = models.CharField(max_length=10, choices=ElectorateKind.choices)
    locality = models.ForeignKey(
        "localities.Locality", null=True, blank=True, on_delete=models.PROTECT, related_name="ballots"
    )
    opens_at = models.DateTimeField()
    postal_deadline = models.DateField(help_text="Postal and online votes must be received on or before this day.")
    meeting_date = models.DateField(null=True, blank=True, help_text="The general meeting where practices may vote.")
    population_date = models.DateField(
        null=True,
        blank=True,
        help_text="Registered population for turnout is counted at this date (the opening date when blank).",
    )
    status = models.CharField(max_length=10, choices=BallotStatus.choices, default=BallotStatus.DRAFT, editable=False)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    certified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    certified_at = models.DateTimeField(null=True, blank=True, editable=False)
    certified_result = models.JSONField(null=True, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-opens_at"]
        constraints = [
            worded.CheckConstraint(
                condition=Q(electorate="locality", locality__isnull=False)
                | Q(electorate="onecare", locality__isnull=True),
                name="ballot_locality_matches_electorate",
            ),
            worded.CheckConstraint(condition=Q(kind="question") | Q(seats__gte=1), name="election_has_seats"),
            worded.CheckConstraint(
                condition=Q(meeting_date__isnull=True) | Q(meeting_date__gte=models.F("postal_deadline")),
                name="meeting_not_before_postal_deadline",
            ),
            worded.CheckConstraint(
                condition=~Q(status="certified") | Q(certified_by__isnull=False, certified_at__isnull=False),
                name="certified_ballot_has_certifier",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_election(self) -> bool:
        return self.kind == BallotKind.ELECTION

    @property
    def counted_at(self) -> datetime.date:
        """The date registered population is counted at for turnout."""
        return self.population_date or self.opens_at.date()

    @property
    def last_voting_day(self) -> datetime.date:
        return self.meeting_date or self.postal_deadline

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.electorate == ElectorateKind.LOCALITY and not self.locality_id:
            errors["locality"] = "Choose the locality whose practices vote."
        if self.electorate == ElectorateKind.ONECARE_MEMBERS and self.locality_id:
            errors["locality"] = "A ballot of all One Care members has no locality."
        if self.kind == BallotKind.ELECTION and not self.seats:
            errors["seats"] = "An election fills at least one seat."
        if self.kind == BallotKind.QUESTION and not self.question.strip():
            errors["question"] = "Write the question practices answer."
        if self.opens_at and self.postal_deadline and self.postal_deadline < self.opens_at.date():
            errors["postal_deadline"] = "The postal deadline cannot be before the ballot opens."
        if self.meeting_date and self.postal_deadline and self.meeting_date < self.postal_deadline:
            errors["meeting_date"] = "The meeting cannot be before the postal deadline."
        if errors:
            raise ValidationError(errors)


class Elector(models.Model):
    """A practice entitled to vote in a ballot, fixed when the ballot opens, with its registered patients then."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="electors")
    practice = models.ForeignKey("localities.Practice", on_delete=models.PROTECT, related_name="+")
    registered_patients = models.PositiveIntegerField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["ballot", "practice__name"]
        constraints = [worded.UniqueConstraint(fields=["ballot", "practice"], name="one_elector_per_practice")]

    def __str__(self) -> str:
        return f"{self.practice} in {self.ballot}"


class Candidate(models.Model):
    """A person nominated in an election."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="candidates")
    name = models.CharField(max_length=200)
    practice = models.ForeignKey(
        "localities.Practice", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    nominated_by = models.CharField(max_length=200, blank=True, help_text="Who nominated them (and who seconded).")
    nominated_on = models.DateField(null=True, blank=True)
    statement = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["ballot", "name"]
        constraints = [worded.UniqueConstraint(fields=["ballot", "name"], name="candidate_name_unique_in_ballot")]

    def __str__(self) -> str:
        return self.name


class Answer(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    ABSTAIN = "abstain", "Abstain"


class Channel(models.TextChoices):
    ONLINE = "online", "Online"
    POSTAL = "postal", "Postal"
    MEETING = "meeting", "At the general meeting"


class Vote(models.Model):
    """A practice's one vote in a ballot: the unique constraint is the guard that no second vote is kept."""

    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="votes")
    practice = models.ForeignKey("localities.Practice", on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    answer = models.CharField(max_length=10, choices=Answer.choices, blank=True)
    received_on = models.DateField(help_text="The day the vote was received (postal) or cast.")
    cast_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["ballot", "recorded_at"]
        constraints = [worded.UniqueConstraint(fields=["ballot", "practice"], name="one_vote_per_practice")]

    def __str__(self) -> str:
        return f"{self.practice_id} in ballot {self.ballot_id} ({self.get_channel_display().lower()})"


class VoteMark(models.Model):
    """One candidate marked on an election vote; a practice marks up to as many candidates as there are seats."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="marks")
    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="marks")

    history = HistoricalRecords()

    class Meta:
        constraints = [worded.UniqueConstraint(fields=["vote", "candidate"], name="one_mark_per_candidate")]

    def __str__(self) -> str:
        return f"Vote {self.vote_id} for candidate {self.candidate_id}"


class DecisionOutcome(models.TextChoices):
    PENDING = "pending", "Awaiting the ballot"
    RATIFIED = "ratified", "Ratified"
    REJECTED = "rejected", "Not ratified"
    NO_BALLOT = "recorded", "Recorded without a ballot"


class Decision(models.Model):
    """An entry in a locality's decisions log: what was decided, the ballot that ratified it, and the outcome."""

    locality = models.ForeignKey("localities.Locality", on_delete=models.PROTECT, related_name="decisions")
    text = models.TextField("decision")
    decided_on = models.DateField(null=True, blank=True)
    ballot = models.ForeignKey(Ballot, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(
        max_length=10, choices=DecisionOutcome.choices, default=DecisionOutcome.PENDING, editable=False
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["locality__name", "-decided_on", "pk"]

    def __str__(self) -> str:
        return f"{self.locality}: {self.text[:60]}"
