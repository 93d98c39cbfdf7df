"""Asking for the Excel exports: each is rendered in the background and shown with progress."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from catalog.models import Call
from documents.models import Document
from documents.services import request_document

from ..access import require_centre_staff
from .board import province_only

QUEUE_FILTERS = ("status", "q", "intention", "organisation")
BOARD_FILTERS = ("flag", "industry", "series", "tag", "centre", "q")


def _params(post, names) -> dict:
    # Only the filter's own fields, as strings: the exporter validates them again.
    return {name: post.get(name, "")[:200] for name in names if post.get(name)}


def _call(request):
    call = Call.objects.select_related("publication").current(request.POST.get("call"))
    if call is None:
        raise Http404("暂无征集批次")
    return call


def _queued(request, doc, what: str):
    messages.info(request, f"已提交导出任务：{what}。本页显示进度，完成后即可下载。")
    return redirect("documents:detail", pk=doc.pk)


@login_required
@require_POST
def queue_export(request):
    """The centre's queue as filtered; statuses as this user may know them (follows_selection)."""
    require_centre_staff(request.user)
    call = _call(request)
    doc = request_document(
        Document.Kind.QUEUE_XLSX,
        request.user,
        call=call,
        centre_id=request.user.centre_id,
        params=_params(request.POST, QUEUE_FILTERS),
    )
    return _queued(request, doc, "审核队列（按当前筛选条件）")


@province_only
@require_POST
def board_export(request):
    call = _call(request)
    doc = request_document(
        Document.Kind.BOARD_XLSX,
        request.user,
        call=call,
        params=_params(request.POST, BOARD_FILTERS),
    )
    return _queued(request, doc, "遴选总表（按当前筛选条件）")


@province_only
@require_POST
def scores_export(request):
    call = _call(request)
    doc = request_document(Document.Kind.SCORES_XLSX, request.user, call=call)
    return _queued(request, doc, "全部评分及评分说明")


@province_only
@require_POST
def combined_summary(request):
    call = _call(request)
    doc = request_document(Document.Kind.COMBINED_SUMMARY_XLSX, request.user, call=call)
    return _queued(request, doc, "全省附件3汇总表（各中心报送版）")
