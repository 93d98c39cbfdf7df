"""Two-factor login with django-otp: a TOTP app plus one-time recovery codes.

After the password, a user with a confirmed device must give a code before reaching any
page; staff without a device (when STAFF_2FA_REQUIRED) reach only the enrolment pages.
"""

import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import SecurityEvent
from .ratelimit import client_address
from .sessions import page_redirect

RECOVERY_CODES = 10
# Lower-case letters and digits without look-alikes (0/o, 1/l/i), read from paper easily.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def requires_2fa(user) -> bool:
    """Staff must enrol when the setting says so; applicants may choose to."""
    return settings.STAFF_2FA_REQUIRED and (user.is_centre_staff or user.is_admin)


def new_recovery_code() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(10))


def record(user, kind, request=None, *, actor=None, note=""):
    return SecurityEvent.objects.create(
        user=user,
        actor=actor if actor is not None else (request.user if request else None),
        kind=kind,
        note=note,
        address=client_address(request)[:64] if request else "",
    )


def pending_totp(user) -> TOTPDevice:
    """The unconfirmed authenticator being enrolled, created on first visit of the setup page."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="身份验证器", confirmed=False)
    return device


@transaction.atomic
def confirm_enrolment(user, device: TOTPDevice, request) -> list[str]:
    """The user proved the authenticator works: keep it, give fresh recovery codes."""
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = renew_recovery_codes(user)
    record(user, SecurityEvent.Kind.ENROLLED, request)
    return codes


def renew_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes; each works once."""
    static, _ = StaticDevice.objects.get_or_create(
        user=user, defaults={"name": "恢复码", "confirmed": True}
    )
    static.token_set.all().delete()
    codes = [new_recovery_code() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=c) for c in codes)
    return codes


def verify(user, token: str):
    """The confirmed device accepting `token` (a recovery code is used up), or None.

    Each device counts failures and refuses for a growing while after them (django-otp).
    """
    token = "".join(token.split()).lower()
    if token.isdigit():
        devices = TOTPDevice.objects.filter(user=user, confirmed=True)
    else:
        devices = StaticDevice.objects.filter(user=user, confirmed=True)
    for device in devices:
        allowed, _ = device.verify_is_allowed()
        if allowed and device.verify_token(token):
            return device
    return None


@transaction.atomic
def remove_devices(user) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def has_device(user) -> bool:
    return user_has_device(user, confirmed=True)


# Whether the logged-in user has a second factor, noted in the session at login so that pages
# do not ask the database on every request. Enrolling elsewhere ends this session (see views).
SESSION_FLAG = "_portal_2fa"


def note_device(request, present: bool) -> None:
    request.session[SESSION_FLAG] = "device" if present else "none"


def _session_has_device(request) -> bool:
    flag = request.session.get(SESSION_FLAG)
    if flag is None:
        note_device(request, has_device(request.user))
        flag = request.session[SESSION_FLAG]
    return flag == "device"


# Paths a user between password and second factor may still reach.
_OPEN_PREFIXES = ("/static/", "/security/csp-report/", "/healthz")


def gate(request):
    """Where an unverified, logged-in user must go first, or None."""
    if _session_has_device(request):
        return reverse("security:2fa_verify")
    if requires_2fa(request.user):
        return reverse("security:2fa_setup")
    return None


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified():
            target = gate(request)
            path = request.path
            if (
                target
                and path != target
                and path != reverse("accounts:logout")
                and not path.startswith(_OPEN_PREFIXES)
            ):
                return page_redirect(
                    request, f"{target}?{urlencode({'next': request.get_full_path()})}"
                )
        return self.get_response(request)
