import time

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from . import sessions, two_factor


@receiver(user_logged_in)
def note_login(sender, request, user, **kwargs):
    """Work out at login what every later request of the session needs to know."""
    if request is None or not hasattr(request, "session"):
        return
    two_factor.note_device(request, two_factor.has_device(user))
    request.session[sessions.LAST_ACTIVITY] = time.time()
    sessions.record(request, user)
