"""The public page of a call: notice, steps, deadlines, contacts, references and blank forms.

No account is needed; everything here is what the call itself publishes.
"""

import datetime as dt
import hashlib
import io
import zoneinfo

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from .models import Call, deadline_passed

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _end_of(day: dt.date) -> dt.datetime:
    """A deadline's last moment: midnight after the day, Beijing time."""
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=tz)


def countdown(day: dt.date, now=None) -> dict:
    """What the page prints for a deadline: its end (ISO, for the script) and the time left."""
    end = _end_of(day)
    left = end - (now or timezone.now())
    if left.total_seconds() <= 0:
        text = "已截止"
    else:
        days, rest = divmod(int(left.total_seconds()), 86400)
        text = f"剩余 {days} 天 {rest // 3600} 小时"
    return {"date": day, "end_iso": end.isoformat(), "text": text, "passed": deadline_passed(day)}


def steps(call: Call) -> list[dict]:
    """The process in the call's order (二、申报流程): who does what, by when."""
    return [
        {
            "who": "申报单位",
            "what": "注册账号，在线填写《浙江省技能人才评价题库开发项目申报表》（附件2）并上传附件，"
            "按隶属关系提交所属市技能评价（鉴定）中心（省属单位提交省中心）。",
            "by": call.units_deadline,
            "note": "所属中心另设更早截止日期的，以中心的日期为准（登录后显示）。",
        },
        {
            "who": "申报单位",
            "what": "打印提交的申报表，在封面和第四部分加盖公章，扫描上传（盖章页），"
            "并将纸质材料送交所属中心。",
            "by": call.units_deadline,
            "note": "",
        },
        {
            "who": "市技能评价（鉴定）中心",
            "what": "核实审查辖区内申报单位及材料，签署推荐意见（第五部分），"
            "填写《申报推荐情况汇总表》（附件3），以电子文档和纸质文本报送省技能人才评价管理服务中心。",
            "by": call.deadline,
            "note": "",
        },
        {
            "who": "省技能人才评价管理服务中心",
            "what": "同一职业（工种）申报牵头单位超过1家时，根据专业团队力量、资金保障能力、"
            "题库开发经验等情况遴选确定，并公布结果。",
            "by": None,
            "note": "",
        },
    ]


def call_detail(request, slug):
    call = get_object_or_404(Call.objects.prefetch_related("references"), slug=slug)
    context = {
        "call": call,
        "paragraphs": [p.strip() for p in call.notice_text.split("\n\n") if p.strip()],
        "steps": steps(call),
        "units_countdown": countdown(call.units_deadline),
        "centres_countdown": countdown(call.deadline),
        "references": list(call.references.all()),
    }
    return render(request, "catalog/call_detail.html", context)


def current_call(request):
    """/calls/ leads to the call in hand, for the home page and printed material."""
    call = Call.objects.current()
    if call is None:
        raise Http404("当前没有征集批次")
    return redirect("calls:detail", slug=call.slug)


def _attachment(data: bytes, filename: str, content_type: str):
    return FileResponse(
        io.BytesIO(data), as_attachment=True, filename=filename, content_type=content_type
    )


def catalog_xlsx(request, slug):
    """附件1 in its own layout, by the same exporter as `export_catalog`."""
    from .exporter import catalog_entries, write_xlsx

    call = get_object_or_404(Call, slug=slug)
    buffer = io.BytesIO()
    write_xlsx(catalog_entries(call), buffer)
    return _attachment(buffer.getvalue(), f"附件1-参考目录-{call.slug}.xlsx", XLSX)


def blank_form_pdf(request, slug):
    """A blank 附件2, rendered once per layout and call wording, then served from storage."""
    from applications.pdf import LAYOUT_VERSION, render_blank_pdf

    call = get_object_or_404(Call, slug=slug)
    key = hashlib.sha256(f"{LAYOUT_VERSION}\n{call.section_three_title}".encode()).hexdigest()[:16]
    name = f"public/blank-form-{call.pk}-{key}.pdf"
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(render_blank_pdf(call)))
    return FileResponse(
        default_storage.open(name),
        as_attachment=True,
        filename=f"附件2-申报表-空白-{call.slug}.pdf",
        content_type="application/pdf",
    )


def blank_summary_xlsx(request, slug):
    from reviews.summary import render_blank_summary

    call = get_object_or_404(Call, slug=slug)
    return _attachment(render_blank_summary(), f"附件3-汇总表-空白-{call.slug}.xlsx", XLSX)
