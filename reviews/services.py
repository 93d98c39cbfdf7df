"""What a reviewing centre does to an application.

Every status change goes through applications.workflow.set_state; this module adds the
centre's own rules: nothing changes once the centre's batch is sent, the review starts by
itself with the first action, and the decision is saved under an optimistic lock.
"""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from applications.models import Application, Status, visible_status
from applications.workflow import TransitionError, set_state
from audit import trail
from audit.models import Subject
from documents.services import request_application_pdf
from tiku_portal import dates

from .models import Batch, Recommendation, Review

# What the trail keeps of a centre's decision.
DECISION_FIELDS = ["recommendation", "reason", "differs_reason", "opinion"]

BATCH_SENT_MESSAGE = "本中心已报送省中心，如需修改须由省中心重新开放"
# Statuses in which the centre records (or changes) its recommendation.
DECIDABLE = {Status.VERIFIED, Status.RECOMMENDED, Status.NOT_RECOMMENDED}
# Statuses in which the centre still checks the content: return or verify.
CHECKING = {Status.SUBMITTED, Status.IN_REVIEW}


class ReviewConflict(Exception):
    """Someone saved the decision after this form was loaded; `review` holds what they saved."""

    def __init__(self, review: Review):
        who = review.updated_by or "其他工作人员"
        when = dates.moment(review.updated_at)
        super().__init__(
            f"在您填写期间，{who}已于{when}保存了推荐意见，您这次的修改没有保存，以免覆盖对方的内容。"
        )
        self.review = review


def centre_batch_sent(call_id, centre_id) -> bool:
    return Batch.objects.filter(
        call_id=call_id, centre_id=centre_id, state=Batch.State.SENT
    ).exists()


def batch_sent(application: Application) -> bool:
    return centre_batch_sent(application.call_id, application.organisation.centre_id)


def _ensure_batch_open(application: Application) -> None:
    # Locks the batch row, so a send running at the same time waits for this action or vice versa.
    state = (
        Batch.objects.select_for_update()
        .filter(call_id=application.call_id, centre_id=application.organisation.centre_id)
        .values_list("state", flat=True)
        .first()
    )
    if state == Batch.State.SENT:
        raise TransitionError(BATCH_SENT_MESSAGE)


def _current_status(application: Application) -> str:
    return Application.objects.filter(pk=application.pk).values_list("status", flat=True).get()


def _start_if_submitted(application: Application, actor, status: str) -> str:
    # The first action of the centre starts the review, so the history says who took it up.
    if status == Status.SUBMITTED:
        set_state(application, Status.IN_REVIEW, actor)
        return Status.IN_REVIEW
    return status


def start_review(application: Application, actor) -> None:
    with transaction.atomic():
        _ensure_batch_open(application)
        set_state(application, Status.IN_REVIEW, actor)


def return_for_revision(application: Application, actor, sections: list[str], text: str) -> None:
    """Back to the applicant with a comment naming the sections to fix; it shows in the history."""
    comment = "".join(f"【{title}】" for title in sections) + text.strip()
    with transaction.atomic():
        _ensure_batch_open(application)
        _start_if_submitted(application, actor, _current_status(application))
        set_state(application, Status.RETURNED, actor, comment)


def verify(application: Application, actor) -> None:
    with transaction.atomic():
        _ensure_batch_open(application)
        _start_if_submitted(application, actor, _current_status(application))
        set_state(application, Status.VERIFIED, actor)


def _review_row(application: Application) -> Review:
    # get_or_create retries the read when a concurrent request inserted the row first
    # (the one-to-one is unique), so two first saves cannot both create one.
    return Review.objects.get_or_create(application=application)[0]


def save_decision(
    application: Application,
    actor,
    *,
    version: int,
    recommendation: str,
    reason: str,
    differs_reason: str,
    opinion: str,
) -> Review:
    """Record the recommendation and opinion if nobody saved since `version`, and move the status.

    VERIFIED goes to RECOMMENDED or NOT_RECOMMENDED; a change between the two goes back through
    VERIFIED in the same transaction. Raises ReviewConflict or TransitionError.
    """
    target = Status.NOT_RECOMMENDED if recommendation == Recommendation.NONE else Status.RECOMMENDED
    with transaction.atomic():
        _ensure_batch_open(application)
        status = (
            Application.objects.select_for_update()
            .filter(pk=application.pk)
            .values_list("status", flat=True)
            .get()
        )
        if status not in DECIDABLE:
            published = application.call.results_published
            raise TransitionError(
                f"申报书当前状态为“{visible_status(status, actor, published).label}”，"
                "须先核实，才能填写推荐意见。"
            )
        review = _review_row(application)
        before = trail.values(review, DECISION_FIELDS)
        # Conditional update: it only matches the row nobody changed since the form was loaded.
        updated = Review.objects.filter(pk=review.pk, version=version).update(
            recommendation=recommendation,
            reason=reason.strip(),
            differs_reason=differs_reason.strip(),
            opinion=opinion.strip(),
            updated_by=actor,
            updated_at=timezone.now(),
            version=F("version") + 1,
        )
        if not updated:
            raise ReviewConflict(Review.objects.select_related("updated_by").get(pk=review.pk))
        review.refresh_from_db()
        trail.record(
            actor,
            Subject.REVIEW,
            review,
            before,
            trail.values(review, DECISION_FIELDS),
            call=application.call,
            label=f"{application.reference} {application.organisation.name}",
            at=review.updated_at,
        )
        if status != target:
            if status != Status.VERIFIED:
                set_state(application, Status.VERIFIED, actor)
            set_state(application, target, actor)
        # Section 五 of the latest version's PDF prints the opinion: render it again.
        latest = application.snapshots.order_by("-number").first()
        if latest is not None:
            request_application_pdf(latest)
    application.review = review
    return review
