"""Who is logging in, and from where: one answer for the login form and for django-axes.

The lockout counts failures per account and client address. Both parts must be what login
itself sees, or the lock is sidestepped (typing the address in capitals) or turned against
someone else (every client behind a proxy sharing one address).
"""

import ipaddress
import unicodedata

from django.conf import settings

# The longest e-mail the accounts table holds (Django's EmailField default).
MAX_USERNAME_LENGTH = 254
# django-axes keeps the username in a 255-character column.
AXES_USERNAME_LENGTH = 255


def normalise_username(value) -> str:
    """The one form of a typed login e-mail: full-width characters, case and spaces folded."""
    # NFKC folds the full-width letters and spaces a Chinese input method may type.
    return unicodedata.normalize("NFKC", str(value or "")).strip().lower()


def axes_username(request, credentials=None) -> str:
    """AXES_USERNAME_CALLABLE: the username the lockout counts, as login looks it up."""
    field = settings.AXES_USERNAME_FORM_FIELD
    raw = (credentials or {}).get(field)
    if raw is None and request is not None:
        raw = getattr(request, "POST", {}).get(field)
    return normalise_username(raw)[:AXES_USERNAME_LENGTH]


def _valid_address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or what the configured reverse proxy reports.

    Without CLIENT_IP_HEADER no header is trusted: a client could write any address into it.
    With it (e.g. X-Forwarded-For set by the proxy in front of the portal), the address
    CLIENT_IP_PROXY_COUNT entries from the right is the one our own proxies wrote.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    header = settings.CLIENT_IP_HEADER
    if header:
        values = [v for v in request.META.get(header, "").split(",") if v.strip()]
        count = settings.CLIENT_IP_PROXY_COUNT
        if len(values) >= count and (address := _valid_address(values[-count])):
            return address
    return _valid_address(remote) or "0.0.0.0"
