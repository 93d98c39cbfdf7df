"""站内消息 and e-mail from one place: the same rendered text goes to both.

Callers (the notification tasks) pass template names and a portal path; the e-mail carries
the full link (SITE_URL + path), the message keeps the path. Messages and the mail are
written in one transaction: a mail that fails rolls its messages back, and the task's retry
writes both again, so nothing is delivered twice to the list.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Message, User


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path if path else ""


def render_message(template: str, context: dict, link: str) -> tuple[str, str]:
    """The subject and plain-text body of ``template``: ``<template>_subject.txt`` and ``.txt``."""
    context = {**context, "link": absolute(link), "portal_name": settings.PORTAL_NAME}
    subject = render_to_string(f"{template}_subject.txt", context)
    # A subject is one line; template newlines would break the mail header.
    subject = " ".join(subject.split())
    body = render_to_string(f"{template}.txt", context).strip() + "\n"
    return subject, body


def deliver(users, template: str, context: dict, link: str = "") -> int:
    """Write one 站内消息 per active user and e-mail them the same text; returns how many."""
    users = [u for u in users if u.is_active]
    if not users:
        return 0
    subject, body = render_message(template, context, link)
    now = timezone.now()
    with transaction.atomic():
        Message.objects.bulk_create(
            [Message(user=u, subject=subject, body=body, link=link, created_at=now) for u in users]
        )
        User.objects.filter(pk__in=[u.pk for u in users]).update(
            unread_messages=F("unread_messages") + 1
        )
        send_mail(subject, body, None, sorted({u.email for u in users}))
    return len(users)


def mark_read(user, message_ids=None) -> None:
    """Mark the user's messages read (all, or the given ones) and recount the navbar badge."""
    with transaction.atomic():
        unread = Message.objects.filter(user=user, read_at=None)
        if message_ids is not None:
            unread = unread.filter(pk__in=message_ids)
        unread.update(read_at=timezone.now())
        count = Message.objects.filter(user=user, read_at=None).count()
        User.objects.filter(pk=user.pk).update(unread_messages=count)
        user.unread_messages = count
