"""The application's one transition function and the rules it enforces.

Every change of ``Application.status`` goes through ``set_state``: it checks the
rule, saves, writes the append-only history row and schedules the notification.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from documents.services import request_application_pdf
from outbox.services import enqueue

from .models import SELECTION_STATES, Application, Event, Status
from .snapshot import take_snapshot
from .validation import submission_errors


class TransitionError(Exception):
    """A transition the rules refuse; the message is shown to the user as it is."""


@dataclass(frozen=True)
class Rule:
    roles: frozenset
    label: str
    check: Callable[[Application, User, object], None] | None = None


def _own_organisation(app, actor):
    return actor.role == User.Role.APPLICANT and actor.organisation_id == app.organisation_id


def _reviewing_centre(app, actor):
    """The centre the unit reports to: its city's, or the province's for province-affiliated units."""
    return actor.role in CENTRE and actor.centre_id == app.organisation.centre_id


def _check_submit(app, actor, now):
    # Publishing the results closes the call, whatever its deadline says.
    if not app.call.is_open:
        raise TransitionError(f"“{app.call.name}”已结束，不能再提交申报书。")
    if app.deadline_passed(now):
        d = app.deadline()
        raise TransitionError(
            f"申报已于{d.year}年{d.month}月{d.day}日24时（北京时间）截止，不能再提交。"
        )
    errors = submission_errors(app)
    if errors:
        raise TransitionError("申报书尚未填写完整，请按提示修改后再提交。")


APPLICANT = frozenset({User.Role.APPLICANT})
CENTRE = frozenset({User.Role.CITY, User.Role.PROVINCE})
PROVINCE = frozenset({User.Role.PROVINCE})

TRANSITIONS: dict[tuple[str, str], Rule] = {
    (Status.DRAFT, Status.SUBMITTED): Rule(APPLICANT, "提交", _check_submit),
    (Status.RETURNED, Status.SUBMITTED): Rule(APPLICANT, "重新提交", _check_submit),
    # Withdraw only until the centre starts its review: IN_REVIEW is no source of it.
    (Status.SUBMITTED, Status.DRAFT): Rule(APPLICANT, "撤回"),
    (Status.SUBMITTED, Status.IN_REVIEW): Rule(CENTRE, "开始审核"),
    (Status.SUBMITTED, Status.RETURNED): Rule(CENTRE, "退回修改"),
    (Status.IN_REVIEW, Status.RETURNED): Rule(CENTRE, "退回修改"),
    (Status.SUBMITTED, Status.VERIFIED): Rule(CENTRE, "核实"),
    (Status.IN_REVIEW, Status.VERIFIED): Rule(CENTRE, "核实"),
    (Status.VERIFIED, Status.RECOMMENDED): Rule(CENTRE, "推荐"),
    (Status.VERIFIED, Status.NOT_RECOMMENDED): Rule(CENTRE, "不予推荐"),
    (Status.RECOMMENDED, Status.VERIFIED): Rule(CENTRE, "撤销推荐"),
    (Status.NOT_RECOMMENDED, Status.VERIFIED): Rule(CENTRE, "撤销推荐"),
    (Status.RECOMMENDED, Status.SENT): Rule(CENTRE, "报送省中心"),
    (Status.NOT_RECOMMENDED, Status.SENT): Rule(CENTRE, "报送省中心"),
    (Status.SENT, Status.RECOMMENDED): Rule(PROVINCE, "重新开放报送"),
    (Status.SENT, Status.NOT_RECOMMENDED): Rule(PROVINCE, "重新开放报送"),
    (Status.SENT, Status.SELECTED): Rule(PROVINCE, "确定入选"),
    (Status.SENT, Status.NOT_SELECTED): Rule(PROVINCE, "确定未入选"),
    (Status.SELECTED, Status.SENT): Rule(PROVINCE, "撤销遴选结果"),
    (Status.NOT_SELECTED, Status.SENT): Rule(PROVINCE, "撤销遴选结果"),
}


def _actor_may(rule: Rule, app: Application, actor: User) -> bool:
    if actor.role not in rule.roles:
        return False
    if rule.roles == APPLICANT:
        return _own_organisation(app, actor)
    if rule.roles == PROVINCE:
        return True
    return _reviewing_centre(app, actor)


def available(app: Application, actor: User) -> list[tuple[str, str]]:
    """The transitions this user could attempt now, as (target status, label)."""
    return [
        (to, rule.label)
        for (src, to), rule in TRANSITIONS.items()
        if src == app.status and _actor_may(rule, app, actor)
    ]


def refusal(app: Application, seen: Status, to: str, actor: User) -> str:
    """Why `actor` may not move `app` to `to`, judged from the status `seen` as they know it."""
    rule = TRANSITIONS.get((seen, to))
    if rule is not None and not _actor_may(rule, app, actor):
        return f"您没有权限对这份申报书执行“{rule.label}”。"
    return f"申报书当前状态为“{seen.label}”，不能变为“{Status(to).label}”。"


def set_state(app: Application, to: str, actor: User, comment: str = "", now=None) -> Event:
    now = now or timezone.now()
    with transaction.atomic():
        # Lock the row: two tabs submitting at once must not both pass the checks.
        locked = (
            Application.objects.select_for_update()
            .select_related("call", "organisation")
            .get(pk=app.pk)
        )
        rule = TRANSITIONS.get((locked.status, to))
        seen = locked.status_for(actor)
        # A refusal is worded from the status as the actor may know it (status_for), so it
        # reads the same for an undecided application and one the province decided on.
        if seen != locked.status or rule is None or not _actor_may(rule, locked, actor):
            raise TransitionError(refusal(locked, seen, to, actor))
        if rule.check:
            rule.check(locked, actor, now)
        source = locked.status
        locked.status = to
        fields = ["status"]
        # A decision of the province changes nothing of the application: its "last updated"
        # time, shown to the unit and its centre, must not move either (follows_selection).
        if source not in SELECTION_STATES and to not in SELECTION_STATES:
            fields.append("updated_at")
        if to == Status.SUBMITTED:
            locked.submitted_at = now
            # Received by the centre the unit reports to now (按隶属关系).
            locked.centre_id = locked.organisation.centre_id
            fields += ["submitted_at", "centre"]
        elif to == Status.DRAFT:
            # Withdrawn: the unit's own work again, held by no centre until submitted anew.
            locked.centre_id = None
            fields.append("centre")
        locked.save(update_fields=fields)
        if to == Status.SUBMITTED:
            # Each submission is frozen as a new version; earlier versions stay.
            snapshot = take_snapshot(locked, now)
            # Recorded with the submission (outbox): rendered even if the broker is down now.
            request_application_pdf(snapshot)
        # The supervisor's trail (audit) lists status changes beside the other changes.
        _audit_status(locked, actor, source, to, now)
        event = Event.objects.create(
            application=locked,
            actor=actor,
            at=now,
            from_status=source,
            to_status=to,
            comment=comment or rule.label,
        )
        enqueue("applications.tasks.notify_event", event.pk)
    app.status, app.submitted_at = locked.status, locked.submitted_at
    app.centre_id = locked.centre_id
    return event


def _audit_status(app: Application, actor: User, source: str, to: str, now) -> None:
    from audit.models import Subject
    from audit.trail import record

    record(
        actor,
        Subject.APPLICATION,
        app,
        {"status": Status(source).label},
        {"status": Status(to).label},
        call=app.call,
        label=f"{app.reference} {app.organisation.name}",
        at=now,
    )


def record_creation(app: Application, actor: User) -> Event:
    """The first history row: the application came into being as a draft."""
    return Event.objects.create(
        application=app, actor=actor, from_status="", to_status=Status.DRAFT, comment="创建草稿"
    )
