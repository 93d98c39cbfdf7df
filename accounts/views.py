from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.tokens import default_token_generator
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Count, Prefetch
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from applications.models import Application, Event, deadline_for
from catalog.models import Call
from security.ratelimit import ratelimit

from . import services
from .access import organisation_for
from .forms import AcceptInvitationForm, InvitationForm, OrganisationForm, RegistrationForm
from .models import Centre, Invitation, Organisation, User

BACKEND = "django.contrib.auth.backends.ModelBackend"


@ratelimit("register", per_address="10/h", per_account="5/h", account_field="email")
def register(request):
    if request.user.is_authenticated:
        return redirect("accounts:dashboard")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():

        def confirm_url_for(user):
            uid = urlsafe_base64_encode(force_bytes(user.pk))
            token = default_token_generator.make_token(user)
            return request.build_absolute_uri(
                reverse("accounts:register_confirm", args=[uid, token])
            )

        try:
            services.request_registration(form.cleaned_data, confirm_url_for)
        except IntegrityError:
            # The same unit registered a moment ago (a double submit, or a colleague).
            form.add_error("credit_code", RegistrationForm.already_registered_message())
        else:
            # The same answer whether or not the address was registered already.
            return redirect("accounts:register_sent")
    return render(request, "accounts/register.html", {"form": form})


def register_sent(request):
    return render(request, "accounts/register_sent.html")


def register_confirm(request, uidb64, token):
    """The link of the registration e-mail: activates the account once, then logs it in."""
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
        user = User.objects.select_related("organisation").get(pk=pk)
    except (ValueError, TypeError, OverflowError, UnicodeDecodeError, User.DoesNotExist):
        user = None
    # The token covers last_login, so it stops working once the account has been used.
    if user is None or user.is_active or not default_token_generator.check_token(user, token):
        return render(request, "accounts/register_invalid.html", status=400)
    services.confirm_registration(user)
    login(request, user, backend=BACKEND)
    messages.success(request, f"“{user.organisation.name}”注册成功。")
    return redirect("accounts:dashboard")


@login_required
def dashboard(request):
    user = request.user
    call = Call.objects.current()
    context = {"call": call}
    if call and user.is_applicant:
        # Units submit to their centre by the centre's own date, if it set one.
        context["deadline"] = deadline_for(call, user.organisation.centre_id)
    elif call and user.is_centre_staff:
        # Staff see the date their units work to, which they may have set themselves.
        context["deadline"] = deadline_for(call, user.centre_id)
    if user.is_applicant:
        org = organisation_for(user, user.organisation_id)
        context.update(
            organisation=org,
            members=org.members.order_by("date_joined"),
            invitations=org.invitations.filter(accepted_at__isnull=True),
            invite_form=InvitationForm(),
            applications=_applications_of(org, user),
        )
        template = "accounts/dashboard_applicant.html"
    elif user.is_centre_staff or user.is_admin:
        context["organisations"] = _organisation_page(user, request.GET.get("page"))
        if user.is_city_staff:
            template = "accounts/dashboard_city.html"
        else:
            context["centres"] = Centre.objects.official_order().annotate(
                org_count=Count("organisations")
            )
            template = "accounts/dashboard_province.html"
    else:
        template = "accounts/dashboard.html"
    return render(request, template, context)


# Organisations per page of a centre's dashboard: a province has thousands.
ORGANISATIONS_PER_PAGE = 50


def _organisation_page(user, number):
    """One page of the units the user sees, each with its number of users (two queries)."""
    organisations = Organisation.objects.visible_to(user).select_related("centre")
    page = Paginator(organisations.order_by("name", "pk"), ORGANISATIONS_PER_PAGE).get_page(number)
    counts = dict(
        User.objects.filter(organisation__in=[org.pk for org in page])
        .order_by()
        .values("organisation")
        .annotate(n=Count("pk"))
        .values_list("organisation", "n")
    )
    for org in page:
        org.member_count = counts.get(org.pk, 0)
    return page


def _applications_of(org, user):
    """The unit's applications with their histories, in two queries whatever their number."""
    events = Event.objects.visible_to(user).select_related("actor")
    return (
        Application.objects.filter(organisation=org)
        .select_related("call__publication", "unit__entry", "selection")
        .prefetch_related(Prefetch("events", queryset=events))
    )


@login_required
def organisation_detail(request, pk):
    org = organisation_for(request.user, pk)
    return render(
        request,
        "accounts/organisation_detail.html",
        {
            "organisation": org,
            "members": org.members.order_by("date_joined"),
            "can_change": org.allows(request.user, "change"),
        },
    )


@login_required
def organisation_edit(request, pk):
    org = organisation_for(request.user, pk, action="change")
    # Read before the form writes what was typed into the instance.
    before = services.organisation_values(org)
    form = OrganisationForm(request.POST or None, instance=org)
    if request.method == "POST" and form.is_valid():
        services.save_organisation(form.save(commit=False), request.user, before)
        messages.success(request, "单位信息已保存。")
        return redirect("accounts:organisation_detail", pk=org.pk)
    return render(request, "accounts/organisation_form.html", {"form": form, "organisation": org})


@login_required
@ratelimit("invite", per_address="30/h", per_account="20/h")
def invite(request, pk):
    org = organisation_for(request.user, pk, action="invite")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = InvitationForm(request.POST)
    if form.is_valid():
        services.invite_colleague(
            org,
            form.cleaned_data["email"],
            request.user,
            lambda inv: request.build_absolute_uri(reverse("accounts:accept", args=[inv.token])),
        )
        messages.success(request, f"邀请邮件已发送至 {form.cleaned_data['email']}。")
        return redirect("accounts:dashboard")
    return render(
        request,
        "accounts/dashboard_applicant.html",
        {
            "organisation": org,
            "members": org.members.order_by("date_joined"),
            "invitations": org.invitations.filter(accepted_at__isnull=True),
            "invite_form": form,
            "applications": _applications_of(org, request.user),
        },
        status=400,
    )


@ratelimit("accept", per_address="20/h")
def accept(request, token):
    invitation = get_object_or_404(Invitation.objects.select_related("organisation"), token=token)
    if invitation.is_used:
        return render(request, "accounts/invitation_used.html", status=410)
    if request.user.is_authenticated:
        messages.warning(request, "您已登录其他账号。请先退出登录，再打开邀请链接。")
        return redirect("accounts:dashboard")
    form = AcceptInvitationForm(request.POST or None, invitation=invitation)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.accept_invitation(invitation.pk, form.cleaned_data)
        except services.InvitationUsed:
            return render(request, "accounts/invitation_used.html", status=410)
        login(request, user, backend=BACKEND)
        messages.success(request, f"欢迎加入“{invitation.organisation.name}”。")
        return redirect("accounts:dashboard")
    return render(request, "accounts/accept.html", {"form": form, "invitation": invitation})
