"""The paper copy the call asks for (以文本和电子文档形式), recorded beside the online chain.

The unit uploads its stamped pages (盖章页: cover and section 四) against the version it
submitted; its centre records that the printed copy arrived and uploads its stamped section
五. Each record writes a history row (Event.Kind.PAPER, status unchanged) in the same
transaction, and goes through the same access rules as the application itself.
"""

import datetime as dt
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tiku_portal.files import DiskError, save_to_field

from .attachments import inspect_upload
from .models import EDITABLE, Application, Event, StampedScan, Status

# Section 五 is stamped once the centre has given its opinion.
OPINION_GIVEN = {
    Status.RECOMMENDED,
    Status.NOT_RECOMMENDED,
    Status.SENT,
    Status.SELECTED,
    Status.NOT_SELECTED,
}


class PaperError(Exception):
    """A paper record the rules refuse; the message is shown to the user as it is."""


def latest_version(app: Application) -> int | None:
    return app.snapshots.order_by("-number").values_list("number", flat=True).first()


def stamped_current(app: Application, latest: int | None) -> bool:
    """Whether the unit's stamped pages belong to the version it submitted last."""
    return latest is not None and app.stamped_version == latest


def _locked(app: Application) -> Application:
    return Application.objects.select_for_update().get(pk=app.pk)


def _history(app: Application, user, comment: str, now) -> Event:
    return Event.objects.create(
        application=app,
        actor=user,
        at=now,
        from_status=app.status,
        to_status=app.status,
        comment=comment,
        kind=Event.Kind.PAPER,
    )


@contextmanager
def _stored(scan: StampedScan, uploaded):
    """Save the file, and delete it again if the transaction around it fails."""
    stored = ""
    try:
        try:
            stored = save_to_field(scan.file, uploaded.name, uploaded)
        except DiskError as exc:
            raise PaperError(str(exc)) from None
        yield
    except BaseException:
        if stored:
            scan.file.storage.delete(stored)
        raise


def _scan(app, user, uploaded, kind, version, now) -> StampedScan:
    file_type = inspect_upload(uploaded)
    return StampedScan(
        application=app,
        kind=kind,
        version=version,
        original_name=uploaded.name,
        content_type=file_type.content_type,
        size=uploaded.size,
        uploaded_by=user,
        uploaded_at=now,
    )


def upload_unit_pages(app: Application, user, uploaded, now=None) -> StampedScan:
    """The unit's stamped cover and section 四, against its latest submitted version."""
    now = now or timezone.now()
    if not app.allows(user, "upload"):
        raise PaperError("只有申报单位本单位的用户可以上传盖章页。")
    with transaction.atomic():
        locked = _locked(app)
        if locked.status in EDITABLE:
            raise PaperError("请先提交申报书，再打印该版本、盖章后上传盖章页。")
        version = latest_version(locked)
        scan = _scan(locked, user, uploaded, StampedScan.Kind.UNIT_PAGES, version, now)
        with _stored(scan, uploaded):
            scan.save()
            locked.stamped_version = version
            locked.save(update_fields=["stamped_version"])
            _history(locked, user, f"上传盖章页（第{version}版）：{uploaded.name}", now)
    app.stamped_version = version
    return scan


def upload_section_five(app: Application, user, uploaded, now=None) -> StampedScan:
    """The centre's stamped section 五 (评价（鉴定）中心意见)."""
    now = now or timezone.now()
    if not app.allows(user, "review"):
        raise PaperError("只有申报单位所属的评价中心可以上传第五部分盖章页。")
    with transaction.atomic():
        locked = _locked(app)
        if locked.status not in OPINION_GIVEN:
            raise PaperError("请先作出推荐意见，再打印第五部分、盖章后上传。")
        version = latest_version(locked)
        scan = _scan(locked, user, uploaded, StampedScan.Kind.SECTION_FIVE, version, now)
        with _stored(scan, uploaded):
            scan.save()
            locked.section_five_stamped_at = now
            locked.save(update_fields=["section_five_stamped_at"])
            _history(locked, user, f"上传第五部分盖章页：{uploaded.name}", now)
    app.section_five_stamped_at = now
    return scan


def record_paper_received(app: Application, user, on: dt.date, now=None) -> Event:
    """The centre notes the day the unit's printed, stamped copy arrived."""
    now = now or timezone.now()
    if not app.allows(user, "review"):
        raise PaperError("只有申报单位所属的评价中心可以登记纸质材料。")
    if on > timezone.localdate(now):
        raise PaperError("收到日期不能晚于今天。")
    with transaction.atomic():
        locked = _locked(app)
        if locked.status in EDITABLE:
            raise PaperError("申报书尚未提交（或已退回修改），不能登记纸质材料。")
        locked.paper_received_on, locked.paper_received_by = on, user
        locked.save(update_fields=["paper_received_on", "paper_received_by"])
        event = _history(locked, user, f"登记纸质材料已收到（{on:%Y-%m-%d}）", now)
    app.paper_received_on, app.paper_received_by = on, user
    return event


def missing_for_sending(app: Application, latest: int | None) -> list[str]:
    """What a call that requires the paper copy still lacks for this application."""
    missing = []
    if not stamped_current(app, latest):
        missing.append("申报单位盖章页")
    if not app.paper_received_on:
        missing.append("纸质材料登记")
    if not app.section_five_stamped_at:
        missing.append("第五部分盖章页")
    return missing


def validate_upload(uploaded) -> None:
    """The attachments' checks (type by content, size), for forms that want the error early."""
    if uploaded is None:
        raise ValidationError("请选择要上传的文件。")
    inspect_upload(uploaded)
