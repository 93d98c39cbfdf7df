from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from security.ratelimit import ratelimit
from tiku_portal.filenames import display_name

from . import services
from .access import document_for
from .models import Document


@login_required
def status(request, pk):
    """The status block; htmx polls it until the document is finished."""
    doc = document_for(request.user, pk)
    return render(request, "documents/_status_inner.html", {"doc": doc})


@login_required
def download(request, pk):
    doc = document_for(request.user, pk)
    if doc.state != Document.State.DONE or not doc.file:
        raise Http404("文件尚未生成")
    # Django writes a non-ASCII name as RFC 5987 filename*; display_name keeps it path-free.
    response = FileResponse(
        doc.file.open("rb"), as_attachment=True, filename=display_name(doc.filename)
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
@ratelimit("document-retry", per_address="30/10m", per_account="10/10m")
def retry(request, pk):
    doc = document_for(request.user, pk, action="retry")
    doc = services.retry(doc)
    if request.htmx:
        return render(request, "documents/_status_inner.html", {"doc": doc})
    messages.info(request, "已重新提交生成任务。")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("documents:detail", args=[doc.pk])
    return redirect(target)


@login_required
def detail(request, pk):
    doc = document_for(request.user, pk)
    return render(request, "documents/detail.html", {"doc": doc})
