"""A centre's batch for one call: leaving applications out, sending, and the province reopening.

Sending moves every decided application to SENT through ``set_state`` in one transaction,
so the province receives either the whole batch or nothing.
"""

from dataclasses import dataclass

from celery import shared_task
from django.db import DatabaseError, transaction
from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from accounts.models import Centre, User
from applications.models import Application, Status
from applications.workflow import TransitionError, set_state
from catalog.models import Call
from documents.models import Document
from outbox.services import enqueue
from tiku_portal.files import DiskError, save_to_field

from .models import Batch, BatchEvent, Publication, Recommendation, Review
from .selection import SelectionError, revoke

# Submitted but not yet recommended or not recommended: each must be decided or left out.
UNDECIDED = (Status.SUBMITTED, Status.IN_REVIEW, Status.VERIFIED, Status.RETURNED)
DECIDED = (Status.RECOMMENDED, Status.NOT_RECOMMENDED)
# Sent, and what the province may make of a sent application afterwards.
SENT_OR_LATER = (Status.SENT, Status.SELECTED, Status.NOT_SELECTED)
RECOMMENDING = (Recommendation.LEAD, Recommendation.PARTICIPANT)


class BatchError(Exception):
    """A batch action the rules refuse; the message is shown to the user as it is."""


def batch_for(centre: Centre, call: Call) -> Batch:
    """The centre's batch for the call, created on first use with the centre's contact."""
    batch, _ = Batch.objects.get_or_create(
        centre=centre,
        call=call,
        defaults={
            "contact_person": centre.contact_person,
            "contact_phone": centre.contact_phone,
        },
    )
    return batch


def contact_of(centre: Centre, call: Call) -> tuple[str, str]:
    """The 附件3 footer contact: the batch's if there is one, else the centre's."""
    batch = Batch.objects.filter(centre=centre, call=call).first()
    if batch is None:
        return centre.contact_person, centre.contact_phone
    return batch.contact_person, batch.contact_phone


def applications_of(centre: Centre, call: Call):
    """Every application the centre received for the call (drafts never count)."""
    return (
        Application.objects.filter(call=call, centre=centre)
        .exclude(status=Status.DRAFT)
        # The call too: each row's reference and status badge read it.
        .select_related("call", "organisation", "unit__entry", "review")
        .order_by("pk")
    )


def review_of(app: Application) -> Review | None:
    try:
        return app.review
    except Review.DoesNotExist:
        return None


def _is_left_out(app) -> bool:
    review = review_of(app)
    return bool(review and review.left_out)


@dataclass
class Counts:
    """How many of a centre's applications stand where, counted in the database."""

    lead: int = 0
    participant: int = 0
    not_recommended: int = 0
    undecided: int = 0
    left_out: int = 0

    @property
    def blocking(self) -> int:
        return self.undecided - self.left_out

    @property
    def decided_count(self) -> int:
        return self.lead + self.participant + self.not_recommended


def batch_counts(call: Call, centre: Centre | None = None) -> dict[int, Counts]:
    """centre id → Counts: undecided (and left out), else by the recorded recommendation."""
    apps = Application.objects.filter(call=call).exclude(status=Status.DRAFT)
    if centre is not None:
        apps = apps.filter(centre=centre)
    decided = ~Q(status__in=UNDECIDED)
    rows = (
        apps.order_by()
        .values("centre_id")
        .annotate(
            decided=Count("pk", filter=decided),
            lead=Count("pk", filter=decided & Q(review__recommendation=Recommendation.LEAD)),
            participant=Count(
                "pk", filter=decided & Q(review__recommendation=Recommendation.PARTICIPANT)
            ),
            undecided=Count("pk", filter=Q(status__in=UNDECIDED)),
            left_out=Count("pk", filter=Q(status__in=UNDECIDED, review__left_out=True)),
        )
    )
    return {
        row["centre_id"]: Counts(
            lead=row["lead"],
            participant=row["participant"],
            # Decided without a recommendation of either kind counts as not recommended.
            not_recommended=row["decided"] - row["lead"] - row["participant"],
            undecided=row["undecided"],
            left_out=row["left_out"],
        )
        for row in rows
    }


def counts_of(centre: Centre, call: Call) -> Counts:
    return batch_counts(call, centre).get(centre.pk, Counts())


def undecided_of(centre: Centre, call: Call):
    """The centre's applications still waiting for a recommendation (or to be left out)."""
    return applications_of(centre, call).filter(status__in=UNDECIDED)


def closed_message(call: Call) -> str:
    if not call.is_open:
        return f"“{call.name}”已结束，不能再报送。"
    d = call.deadline
    return f"报送已于{d.year}年{d.month}月{d.day}日24时（北京时间）截止，不能再报送。"


def was_reopened(batch: Batch) -> bool:
    # Paper records repeat the batch's state; only SENT → OPEN is a reopening.
    return batch.events.filter(from_state=Batch.State.SENT, to_state=Batch.State.OPEN).exists()


def may_send_after_deadline(batch: Batch) -> bool:
    # A batch the province reopened was asked back for a correction: it may be sent again.
    return was_reopened(batch)


def sending_closed(batch: Batch, now=None) -> bool:
    if not batch.call.is_open:
        return True
    return batch.call.deadline_passed(now) and not may_send_after_deadline(batch)


def _check_staff(centre: Centre, user: User) -> None:
    if not (user.is_centre_staff and user.centre_id == centre.pk):
        raise BatchError("您没有权限操作该中心的报送。")


def _check_published(call) -> None:
    if Publication.objects.filter(call=call).exists():
        raise BatchError("本批次遴选结果已发布，报送已结束。")


def _check_editable(batch: Batch, now) -> None:
    _check_published(batch.call)
    if batch.state == Batch.State.SENT:
        raise BatchError("本中心已报送，不能再修改；如需更正请联系省中心重新开放报送。")
    if sending_closed(batch, now):
        raise BatchError(closed_message(batch.call))


def _locked_editable_batch(centre: Centre, call: Call, now) -> Batch:
    """The centre's batch, locked for this transaction, refused once sent or closed."""
    batch = Batch.objects.select_for_update().get(pk=batch_for(centre, call).pk)
    _check_editable(batch, now)
    return batch


def save_batch_form(
    centre: Centre,
    call: Call,
    user: User,
    *,
    contact_person: str,
    contact_phone: str,
    left_out: dict[int, str | None],
    now=None,
) -> Batch:
    """Store the contact and which undecided applications are left out (id → reason, or None)."""
    now = now or timezone.now()
    _check_staff(centre, user)
    with transaction.atomic():
        batch = _locked_editable_batch(centre, call, now)
        before = _batch_values(batch)
        batch.contact_person, batch.contact_phone = contact_person, contact_phone
        batch.save(update_fields=["contact_person", "contact_phone"])
        _record_batch(batch, user, before, now)
        _keep_contact_on_centre(centre, contact_person, contact_phone)
        undecided = applications_of(centre, call).filter(status__in=UNDECIDED)
        for app in undecided.filter(pk__in=list(left_out)):
            _set_left_out(app, left_out[app.pk], user)
    return batch


# What the trail keeps of a batch: its state and the 附件3 footer contact.
BATCH_FIELDS = ["state", "contact_person", "contact_phone"]


def _batch_values(batch: Batch) -> dict:
    from audit import trail

    return trail.values(batch, BATCH_FIELDS)


def _record_batch(batch: Batch, user: User, before: dict, now) -> None:
    from audit import trail
    from audit.models import Subject

    label = f"{batch.centre.name} 报送"
    trail.record(
        user,
        Subject.BATCH,
        batch,
        before,
        _batch_values(batch),
        call=batch.call,
        label=label,
        at=now,
    )


def _keep_contact_on_centre(centre: Centre, person: str, phone: str) -> None:
    """A contact typed on the batch page becomes the centre's when it has none yet.

    The centre's own contact page is where it is changed; this only fills the gap so the
    province's dashboard and the units' pages show someone.
    """
    if centre.contact_person.strip() or centre.contact_phone.strip():
        return
    Centre.objects.filter(pk=centre.pk).update(contact_person=person, contact_phone=phone)
    centre.contact_person, centre.contact_phone = person, phone


def _set_left_out(app: Application, reason: str | None, user: User) -> None:
    from audit import trail
    from audit.models import Subject

    review, _ = Review.objects.select_for_update().get_or_create(application=app)
    wanted = (reason is not None, (reason or "").strip())
    if (review.left_out, review.left_out_reason) == wanted:
        return
    fields = ["left_out", "left_out_reason"]
    before = trail.values(review, fields)
    review.left_out, review.left_out_reason = wanted
    # Only these two fields: the recommendation and its optimistic lock belong to the review page.
    review.save(update_fields=fields)
    label = f"{app.reference} {app.organisation.name}"
    trail.record(
        user,
        Subject.REVIEW,
        review,
        before,
        trail.values(review, fields),
        call=app.call,
        label=label,
    )


def send_batch(
    centre: Centre,
    call: Call,
    user: User,
    *,
    contact_person: str | None = None,
    contact_phone: str | None = None,
    now=None,
) -> Batch:
    """Send every decided application to the province, all or nothing."""
    now = now or timezone.now()
    _check_staff(centre, user)
    with transaction.atomic():
        batch = _locked_editable_batch(centre, call, now)
        before = _batch_values(batch)
        if contact_person is not None:
            batch.contact_person = contact_person
        if contact_phone is not None:
            batch.contact_phone = contact_phone
        if not (batch.contact_person.strip() and batch.contact_phone.strip()):
            raise BatchError("请填写本中心的联系人和联系电话。")
        # Lock the centre's applications: nothing may change status while the batch is sent.
        apps = list(applications_of(centre, call).select_for_update(of=("self",)))
        blocking = [a for a in apps if a.status in UNDECIDED and not _is_left_out(a)]
        if blocking:
            refs = "、".join(a.reference for a in blocking[:5])
            more = f"等{len(blocking)}份" if len(blocking) > 5 else ""
            raise BatchError(
                f"还有{len(blocking)}份申报书未作出推荐意见（{refs}{more}）："
                "请先审核推荐或不予推荐，或勾选“不纳入本次报送”并说明理由。"
            )
        decided = [a for a in apps if a.status in DECIDED]
        if not decided:
            raise BatchError("没有可报送的申报书：请先对申报书作出推荐或不予推荐的意见。")
        if call.paper_required:
            _check_paper(batch, decided)
        recommended = sum(1 for a in decided if a.status == Status.RECOMMENDED)
        for app in decided:
            _send_one(app, user, now)
        batch.state, batch.sent_at, batch.sent_by = Batch.State.SENT, now, user
        batch.save(update_fields=["state", "sent_at", "sent_by", "contact_person", "contact_phone"])
        _record_batch(batch, user, before, now)
        left_out = [a for a in apps if a.status in UNDECIDED]
        event = BatchEvent.objects.create(
            batch=batch,
            actor=user,
            at=now,
            from_state=Batch.State.OPEN,
            to_state=Batch.State.SENT,
            comment=(
                f"报送申报书{len(decided)}份（推荐{recommended}份，"
                f"不予推荐{len(decided) - recommended}份），不纳入本次报送{len(left_out)}份"
            ),
        )
        # Recorded with the sending (outbox): made and mailed even if the broker is down now.
        request_summary(centre, call, user, sent=True)
        enqueue("reviews.batch.notify_batch_event", event.pk)
    return batch


def _check_paper(batch: Batch, decided: list) -> None:
    """When the call requires the paper copy, nothing goes without it."""
    from applications.paper import latest_version, missing_for_sending

    gaps = []
    for app in decided:
        missing = missing_for_sending(app, latest_version(app))
        if missing:
            gaps.append(f"{app.reference}缺{'、'.join(missing)}")
    if not batch.stamped_summary:
        gaps.insert(0, "缺盖章的附件3扫描件")
    if gaps:
        shown = "；".join(gaps[:5]) + (f"等{len(gaps)}项" if len(gaps) > 5 else "")
        raise BatchError(f"本批次要求纸质材料齐全后才能报送：{shown}。")


def _store_summary_scan(batch: Batch, user: User, uploaded, file_type, now, stored) -> None:
    """Keep the stamped 附件3 scan on the batch, with its history row; ``stored`` gets the name."""
    old = batch.stamped_summary.name if batch.stamped_summary else ""
    batch.stamped_summary_type = file_type.content_type
    try:
        stored.append(save_to_field(batch.stamped_summary, uploaded.name, uploaded))
    except DiskError as exc:
        raise BatchError(str(exc)) from None
    batch.stamped_summary_name = uploaded.name
    batch.stamped_summary_at = now
    batch.save(
        update_fields=[
            "stamped_summary",
            "stamped_summary_name",
            "stamped_summary_type",
            "stamped_summary_at",
        ]
    )
    BatchEvent.objects.create(
        batch=batch,
        actor=user,
        at=now,
        from_state=batch.state,
        to_state=batch.state,
        comment=f"上传盖章的附件3扫描件：{uploaded.name}" + ("（替换原扫描件）" if old else ""),
    )


def upload_summary_scan(centre: Centre, call: Call, user: User, uploaded, now=None) -> Batch:
    """The stamped 附件3 scan (with the sending, or after it), until results are published.

    Stored in its own transaction: a sending refused afterwards keeps the scan on record.
    """
    from django.core.exceptions import ValidationError

    from applications.attachments import inspect_upload

    now = now or timezone.now()
    _check_staff(centre, user)
    try:
        file_type = inspect_upload(uploaded)
    except ValidationError as exc:
        raise BatchError(exc.messages[0]) from exc
    batch = batch_for(centre, call)
    stored: list[str] = []
    try:
        with transaction.atomic():
            _check_published(call)
            batch = Batch.objects.select_for_update().get(pk=batch.pk)
            _store_summary_scan(batch, user, uploaded, file_type, now, stored)
    except BaseException:
        # A row that was never saved must not leave its file behind.
        for name in stored:
            batch.stamped_summary.storage.delete(name)
        raise
    return batch


def record_package(batch: Batch, user: User, on, now=None) -> Batch:
    """The province notes the day a centre's paper package arrived."""
    now = now or timezone.now()
    if not user.is_province_staff:
        raise BatchError("只有省中心工作人员可以登记纸质材料包。")
    if on > timezone.localdate(now):
        raise BatchError("收到日期不能晚于今天。")
    with transaction.atomic():
        batch = Batch.objects.select_for_update().select_related("centre").get(pk=batch.pk)
        if batch.state != Batch.State.SENT:
            raise BatchError(f"{batch.centre.name}尚未报送，不能登记纸质材料包。")
        batch.package_received_on, batch.package_received_by = on, user
        batch.save(update_fields=["package_received_on", "package_received_by"])
        BatchEvent.objects.create(
            batch=batch,
            actor=user,
            at=now,
            from_state=batch.state,
            to_state=batch.state,
            comment=f"登记纸质材料包已收到（{on:%Y-%m-%d}）",
        )
    return batch


def _send_one(app: Application, user: User, now) -> None:
    review = review_of(app)
    recommendation = review.recommendation if review else ""
    # The status and the recorded recommendation must agree, or the 附件3 row would be wrong.
    expected = RECOMMENDING if app.status == Status.RECOMMENDED else (Recommendation.NONE,)
    if recommendation not in expected:
        raise BatchError(
            f"申报书{app.reference}的状态（{app.status_label_for(user)}）与推荐意见不一致，"
            "请重新审核后再报送。"
        )
    try:
        set_state(
            app, Status.SENT, user, f"报送省中心（{review.get_recommendation_display()}）", now
        )
    except TransitionError as exc:
        raise BatchError(f"申报书{app.reference}不能报送：{exc}") from exc


def reopen_batch(batch: Batch, user: User, reason: str, now=None) -> Batch:
    """The province gives a sent batch back to its centre; every received application returns.

    Applications the province had decided on return too, their decisions revoked (see below).
    """
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not user.is_province_staff:
        raise BatchError("只有省中心工作人员可以重新开放报送。")
    if not reason:
        raise BatchError("请填写重新开放报送的理由。")
    with transaction.atomic():
        batch = Batch.objects.select_for_update().select_related("centre", "call").get(pk=batch.pk)
        if batch.state != Batch.State.SENT:
            raise BatchError(f"{batch.centre.name}尚未报送，无需重新开放。")
        _check_published(batch.call)
        before = _batch_values(batch)
        # Decided or not, every received application goes back the same way, so the centre
        # cannot tell from the statuses which ones the province had decided on. A decision
        # on an application its centre may now change is void: the history keeps it.
        received = applications_of(batch.centre, batch.call).filter(status__in=SENT_OR_LATER)
        for app in received.select_for_update(of=("self",)):
            review = review_of(app)
            recommended = review is not None and review.recommendation in RECOMMENDING
            target = Status.RECOMMENDED if recommended else Status.NOT_RECOMMENDED
            try:
                if app.status != Status.SENT:
                    # The one revoke path: it keeps the withdrawn decision on the trail too.
                    revoke(app, user, reason=f"重新开放报送：{reason}", now=now)
                set_state(app, target, user, f"重新开放报送：{reason}", now)
            except (TransitionError, SelectionError) as exc:
                raise BatchError(f"申报书{app.reference}不能退回：{exc}") from exc
        batch.state, batch.sent_at, batch.sent_by = Batch.State.OPEN, None, None
        batch.save(update_fields=["state", "sent_at", "sent_by"])
        _record_batch(batch, user, before, now)
        event = BatchEvent.objects.create(
            batch=batch,
            actor=user,
            at=now,
            from_state=Batch.State.SENT,
            to_state=Batch.State.OPEN,
            comment=reason,
        )
        enqueue("reviews.batch.notify_batch_event", event.pk)
    return batch


def request_summary(centre: Centre, call: Call, user: User, *, sent: bool) -> Document:
    """Ask for the 附件3 workbook in the background: the draft, or the version as sent."""
    from documents.services import request_document

    return request_document(
        Document.Kind.SUMMARY_XLSX, user, centre=centre, call=call, params={"sent": sent}
    )


def latest_summary(centre: Centre, call: Call, *, sent: bool) -> Document | None:
    docs = Document.objects.filter(kind=Document.Kind.SUMMARY_XLSX, centre=centre, call=call)
    # Filtered in Python: JSON booleans compare differently across database backends.
    newest_first = docs.order_by("-created_at", "-pk").iterator(chunk_size=20)
    return next((d for d in newest_first if bool(d.params.get("sent")) is sent), None)


def province_batches(call: Call) -> list[dict]:
    """Every centre with its batch (or none yet) and its counts, for the province's list.

    The counts come from one aggregate query; loading each centre's applications to count them
    took over a second at 2,400 applications.
    """
    batches = {
        b.centre_id: b
        for b in Batch.objects.filter(call=call)
        .select_related("sent_by", "package_received_by")
        .prefetch_related(Prefetch("events", queryset=BatchEvent.objects.select_related("actor")))
    }
    counts = batch_counts(call)
    rows = []
    for centre in Centre.objects.official_order():
        batch = batches.get(centre.pk)
        rows.append(
            {
                "centre": centre,
                "batch": batch,
                "counts": counts.get(centre.pk, Counts()),
                "sent_summary": latest_summary(centre, call, sent=True) if batch else None,
            }
        )
    return rows


# Any transient failure (mail server, network, database outage) is retried with backoff.
@shared_task(
    acks_late=True,
    autoretry_for=(OSError, DatabaseError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=10,
)
def notify_batch_event(event_id: int) -> int:
    """Tell the province when a centre sends, and the centre when the province reopens."""
    from django.urls import reverse

    from accounts.messaging import deliver

    event = BatchEvent.objects.select_related("batch__centre", "batch__call", "actor").get(
        pk=event_id
    )
    batch = event.batch
    # Paper records (from = to) are history only; the lists show them.
    if event.from_state == event.to_state:
        return 0
    staff = User.objects.filter(is_active=True)
    if event.to_state == Batch.State.SENT:
        staff = staff.filter(role=User.Role.PROVINCE)
        link = f"{reverse('reviews:batch_list')}?call={batch.call.slug}"
    else:
        staff = staff.filter(role__in=(User.Role.CITY, User.Role.PROVINCE), centre=batch.centre)
        link = f"{reverse('reviews:batch')}?call={batch.call.slug}"
    recipients = [u for u in staff if u.pk != event.actor_id]
    return deliver(recipients, "reviews/email/batch", {"event": event, "batch": batch}, link)
