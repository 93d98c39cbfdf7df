"""The province's page of the trail across a call, and its export."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from catalog.models import Call
from documents.models import Document
from documents.services import request_document
from reviews.views.board import province_only

from .forms import TrailFilterForm

PER_PAGE = 100


def _call(request, data):
    call = Call.objects.current(data.get("call"))
    if call is None:
        raise Http404("暂无征集批次")
    return call


@province_only
def trail(request):
    call = _call(request, request.GET)
    form = TrailFilterForm(request.GET or None)
    changes = form.apply(call)
    page = Paginator(changes, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "call": call,
        "form": form,
        "page": page,
        "changes": page.object_list,
        "query": query.urlencode(),
        "params": form.params(),
    }
    return render(request, "audit/trail.html", context)


@province_only
@require_POST
def export(request):
    call = _call(request, request.POST)
    form = TrailFilterForm(request.POST)
    if not form.is_valid():
        messages.error(request, "筛选条件有误，未导出。")
        return redirect("audit:trail")
    doc = request_document(Document.Kind.AUDIT_XLSX, request.user, call=call, params=form.params())
    messages.info(
        request, "已提交导出任务：修改留痕（按当前筛选条件）。本页显示进度，完成后即可下载。"
    )
    return redirect("documents:detail", pk=doc.pk)
