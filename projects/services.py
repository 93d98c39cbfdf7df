"""The notice (公示), objections, confirmation, and each project's milestones and payments.

Milestone state changes only through ``set_milestone_state`` (checks, saves, writes the
append-only ``MilestoneEvent``, schedules the notification), as applications do.
"""

import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import User
from applications.attachments import inspect_upload
from catalog.models import Call
from outbox.services import enqueue
from reviews import selection as sel
from reviews.models import Selection
from tiku_portal.files import DiskError, save_to_field

from .calendar import NOTICE_WORKING_DAYS, add_working_days
from .models import (
    Evidence,
    Milestone,
    MilestoneEvent,
    MilestoneStep,
    Notice,
    Objection,
    ObjectionEvent,
    Payment,
    PaymentStage,
    Project,
)

DEFAULT_STEPS = ["签订开发任务书", "鉴定要素细目表", "命题", "审题", "组卷", "试测", "验收"]
# Default stages: half on the signed 任务书, half on acceptance.
DEFAULT_STAGES = [("签订任务书后拨付", 50, 0), ("验收通过后拨付", 50, -1)]
MAX_EVIDENCE_FILES = 5
CENT = Decimal("0.01")


class ProjectError(Exception):
    """A step the rules refuse; the message is shown as it is."""


def _require_province(user):
    if not (user.is_authenticated and user.role == User.Role.PROVINCE):
        raise PermissionDenied


# --- rate limit -------------------------------------------------------------------------------


def rate_limited(request, scope: str, limit: int, seconds: int) -> bool:
    """True once this client has used `limit` tries within `seconds`: the portal's one limiter."""
    from security.ratelimit import Limited, check

    try:
        check(request, f"projects-{scope}", per_address=f"{limit}/{seconds}s")
    except Limited:
        return True
    return False


# --- the notice -----------------------------------------------------------------------------


def default_end(start: dt.date) -> dt.date:
    return add_working_days(start, NOTICE_WORKING_DAYS)


def start_notice(call: Call, user, starts_on: dt.date, ends_on: dt.date | None = None) -> Notice:
    """Announce the call's decisions publicly; every received application must be decided."""
    from documents.models import Document
    from documents.services import request_document

    _require_province(user)
    ends_on = ends_on or default_end(starts_on)
    if ends_on < starts_on:
        raise ProjectError("公示截止日期不能早于开始日期。")
    with transaction.atomic():
        Call.objects.select_for_update().get(pk=call.pk)
        if sel.publication_of(call) is not None:
            raise ProjectError("本批次遴选结果已正式公布，不能再公示。")
        if Notice.objects.filter(call=call).exists():
            raise ProjectError("本批次已启动公示。")
        waiting = list(sel.undecided(call))
        if waiting:
            raise ProjectError(
                f"还有{len(waiting)}份已报送省中心的申报书尚未确定遴选结果，不能公示。"
            )
        if not Selection.objects.filter(call=call).exists():
            raise ProjectError("本批次尚无确定遴选结果的申报书，不能公示。")
        notice = Notice.objects.create(
            call=call, starts_on=starts_on, ends_on=ends_on, started_by=user
        )
        # The sheet made now is marked 公示稿; confirmation makes the final one.
        request_document(Document.Kind.RESULTS_XLSX, user, call=call)
    return notice


def confirm(notice: Notice, user, now=None):
    """正式公布 after the notice has ended: publish (the e-mails go now) and open the projects."""
    _require_province(user)
    now = now or timezone.now()
    if not notice.has_ended(timezone.localdate(now)):
        d = notice.ends_on
        raise ProjectError(f"公示期至{d.year}年{d.month}月{d.day}日，期满后才能正式公布。")
    open_objections = notice.objections.exclude(state=Objection.State.CLOSED).count()
    if open_objections:
        raise ProjectError(f"还有{open_objections}件异议尚未办结，办结后才能正式公布。")
    with transaction.atomic():
        try:
            publication = sel.publish(notice.call, user, now=now)
        except sel.SelectionError as exc:
            raise ProjectError(str(exc)) from None
        create_projects(notice.call, now)
    return publication


def public_rows(call):
    """The 公示 list: per unit, the lead and participant units; no scores, no people, no money."""
    from reviews.results import result_rows

    return result_rows(call)


def public_choices(call) -> list[tuple[int, str]]:
    """The units an objection may concern: those on the public list."""
    rows = (
        Selection.objects.filter(
            call=call, outcome__in=(Selection.Outcome.LEAD, Selection.Outcome.PARTICIPANT)
        )
        .select_related("application__organisation", "application__unit__entry")
        .order_by("application__organisation__name", "pk")
    )
    return [
        (s.application_id, f"{s.application.organisation.name}（{s.application.title}）")
        for s in rows
    ]


def _new_receipt(today) -> str:
    return f"YY{today:%Y%m%d}{secrets.token_hex(3).upper()}"


def lodge_objection(notice: Notice, data: dict, evidence=None, now=None) -> Objection:
    """Record a public objection during the notice; returns it with its receipt number."""
    now = now or timezone.now()
    if not notice.is_open(timezone.localdate(now)):
        raise ProjectError("当前不在公示期内，不能提出异议。")
    objection = Objection(
        notice=notice,
        receipt=_new_receipt(timezone.localdate(now)),
        name=data["name"],
        phone=data["phone"],
        application_id=data["application"],
        text=data["text"],
        submitted_at=now,
    )
    stored = ""
    try:
        with transaction.atomic():
            if evidence is not None:
                kind = inspect_upload(evidence)
                objection.content_type = kind.content_type
                objection.original_name = evidence.name[:255]
                objection.evidence.save(evidence.name, evidence, save=False)
                stored = objection.evidence.name
            objection.save()
            ObjectionEvent.objects.create(
                objection=objection, at=now, state=objection.state, handling="提交异议"
            )
    except BaseException:
        if stored:
            objection.evidence.storage.delete(stored)
        raise
    return objection


def handle_objection(objection: Objection, user, state: str, handling: str, outcome: str, now=None):
    _require_province(user)
    now = now or timezone.now()
    handling, outcome = handling.strip(), outcome.strip()
    if state not in Objection.State.values:
        raise ProjectError("请选择处理状态。")
    if state == Objection.State.CLOSED and not outcome:
        raise ProjectError("办结异议须填写处理结果。")
    if not handling:
        raise ProjectError("请填写处理情况。")
    with transaction.atomic():
        locked = Objection.objects.select_for_update().get(pk=objection.pk)
        if locked.state == Objection.State.CLOSED:
            raise ProjectError("该异议已办结。")
        locked.state, locked.handling, locked.outcome = state, handling, outcome
        locked.handled_by, locked.handled_at = user, now
        locked.save()
        ObjectionEvent.objects.create(
            objection=locked, actor=user, at=now, state=state, handling=handling, outcome=outcome
        )
    return locked


# --- projects -------------------------------------------------------------------------------


def ensure_templates(call: Call, today=None) -> list[MilestoneStep]:
    """The call's milestone template; the default one (two months apart) if none was set."""
    steps = list(MilestoneStep.objects.filter(call=call))
    if steps:
        return steps
    today = today or timezone.localdate()
    steps = [
        MilestoneStep.objects.create(
            call=call, position=i, name=name, due_on=today + dt.timedelta(days=60 * i)
        )
        for i, name in enumerate(DEFAULT_STEPS, start=1)
    ]
    for position, (name, percent, index) in enumerate(DEFAULT_STAGES, start=1):
        PaymentStage.objects.create(
            call=call, position=position, name=name, percent=percent, step=steps[index]
        )
    return steps


def create_projects(call: Call, now=None) -> list[Project]:
    """One project per lead unit, with its unit's participants and the template's milestones."""
    now = now or timezone.now()
    steps = ensure_templates(call, timezone.localdate(now))
    selections = list(
        Selection.objects.filter(
            call=call, outcome__in=(Selection.Outcome.LEAD, Selection.Outcome.PARTICIPANT)
        )
    )
    participants = {}
    for s in selections:
        if s.outcome == Selection.Outcome.PARTICIPANT:
            participants.setdefault(s.unit_key, []).append(s.application_id)
    created = []
    for s in selections:
        if s.outcome != Selection.Outcome.LEAD:
            continue
        project, new = Project.objects.get_or_create(
            lead_id=s.application_id,
            defaults={"call": call, "subsidy": s.subsidy or Decimal(0), "created_at": now},
        )
        if new:
            project.participants.set(participants.get(s.unit_key, []))
            Milestone.objects.bulk_create(Milestone(project=project, step=st) for st in steps)
            created.append(project)
    return created


@dataclass(frozen=True)
class Rule:
    role: str
    label: str


TRANSITIONS = {
    (Milestone.State.PENDING, Milestone.State.REPORTED): Rule(User.Role.APPLICANT, "报告完成"),
    (Milestone.State.RETURNED, Milestone.State.REPORTED): Rule(User.Role.APPLICANT, "重新报告"),
    (Milestone.State.REPORTED, Milestone.State.ACCEPTED): Rule(User.Role.PROVINCE, "审核通过"),
    (Milestone.State.REPORTED, Milestone.State.RETURNED): Rule(User.Role.PROVINCE, "退回"),
}


def set_milestone_state(milestone: Milestone, to: str, actor, comment: str = "", now=None):
    """The one transition function of a milestone."""
    now = now or timezone.now()
    comment = comment.strip()
    with transaction.atomic():
        locked = (
            Milestone.objects.select_for_update()
            .select_related("project__lead", "step")
            .get(pk=milestone.pk)
        )
        rule = TRANSITIONS.get((locked.state, to))
        if rule is None:
            raise ProjectError(
                f"该里程碑当前为“{locked.get_state_display()}”，不能变为“{Milestone.State(to).label}”。"
            )
        action = "report" if rule.role == User.Role.APPLICANT else "review"
        if actor.role != rule.role or not locked.project.allows(actor, action):
            raise PermissionDenied
        if to == Milestone.State.RETURNED and not comment:
            raise ProjectError("退回须填写意见，说明需要补充或修改的内容。")
        source = locked.state
        locked.state = to
        if to == Milestone.State.REPORTED:
            locked.note, locked.reported_at = comment, now
        if to == Milestone.State.ACCEPTED:
            locked.accepted_at = now
        locked.save()
        event = MilestoneEvent.objects.create(
            milestone=locked,
            actor=actor,
            at=now,
            from_state=source,
            to_state=to,
            comment=comment or rule.label,
        )
        # Recorded with the change (outbox): mailed even if the broker is down now.
        enqueue("projects.tasks.notify_milestone_event", event.pk)
    milestone.state = locked.state
    return event


def report_milestone(milestone: Milestone, user, note: str, files, now=None):
    """The lead unit reports a milestone done, with a note and its sign-off sheets."""
    note = note.strip()
    if not note:
        raise ProjectError("请填写完成情况说明。")
    if len(files) > MAX_EVIDENCE_FILES:
        raise ProjectError(f"每次最多上传{MAX_EVIDENCE_FILES}个证明文件。")
    kinds = [inspect_upload(f) for f in files]
    stored = []
    try:
        with transaction.atomic():
            event = set_milestone_state(milestone, Milestone.State.REPORTED, user, note, now)
            for f, kind in zip(files, kinds, strict=True):
                ev = Evidence(
                    milestone=milestone,
                    original_name=f.name[:255],
                    content_type=kind.content_type,
                    size=f.size,
                    uploaded_by=user,
                )
                try:
                    stored.append(save_to_field(ev.file, f.name, f))
                except DiskError as exc:
                    raise ProjectError(str(exc)) from None
                ev.save()
    except BaseException:
        for name in stored:
            Evidence.file.field.storage.delete(name)
        raise
    return event


# --- money ----------------------------------------------------------------------------------


@dataclass
class StageLine:
    stage: PaymentStage
    amount: Decimal
    due: bool


@dataclass
class Money:
    subsidy: Decimal
    stages: list
    paid: Decimal
    due: Decimal

    @property
    def outstanding(self) -> Decimal:
        return max(self.due - self.paid, Decimal(0))


def money_for(project: Project, stages=None, accepted_steps=None, paid=None) -> Money:
    """What the project has been paid, and what is due: the stages whose milestone is accepted."""
    if stages is None:
        stages = list(PaymentStage.objects.filter(call_id=project.call_id))
    if accepted_steps is None:
        accepted_steps = set(
            project.milestones.filter(state=Milestone.State.ACCEPTED).values_list(
                "step_id", flat=True
            )
        )
    if paid is None:
        paid = project.payments.aggregate(s=Sum("amount"))["s"] or Decimal(0)
    lines = [
        StageLine(
            s,
            (project.subsidy * s.percent / 100).quantize(Decimal("0.01")),
            s.step_id in accepted_steps,
        )
        for s in stages
    ]
    due = sum((line.amount for line in lines if line.due), Decimal(0))
    # SQLite sums decimals without their places; amounts are shown to the fen.
    return Money(project.subsidy, lines, Decimal(paid).quantize(CENT), due)


def record_payment(project: Project, user, paid_on, amount, stage=None) -> Payment:
    _require_province(user)
    if amount is None or amount <= 0:
        raise ProjectError("拨付金额必须大于0。")
    if stage is not None and stage.call_id != project.call_id:
        raise ProjectError("请选择本批次的拨付阶段。")
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        paid = locked.payments.aggregate(s=Sum("amount"))["s"] or Decimal(0)
        if paid + amount > locked.subsidy:
            raise ProjectError(
                f"累计拨付{paid + amount}万元将超过财政经费补助{locked.subsidy}万元，请核对金额。"
            )
        return Payment.objects.create(
            project=locked, stage=stage, paid_on=paid_on, amount=amount, recorded_by=user
        )


def check_evidence(files):
    """Each file checked as application attachments are; ValidationError names the bad one."""
    for f in files:
        inspect_upload(f)
    if len(files) > MAX_EVIDENCE_FILES:
        raise ValidationError(f"每次最多上传{MAX_EVIDENCE_FILES}个证明文件。")
