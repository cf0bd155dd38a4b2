"""Every change of an evidence's status, one function each: nothing else assigns Evidence.status.

Each takes the acting user as actor=, locks the row, returns quietly when the change is already
made, raises TransitionNotAllowed when the actor or the state does not allow it, and records an
EvidenceTransition (who, when, from, to, why).
"""

from collections.abc import Sequence

from django.db import DatabaseError, transaction
from django.utils import timezone

from localities.models import Locality
from onecare.races import at_the_same_moment, lost_race, wait_no_longer
from onecare.tasks_queue import enqueue_on_commit

from . import permissions
from .models import ChecklistItem, EvaluationRequest, Evidence, EvidenceFile, EvidenceStatus, EvidenceTransition
from .uploads import CheckedUpload
from .workflow import EVIDENCE


class TransitionNotAllowed(Exception):
    """The actor may not make this change, or the evidence is not in a state that allows it."""


def _locked(locality: Locality, item: ChecklistItem) -> Evidence:
    evidence, _ = Evidence.objects.get_or_create(locality=locality, item=item)
    wait_no_longer()
    return Evidence.objects.select_for_update(of=("self",)).select_related("locality").get(pk=evidence.pk)


def _answering_races(what: str, item_number):
    """A lost race (onecare.races) answered as TransitionNotAllowed, in words (item_number called only then)."""
    return lost_race(
        TransitionNotAllowed,
        lambda: at_the_same_moment(f"The evidence for item {item_number()}", what),
    )


def _record(evidence: Evidence, *, to: EvidenceStatus, actor, at, reason: str = "") -> EvidenceTransition:
    from_status = evidence.status
    evidence.status = to
    evidence._change_reason = reason or EVIDENCE.label_to(to)
    evidence.save()
    return EvidenceTransition.objects.create(
        evidence=evidence,
        from_status=from_status,
        to_status=to,
        actor=actor,
        at=at,
        reason=reason,
        statement=evidence.statement,
    )


def _attach(evidence: Evidence, files: Sequence[CheckedUpload], *, actor, at, written: list) -> None:
    """Store the files and their rows; `written` collects each stored file, for removal if the transaction fails."""
    for upload in files:
        stored = EvidenceFile(
            evidence=evidence,
            original_name=upload.original_name,
            content_type=upload.content_type,
            size=upload.size,
            uploaded_by=actor,
            uploaded_at=at,
        )
        stored.file.save(f"upload.{upload.extension}", upload.file, save=False)
        written.append(stored.file)
        stored.save()


def _write(
    transition: str, locality: Locality, item: ChecklistItem, *, actor, statement: str, files: Sequence[CheckedUpload]
) -> Evidence:
    if not (actor.has_role(*EVIDENCE.step(transition).roles) and permissions.works_in(actor, locality)):
        raise TransitionNotAllowed("Only the locality's practice managers and leads can change its evidence.")
    now = timezone.now()
    written = []
    try:
        with _answering_races("changed", lambda: item.number):
            evidence = _write_in_transaction(
                transition, locality, item, actor=actor, statement=statement, files=files, now=now, written=written
            )
    except BaseException:
        for stored in written:  # their rows went with the transaction: the files go too, leaving nothing behind
            stored.delete(save=False)
        raise
    if transition == "submit":
        from .tasks import evidence_submitted_notify

        enqueue_on_commit(evidence_submitted_notify, evidence.pk)
    return evidence


def _write_in_transaction(
    transition: str, locality: Locality, item: ChecklistItem, *, actor, statement: str, files, now, written: list
) -> Evidence:
    with transaction.atomic():
        evidence = _locked(locality, item)
        target = EVIDENCE.step(transition).target
        if transition == "submit" and evidence.status == target:
            return evidence
        allowed, reason = permissions.can_write(actor, evidence, transition)
        if not allowed:
            raise TransitionNotAllowed(reason)
        statement = statement.strip()
        if transition == "submit" and not statement:
            raise TransitionNotAllowed("Write a statement before you submit the evidence.")
        changed = statement != evidence.statement or bool(files)
        evidence.statement = statement
        _attach(evidence, files, actor=actor, at=now, written=written)
        if transition == "submit":
            evidence.submitted_by = actor
            evidence.submitted_at = now
        if evidence.status != target:
            _record(evidence, to=target, actor=actor, at=now)
        elif changed:
            evidence._change_reason = "Draft saved"
            evidence.save()
    return evidence


def evidence_save_draft(
    locality: Locality, item: ChecklistItem, *, actor, statement: str, files: Sequence[CheckedUpload] = ()
) -> Evidence:
    """Keep the locality's work in progress; a returned item becomes a draft again."""
    return _write("save_draft", locality, item, actor=actor, statement=statement, files=files)


def evidence_submit(
    locality: Locality, item: ChecklistItem, *, actor, statement: str, files: Sequence[CheckedUpload] = ()
) -> Evidence:
    """Send the evidence to the locality's commissioners for review (also a resubmission after a return)."""
    return _write("submit", locality, item, actor=actor, statement=statement, files=files)


def evidence_file_remove(stored: EvidenceFile, *, actor) -> Evidence:
    """Take one file out of a draft (or returned) evidence, after the person confirmed it: the row goes (its history
    keeps who removed it), the stored file is deleted once the transaction commits. Removing it twice is quiet."""
    with _answering_races("changed", lambda: stored.evidence.item.number), transaction.atomic():
        wait_no_longer()
        evidence = (
            Evidence.objects.select_for_update(of=("self",))
            .select_related("locality", "item")
            .get(pk=stored.evidence_id)
        )
        if evidence.status not in (EvidenceStatus.DRAFT, EvidenceStatus.RETURNED):
            raise TransitionNotAllowed(
                f"Evidence that is {evidence.get_status_display().lower()} cannot be changed: "
                "files can be removed only from a draft."
            )
        allowed, reason = permissions.can_save_draft(actor, evidence)
        if not allowed:
            raise TransitionNotAllowed(reason)
        current = EvidenceFile.objects.filter(pk=stored.pk, evidence=evidence).first()
        if current is None:
            return evidence
        name, storage = current.file.name, current.file.storage
        current._history_user = actor
        current.delete()
        evidence._change_reason = f"File removed: {current.download_name}"
        evidence.save()
        transaction.on_commit(lambda: storage.delete(name))
    return evidence


def _review(evidence: Evidence, transition: str, *, actor, reason: str = "") -> tuple[Evidence, bool]:
    now = timezone.now()
    wait_no_longer()
    evidence = Evidence.objects.select_for_update(of=("self",)).select_related("locality", "item").get(pk=evidence.pk)
    target = EVIDENCE.step(transition).target
    if not permissions.can_review_locality(actor, evidence.locality):
        raise TransitionNotAllowed("Only a commissioner for this locality can review its evidence.")
    if evidence.status == target:
        if evidence.reviewed_by_id in (None, actor.pk):
            return evidence, False
        by = evidence.reviewed_by
        raise TransitionNotAllowed(
            f"The evidence for item {evidence.item.number} was {target.label.lower()} by someone else "
            f"({by.get_full_name() or by.get_username()}, {timezone.localtime(evidence.reviewed_at):%d/%m/%Y at %H:%M})"
            ": yours was not needed, and nothing was changed."
        )
    allowed, why = permissions.can_review(actor, evidence)
    if not allowed:
        raise TransitionNotAllowed(why)
    evidence.reviewed_by = actor
    evidence.reviewed_at = now
    evidence.return_reason = reason
    _record(evidence, to=target, actor=actor, at=now, reason=reason)
    return evidence, True


def _item_number(evidence: Evidence) -> str:
    try:
        return Evidence.objects.filter(pk=evidence.pk).values_list("item__number", flat=True).first() or "?"
    except DatabaseError:
        return "?"


def evidence_accept(evidence: Evidence, *, actor) -> Evidence:
    """Accept submitted evidence, and in the same transaction ask payments to evaluate the locality's milestones."""
    with _answering_races("reviewed", lambda: _item_number(evidence)), transaction.atomic():
        evidence, changed = _review(evidence, "accept", actor=actor)
        if changed:
            EvaluationRequest.objects.create(
                locality=evidence.locality, evidence=evidence, requested_by=actor, requested_at=evidence.reviewed_at
            )
    if changed:
        from .tasks import evaluate_milestones, evidence_reviewed_notify

        enqueue_on_commit(evidence_reviewed_notify, evidence.pk)
        # The outbox row above is the guarantee; this is the fast path (the sweep catches a lost task).
        # evidence_id: the acceptor triggered it for this locality only (funding/MONEY.md, "Approvals").
        enqueue_on_commit(
            evaluate_milestones,
            triggered_by_id=actor.pk,
            trigger=f"evidence {evidence.pk} accepted",
            evidence_id=evidence.pk,
        )
    return evidence


def evidence_return(evidence: Evidence, *, actor, reason: str) -> Evidence:
    """Send submitted evidence back to the locality with the reason (required), to be resubmitted."""
    reason = (reason or "").strip()
    if not reason:
        raise TransitionNotAllowed("Give the reason the evidence is being returned.")
    with _answering_races("reviewed", lambda: _item_number(evidence)), transaction.atomic():
        evidence, changed = _review(evidence, "return", actor=actor, reason=reason)
    if changed:
        from .tasks import evidence_reviewed_notify

        enqueue_on_commit(evidence_reviewed_notify, evidence.pk)
    return evidence


def evidence_follow(
    locality: Locality, item: ChecklistItem, *, to: EvidenceStatus, actor, statement: str, reason: str = ""
) -> Evidence:
    """The evidence of an item that is another record takes that record's review: the Improved Access plan is the
    evidence for items 1.7 and 2.4 (improved_access.transitions calls this inside the plan's transaction).

    Not a review of its own (permissions.evidenced_elsewhere refuses those): the same status, person and time as
    the plan's, and the same record of it (EvidenceTransition, history); an acceptance asks payments to evaluate the
    locality's milestones as evidence_accept does. Returns quietly when the evidence is already in that state.
    """
    now = timezone.now()
    evidence = _locked(locality, item)
    if evidence.status == to:
        return evidence
    evidence.statement = statement
    if to == EvidenceStatus.SUBMITTED:
        evidence.submitted_by, evidence.submitted_at = actor, now
        evidence.return_reason = ""
    elif to in (EvidenceStatus.ACCEPTED, EvidenceStatus.RETURNED):
        evidence.reviewed_by, evidence.reviewed_at = actor, now
        evidence.return_reason = reason if to == EvidenceStatus.RETURNED else ""
    _record(evidence, to=to, actor=actor, at=now, reason=reason)
    if to == EvidenceStatus.ACCEPTED:
        EvaluationRequest.objects.create(locality=locality, evidence=evidence, requested_by=actor, requested_at=now)
        from .tasks import evaluate_milestones

        enqueue_on_commit(
            evaluate_milestones,
            triggered_by_id=actor.pk,
            trigger=f"evidence {evidence.pk} accepted",
            evidence_id=evidence.pk,
        )
    return evidence


def evidence_reopen(evidence: Evidence, *, actor, reason: str) -> Evidence:
    """Return accepted evidence to the locality to be put right, with the reason (required), after a release it
    opened was rejected: once resubmitted and accepted again, the evaluation proposes that tranche again."""
    reason = (reason or "").strip()
    if not reason:
        raise TransitionNotAllowed("Give the reason the evidence is being returned.")
    with _answering_races("reviewed", lambda: _item_number(evidence)), transaction.atomic():
        now = timezone.now()
        wait_no_longer()
        evidence = (
            Evidence.objects.select_for_update(of=("self",)).select_related("locality", "item").get(pk=evidence.pk)
        )
        if evidence.status == EvidenceStatus.RETURNED and evidence.reviewed_by_id == actor.pk:
            return evidence
        allowed, why = permissions.can_reopen(actor, evidence)
        if not allowed:
            raise TransitionNotAllowed(why)
        evidence.reviewed_by, evidence.reviewed_at, evidence.return_reason = actor, now, reason
        _record(evidence, to=EvidenceStatus.RETURNED, actor=actor, at=now, reason=reason)
    from .tasks import evidence_reviewed_notify

    enqueue_on_commit(evidence_reviewed_notify, evidence.pk)
    return evidence
