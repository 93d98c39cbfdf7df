"""The province's selection: deciding on applicants, publishing the results, the overview.

A decision writes the ``Selection`` row and moves the application through
``applications.workflow.set_state``, so every change is in the history. One lead per unit
is the database's job (constraint ``one_lead_per_unit``): it holds under concurrency,
where a check in Python would not.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import Centre, User
from applications.models import Application, Status
from applications.workflow import set_state
from audit import trail
from audit.models import Subject
from catalog.models import Call, Series, Unit
from outbox.services import enqueue

from .models import Batch, Publication, Recommendation, Selection, unit_key_for

# Applications the province has received: only these can be decided on.
RECEIVED = (Status.SENT, Status.SELECTED, Status.NOT_SELECTED)
# Applications handed in at some point (a withdrawn one is a draft again).
SUBMITTED_OR_LATER = tuple(s for s in Status if s != Status.DRAFT)
# What the applicant reads once the results are published.
APPLICANT_LABELS = {
    Selection.Outcome.LEAD: "已确定为牵头单位",
    Selection.Outcome.PARTICIPANT: "已确定为参与单位",
    Selection.Outcome.NOT_SELECTED: "未入选",
}
TARGET_STATUS = {
    Selection.Outcome.LEAD: Status.SELECTED,
    Selection.Outcome.PARTICIPANT: Status.SELECTED,
    Selection.Outcome.NOT_SELECTED: Status.NOT_SELECTED,
}
NO_SERIES = "未归入浙派工匠系列"
# What the trail keeps of a decision.
SELECTION_FIELDS = ["outcome", "reason", "subsidy"]


class SelectionError(Exception):
    """A decision or publication the rules refuse; the message is shown as it is."""


class UndecidedError(SelectionError):
    """Publication refused: these received applications have no decision yet."""

    def __init__(self, applications):
        self.applications = list(applications)
        super().__init__(
            f"还有{len(self.applications)}份已报送省中心的申报书尚未确定遴选结果，不能发布。"
        )


def _require_province(user) -> None:
    if not (user.is_authenticated and user.role == User.Role.PROVINCE):
        raise PermissionDenied


def publication_of(call) -> Publication | None:
    return Publication.objects.filter(call=call).select_related("published_by").first()


def _published_message(publication) -> str:
    day = timezone.localtime(publication.published_at)
    return f"本批次遴选结果已于{day.year}年{day.month}月{day.day}日发布，不能再修改遴选结果。"


def _history_comment(outcome, reason, subsidy) -> str:
    label = Selection.Outcome(outcome).label
    if subsidy is not None:
        label += f"（财政经费补助{subsidy}万元）"
    return f"{label}：{reason}"


def _check_decision(outcome, reason, subsidy):
    if outcome not in Selection.Outcome.values:
        raise SelectionError("请选择遴选结果。")
    reason = (reason or "").strip()
    if not reason:
        raise SelectionError("请填写遴选理由。")
    if subsidy is not None:
        subsidy = Decimal(subsidy)
        if outcome != Selection.Outcome.LEAD:
            raise SelectionError("只有牵头单位可以安排财政经费补助。")
        if subsidy < 0:
            raise SelectionError("财政经费补助不能为负数。")
    return reason, subsidy


def _lead_taken_message(application) -> str:
    lead = (
        Selection.objects.filter(
            call_id=application.call_id,
            unit_key=unit_key_for(application),
            outcome=Selection.Outcome.LEAD,
        )
        .select_related("application__organisation")
        .first()
    )
    org = lead.application.organisation.name if lead else "其他单位"
    return f"该职业（工种）已确定牵头单位：{org}，如需更换请先撤销其牵头单位决定。"


def decide(application, user, outcome, reason, subsidy=None, now=None) -> Selection:
    """Record the province's decision on one applicant; change it until publication."""
    _require_province(user)
    reason, subsidy = _check_decision(outcome, reason, subsidy)
    now = now or timezone.now()
    try:
        with transaction.atomic():
            # Decisions and publication of one call take turns on the call's row.
            Call.objects.select_for_update().get(pk=application.call_id)
            publication = publication_of(application.call_id)
            if publication is not None:
                raise SelectionError(_published_message(publication))
            locked = (
                Application.objects.select_for_update()
                .select_related("call", "organisation")
                .get(pk=application.pk)
            )
            if not locked.allows(user, "select"):
                raise PermissionDenied
            if locked.status not in RECEIVED:
                raise SelectionError("只有已报送省中心的申报书才能确定遴选结果。")
            current = Selection.objects.filter(application=locked).first()
            if current is not None and (current.outcome, current.reason, current.subsidy) == (
                outcome,
                reason,
                subsidy,
            ):
                return current
            before = trail.values(current, SELECTION_FIELDS)
            selection, _ = Selection.objects.update_or_create(
                application=locked,
                defaults={
                    "call_id": locked.call_id,
                    "unit_id": locked.unit_id,
                    "unit_key": unit_key_for(locked),
                    "outcome": outcome,
                    "reason": reason,
                    "subsidy": subsidy,
                    "decided_by": user,
                    "decided_at": now,
                },
            )
            trail.record(
                user,
                Subject.SELECTION,
                selection,
                before,
                trail.values(selection, SELECTION_FIELDS),
                call=locked.call,
                label=f"{locked.reference} {locked.organisation.name}",
                at=now,
            )
            if locked.status != Status.SENT:
                # A changed decision is undone first, so the history shows both steps.
                set_state(locked, Status.SENT, user, comment="变更遴选结果", now=now)
            set_state(
                locked,
                TARGET_STATUS[outcome],
                user,
                comment=_history_comment(outcome, reason, subsidy),
                now=now,
            )
    except IntegrityError:
        if outcome != Selection.Outcome.LEAD:
            raise
        raise SelectionError(_lead_taken_message(application)) from None
    application.status = locked.status
    return selection


def revoke(application, user, reason="", now=None) -> None:
    """Withdraw the decision on one applicant: it is undecided (已报送省中心) again."""
    _require_province(user)
    now = now or timezone.now()
    with transaction.atomic():
        Call.objects.select_for_update().get(pk=application.call_id)
        publication = publication_of(application.call_id)
        if publication is not None:
            raise SelectionError(_published_message(publication))
        locked = (
            Application.objects.select_for_update()
            .select_related("call", "organisation")
            .get(pk=application.pk)
        )
        current = Selection.objects.filter(application=locked).first()
        deleted, _ = Selection.objects.filter(application=locked).delete()
        if current is not None:
            trail.record(
                user,
                Subject.SELECTION,
                current,
                trail.values(current, SELECTION_FIELDS),
                None,
                call=locked.call,
                label=f"{locked.reference} {locked.organisation.name}",
                at=now,
            )
        if locked.status in (Status.SELECTED, Status.NOT_SELECTED):
            comment = f"撤销遴选结果：{reason.strip()}" if reason.strip() else "撤销遴选结果"
            set_state(locked, Status.SENT, user, comment=comment, now=now)
        elif not deleted:
            raise SelectionError("该申报书尚未确定遴选结果，无需撤销。")
    application.status = locked.status


def undecided(call):
    """Received applications without a decision: publication waits for them."""
    return (
        Application.objects.filter(call=call)
        .filter(
            Q(status=Status.SENT)
            | Q(status__in=(Status.SELECTED, Status.NOT_SELECTED), selection__isnull=True)
        )
        .select_related("organisation__centre", "unit__entry", "call")
        .order_by("unit__entry__number", "unit__position", "custom_occupation", "pk")
    )


def first_undecided(call, limit: int) -> list:
    """The first ``limit`` undecided applications: ordered over ids alone, then read whole."""
    ids = list(undecided(call).values_list("pk", flat=True)[:limit])
    rows = {app.pk: app for app in undecided(call).filter(pk__in=ids)}
    return [rows[pk] for pk in ids if pk in rows]


def unsent_centres(call) -> list:
    """Centres holding submitted applications of the call that they have not sent yet."""
    pending = Status.SUBMITTED, Status.IN_REVIEW, Status.RETURNED, Status.VERIFIED
    pending += Status.RECOMMENDED, Status.NOT_RECOMMENDED
    sent = Batch.objects.filter(call=call, state=Batch.State.SENT).values("centre_id")
    # One pass over the call's applications: both conditions must hold for the same row, and
    # two filter() calls across the relation would join the applications twice.
    holding = Application.objects.filter(call=call, status__in=pending).values("centre_id")
    return list(Centre.objects.filter(pk__in=holding).exclude(pk__in=sent).official_order())


def quiet_centres(call, holding) -> list:
    """Centres that have sent nothing and hold nothing to send (``holding``: unsent_centres)."""
    sent = Batch.objects.filter(call=call, state=Batch.State.SENT).values("centre_id")
    return list(
        Centre.objects.exclude(pk__in=sent).exclude(pk__in=[c.pk for c in holding]).official_order()
    )


def publish(call, user, now=None) -> Publication:
    """Publish the call's results: applicants see them, are emailed, the sheet is made."""
    from documents.models import Document
    from documents.services import request_document

    _require_province(user)
    now = now or timezone.now()
    with transaction.atomic():
        Call.objects.select_for_update().get(pk=call.pk)
        existing = publication_of(call)
        if existing is not None:
            raise SelectionError("本批次遴选结果已经发布，无需重复发布。")
        waiting = list(undecided(call))
        if waiting:
            raise UndecidedError(waiting)
        # A running public notice (projects.Notice) is confirmed only after its end date.
        if Call.objects.filter(pk=call.pk, notice__ends_on__gte=timezone.localdate(now)).exists():
            raise SelectionError("本批次遴选结果正在公示，公示期满后请在公示页正式公布。")
        unsent = unsent_centres(call)
        if unsent and not call.deadline_passed(now):
            names = "、".join(c.name for c in unsent)
            raise SelectionError(
                f"{names}尚未报送，报送截止时间未到：请待其报送或截止后再发布，以免遗漏申报单位。"
            )
        decided = list(Selection.objects.filter(call=call).values_list("application_id", flat=True))
        if not decided:
            raise SelectionError("本批次尚无确定遴选结果的申报书，不能发布。")
        if call.paper_required:
            _check_packages(call)
        publication = Publication.objects.create(call=call, published_at=now, published_by=user)
        trail.record(
            user,
            Subject.PUBLICATION,
            publication,
            None,
            trail.values(publication, ["published_at"]),
            call=call,
            label=f"{call.name} 遴选结果",
            at=now,
        )
        # Publishing ends the call: no new applications, no more sending.
        Call.objects.filter(pk=call.pk).update(is_open=False)
        request_document(Document.Kind.RESULTS_XLSX, user, call=call)
        for application_id in decided:
            enqueue("reviews.tasks.notify_outcome", application_id)
    return publication


def _check_packages(call) -> None:
    """When the call requires the paper copy, results wait for every sent centre's package."""
    from .models import Batch

    missing = Batch.objects.filter(
        call=call, state=Batch.State.SENT, package_received_on__isnull=True
    ).select_related("centre")
    names = "、".join(b.centre.name for b in missing)
    if names:
        raise SelectionError(f"本批次要求纸质材料：尚未登记收到{names}的纸质材料包，不能发布。")


def results_document(call):
    """The latest results sheet of the call, if one was asked for."""
    from documents.models import Document

    return (
        Document.objects.filter(kind=Document.Kind.RESULTS_XLSX, call=call)
        .order_by("-created_at", "-pk")
        .first()
    )


@dataclass(frozen=True)
class PublishedOutcome:
    outcome: str
    label: str
    subsidy: Decimal | None
    published_at: object

    @property
    def is_lead(self) -> bool:
        return self.outcome == Selection.Outcome.LEAD


def outcome_for(application) -> PublishedOutcome | None:
    """What the applicant may know of the decision: nothing until the call's results are out."""
    try:
        publication = application.call.publication
        selection = application.selection
    except (Publication.DoesNotExist, Selection.DoesNotExist):
        return None
    return PublishedOutcome(
        outcome=selection.outcome,
        label=APPLICANT_LABELS[selection.outcome],
        subsidy=selection.subsidy if selection.outcome == Selection.Outcome.LEAD else None,
        published_at=publication.published_at,
    )


def publish_summary(call) -> dict:
    """How many decisions of each kind the call has (one query)."""
    counts = Selection.objects.filter(call=call).aggregate(
        lead=Count("pk", filter=Q(outcome=Selection.Outcome.LEAD)),
        participant=Count("pk", filter=Q(outcome=Selection.Outcome.PARTICIPANT)),
        not_selected=Count("pk", filter=Q(outcome=Selection.Outcome.NOT_SELECTED)),
    )
    counts["total"] = sum(counts.values())
    return counts


# --- the charts page ------------------------------------------------------------------------


def chart_data(call) -> dict:
    """Applications by city, by 浙派工匠 series and industry, and coverage of the catalog units.

    Five small queries whatever the number of applications.
    """
    # Counted from the applications by the centre that received them: one pass, no joins.
    per_centre = {
        row["centre_id"]: row
        for row in Application.objects.filter(call=call, status__in=SUBMITTED_OR_LATER)
        .order_by()
        .values("centre_id")
        .annotate(submitted=Count("pk"), received=Count("pk", filter=Q(status__in=RECEIVED)))
    }
    cities = [
        {
            "name": "省属单位" if c.is_province else c.region,
            "centre": c.name,
            "submitted": per_centre.get(c.pk, {}).get("submitted", 0),
            "received": per_centre.get(c.pk, {}).get("received", 0),
        }
        for c in Centre.objects.official_order()
    ]

    by_series = (
        Application.objects.filter(call=call, status__in=SUBMITTED_OR_LATER)
        .values("unit__entry__series__industry", "unit__entry__series__name")
        .annotate(n=Count("pk"))
    )
    industries = {value: {"name": label, "count": 0} for value, label in Series.Industry.choices}
    no_series = {"name": NO_SERIES, "count": 0}
    series = []
    for row in by_series:
        if row["unit__entry__series__name"] is None:
            no_series["count"] += row["n"]
            continue
        industry = industries[row["unit__entry__series__industry"]]
        industry["count"] += row["n"]
        series.append(
            {
                "name": row["unit__entry__series__name"],
                "industry": industry["name"],
                "count": row["n"],
            }
        )
    series.sort(key=lambda s: (-s["count"], s["name"]))
    industry_rows = list(industries.values())
    if no_series["count"]:
        industry_rows.append(no_series)

    # Review and selection are one-to-one with the application: plain counts, grouped by unit,
    # where COUNT(DISTINCT) over joins from the units multiplied the rows.
    per_unit = (
        Application.objects.filter(call=call, unit__isnull=False, status__in=SUBMITTED_OR_LATER)
        .order_by()
        .values("unit_id")
        .annotate(
            candidates=Count(
                "pk",
                filter=Q(status__in=RECEIVED, review__recommendation=Recommendation.LEAD),
            ),
            leads=Count("pk", filter=Q(selection__outcome=Selection.Outcome.LEAD)),
        )
    )
    total = Unit.objects.filter(entry__call=call).count()
    coverage = {"total": total, "applied": 0, "contested": 0, "decided": 0, "not_applied": 0}
    for unit in per_unit:
        coverage["applied"] += 1
        coverage["contested"] += unit["candidates"] > 1
        coverage["decided"] += unit["leads"] > 0
    coverage["not_applied"] = total - coverage["applied"]

    return {
        "cities": cities,
        "industries": industry_rows,
        "series": series,
        "coverage": coverage,
    }
