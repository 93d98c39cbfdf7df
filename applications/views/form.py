"""The 申报表 (附件2) edit page: the applicant fills it in and saves drafts."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import BadRequest
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from .. import drafts
from ..access import application_for
from ..forms.edit import EXPERT_PREFIX, ApplicationForm, ExpertFormSet, check_summary
from ..models import Status
from ..validation import submission_errors
from ..workflow import available
from .attachments import attachments_context

RESTORED_MESSAGE = "登录已过期，已恢复您刚才填写的内容，请检查后点击保存草稿"
EXPIRED_HTMX_MESSAGE = "登录已过期。请点击“保存草稿”，重新登录后将恢复您填写的内容。"
LOCKED_ROW_MESSAGE = "申报书已提交，不能再添加专家。请刷新页面。"
STASHED_MESSAGE = "登录已过期，请重新登录。您刚才填写的内容已暂存，登录后将自动恢复。"
SAVED_MESSAGE = "草稿已保存。提交前可点击“保存并检查”查看还需修改的内容。"
CHECKED_MESSAGE = "草稿已保存，检查结果见下方。"


def removed_certificates_message(saved: drafts.SavedDraft) -> str:
    names = "、".join(saved.removed_certificates)
    return f"已移除的专家{names}的证书复印件已一并删除；如仍需要，请重新添加专家并上传证书。"


def _stash_key(path: str) -> str:
    return f"form-stash:{path}"


def login_keeping_post(view):
    """login_required that keeps a form posted after the session expired.

    The typed data is stashed in the (new, anonymous) session; Django keeps session data
    across login, so the page can offer it again once the user has logged back in.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if request.htmx:
            # A redirect would be swapped into the page; the script tells the user instead.
            return HttpResponse(EXPIRED_HTMX_MESSAGE, status=401)
        if request.method == "POST":
            request.session[_stash_key(request.path)] = {
                key: values for key, values in request.POST.lists() if key != "csrfmiddlewaretoken"
            }
            messages.warning(request, STASHED_MESSAGE)
        return redirect_to_login(request.get_full_path())

    return wrapper


@login_keeping_post
@require_http_methods(["GET", "POST"])
def edit(request, pk):
    application = application_for(request.user, pk, action="edit")
    stash = request.session.pop(_stash_key(request.path), None)
    if not application.is_editable:
        return _locked(request, application)
    check = request.GET.get("check") == "1"

    if request.method == "POST" or stash is not None:
        data = request.POST if request.method == "POST" else _as_querydict(stash)
        form = ApplicationForm(data, instance=application)
        formset = ExpertFormSet(data, instance=application, prefix=EXPERT_PREFIX)
    else:
        form = ApplicationForm(instance=application)
        formset = ExpertFormSet(instance=application, prefix=EXPERT_PREFIX)

    conflict = None
    if request.method == "POST":
        if form.is_valid() and formset.is_valid():
            try:
                saved = drafts.save_draft(
                    application,
                    version=form.expected_version,
                    fields=form.draft_fields(),
                    experts=formset.rows(),
                    user=request.user,
                )
            except drafts.NotEditable as exc:
                messages.error(request, f"{exc}您刚才的修改未能保存。")
                return redirect("applications:detail", pk=application.pk)
            except drafts.DraftConflict as exc:
                conflict = exc
            except drafts.DuplicateUnit as exc:
                form.add_error("custom_occupation", str(exc))
            except drafts.DraftError as exc:
                form.add_error(None, str(exc))
            else:
                then_submit = request.POST.get("then") == "submit"
                # The submit page runs its own check; a hint about the edit page would mislead.
                saved_message = CHECKED_MESSAGE if check else SAVED_MESSAGE
                messages.success(request, "草稿已保存。" if then_submit else saved_message)
                if saved.removed_certificates:
                    messages.warning(request, removed_certificates_message(saved))
                if then_submit:
                    # "提交申报书" saves what was typed first, then asks for confirmation.
                    return redirect("applications:submit", pk=application.pk)
                return redirect(_edit_url(application, check))
        if conflict is None and (form.posted_version or 0) < application.version:
            # Invalid and stale: say so now rather than after the user fixes the errors.
            conflict = drafts.DraftConflict(application.version)
    elif stash is not None:
        messages.info(request, RESTORED_MESSAGE)

    warnings = submission_errors(application) if check and not form.is_bound else {}
    form.warnings = warnings
    context = {
        **attachments_context(request, application),
        "application": application,
        "organisation": application.organisation,
        "form": form,
        "formset": formset,
        "check": check,
        "warnings": warnings,
        "warning_summary": check_summary(form, warnings),
        "warning_count": sum(len(texts) for texts in warnings.values()),
        "conflict": conflict,
        "has_errors": form.is_bound and bool(form.errors or _formset_has_errors(formset)),
        "edit_url": _edit_url(application, check),
        "check_url": _edit_url(application, True),
        # 提交 or 重新提交; the submit page shows what is missing, or asks to confirm.
        "submit_label": dict(available(application, request.user)).get(Status.SUBMITTED),
    }
    return render(request, "applications/edit.html", context, status=409 if conflict else 200)


@require_GET
@login_keeping_post
def expert_row(request, pk):
    """One empty row of the expert table, with the prefix index the page asks for."""
    application = application_for(request.user, pk, action="edit")
    if not application.is_editable:
        # Answered to the page's script, which shows it; a redirect would land in the table.
        return HttpResponse(LOCKED_ROW_MESSAGE, status=409)
    try:
        index = int(request.GET.get("index", ""))
    except ValueError:
        raise BadRequest("index must be a number") from None
    formset = ExpertFormSet(instance=application, prefix=EXPERT_PREFIX)
    if not 0 <= index < formset.absolute_max:
        raise BadRequest("index out of range")
    return render(
        request,
        "applications/_form_expert_row.html",
        {"row": formset.new_row(index), "number": index + 1},
    )


def _locked(request, application):
    messages.warning(
        request,
        f"申报书已提交，不能修改（当前状态：{application.status_label_for(request.user)}）。"
        "如需修改，请在评价中心开始审核前撤回，或等待退回修改。",
    )
    return redirect("applications:detail", pk=application.pk)


def _edit_url(application, check: bool) -> str:
    url = reverse("applications:edit", args=[application.pk])
    return f"{url}?check=1" if check else url


def _as_querydict(stash: dict) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, values in stash.items():
        data.setlist(key, values)
    return data


def _formset_has_errors(formset) -> bool:
    return bool(formset.non_form_errors()) or any(form.errors for form in formset.forms)
