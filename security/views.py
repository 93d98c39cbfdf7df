from base64 import b32encode

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from . import sessions, two_factor
from .models import SecurityEvent, UserSession
from .ratelimit import ratelimit


class TokenForm(forms.Form):
    token = forms.CharField(
        label="验证码或恢复码",
        max_length=32,
        help_text="身份验证器应用显示的 6 位数字；手机丢失时可输入一个恢复码。",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text"}),
    )


class EnrolForm(forms.Form):
    token = forms.CharField(
        label="6 位验证码",
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ResetForm(forms.Form):
    email = forms.EmailField(label="账号邮箱")
    reason = forms.CharField(label="重置原因", max_length=300)


def _next(request, default="accounts:dashboard"):
    target = request.POST.get("next") or request.GET.get("next")
    # Only a path on this site: redirect() would take a bare word for a URL name.
    if (
        target
        and target.startswith("/")
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return redirect(default).url


def _qr_svg(url: str) -> str:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


@login_required
@ratelimit("2fa-setup", per_account="20/10m")
def setup(request):
    user = request.user
    # Replacing a device needs the current one first; the middleware sends unverified users there.
    if two_factor.has_device(user) and not user.is_verified():
        return redirect("security:2fa_verify")
    device = two_factor.pending_totp(user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token("".join(form.cleaned_data["token"].split())):
            codes = two_factor.confirm_enrolment(user, device, request)
            otp_login(request, device)
            two_factor.note_device(request, True)
            # Other browsers logged in with the password alone must not stay in.
            sessions.end_other_sessions(user, request.session.session_key)
            return render(
                request, "security/recovery_codes.html", {"codes": codes, "next": _next(request)}
            )
        form.add_error("token", "验证码不正确。请确认手机时间准确，并输入应用当前显示的 6 位数字。")
    return render(
        request,
        "security/setup.html",
        {
            "form": form,
            "qr_svg": _qr_svg(device.config_url),
            "secret": b32encode(device.bin_key).decode(),
            "required": two_factor.requires_2fa(user),
            "next": _next(request),
        },
    )


@login_required
@ratelimit("2fa-verify", per_address="30/10m", per_account="10/10m")
def verify(request):
    user = request.user
    if user.is_verified():
        return redirect(_next(request))
    if not two_factor.has_device(user):
        two_factor.note_device(request, False)
        return redirect(_next(request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = two_factor.verify(user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                two_factor.record(user, SecurityEvent.Kind.RECOVERY_USED, request)
                messages.warning(
                    request,
                    f"您使用了一个恢复码，还剩 {left} 个。如手机丢失，请在“账号安全”中重新绑定身份验证器。",
                )
            return redirect(_next(request))
        form.add_error("token", "验证码或恢复码不正确，或尝试过于频繁，请稍后再试。")
    return render(request, "security/verify.html", {"form": form, "next": _next(request)})


@login_required
def account(request):
    user = request.user
    recovery_left = StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
    return render(
        request,
        "security/account.html",
        {
            "enrolled": two_factor.has_device(user),
            "required": two_factor.requires_2fa(user),
            "recovery_left": recovery_left,
            "sessions": sessions.live_sessions(user),
            "current_key": request.session.session_key,
            "events": user.security_events.select_related("actor")[:20],
        },
    )


@login_required
@require_POST
def renew_codes(request):
    user = request.user
    if not user.is_verified():
        return redirect("security:2fa_verify")
    codes = two_factor.renew_recovery_codes(user)
    two_factor.record(user, SecurityEvent.Kind.CODES, request)
    return render(
        request,
        "security/recovery_codes.html",
        {"codes": codes, "next": redirect("security:account").url},
    )


@login_required
@require_POST
def disable(request):
    user = request.user
    if two_factor.requires_2fa(user):
        raise PermissionDenied("工作人员账号必须使用双重验证。")
    if not user.is_verified():
        return redirect("security:2fa_verify")
    two_factor.remove_devices(user)
    two_factor.note_device(request, False)
    two_factor.record(user, SecurityEvent.Kind.DISABLED, request)
    messages.success(request, "已停用双重验证。")
    return redirect("security:account")


@login_required
@require_POST
def end_session(request, pk):
    record = get_object_or_404(UserSession, pk=pk, user=request.user)
    if record.session_key != request.session.session_key:
        sessions.end_session(record.session_key)
        two_factor.record(request.user, SecurityEvent.Kind.SESSIONS_ENDED, request, note="1 个")
        messages.success(request, "已结束该会话。")
    return redirect("security:account")


@login_required
@require_POST
def end_others(request):
    ended = sessions.end_other_sessions(request.user, request.session.session_key)
    two_factor.record(request.user, SecurityEvent.Kind.SESSIONS_ENDED, request, note=f"{ended} 个")
    messages.success(request, f"已结束其他 {ended} 个会话。")
    return redirect("security:account")


@login_required
@ratelimit("2fa-reset", per_account="30/h")
def reset(request):
    """An admin resets the second factor of a user who lost the device; recorded in history."""
    if not request.user.is_admin:
        raise PermissionDenied
    form = ResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        target = (
            get_user_model()
            .objects.filter(email__iexact=form.cleaned_data["email"].strip())
            .first()
        )
        if target is None:
            form.add_error("email", "没有使用这个邮箱的账号。")
        else:
            two_factor.remove_devices(target)
            # The lost device may still be logged in somewhere.
            sessions.end_other_sessions(target, request.session.session_key)
            two_factor.record(
                target, SecurityEvent.Kind.RESET, request, note=form.cleaned_data["reason"]
            )
            messages.success(request, f"已重置 {target} 的双重验证，对方下次登录时需重新绑定。")
            return redirect("security:reset")
    events = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.RESET).select_related(
        "user", "actor"
    )[:20]
    return render(request, "security/reset.html", {"form": form, "events": events})


class PasswordChangeView(auth_views.PasswordChangeView):
    """Changing the password also ends the user's other sessions, everywhere."""

    def form_valid(self, form):
        response = super().form_valid(form)
        sessions.end_other_sessions(self.request.user, self.request.session.session_key)
        return response
