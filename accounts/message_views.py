"""站内消息: the user's own messages, newest first; opening one marks it read."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .messaging import mark_read
from .models import Message

PER_PAGE = 30


@login_required
def message_list(request):
    messages = Message.objects.filter(user=request.user)
    page = Paginator(messages, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "messages/list.html", {"page": page, "items": page.object_list})


@login_required
def open_message(request, pk):
    # Only the user's own: anyone else's message is a 404, like every other object.
    message = get_object_or_404(Message, pk=pk, user=request.user)
    mark_read(request.user, [message.pk])
    link = message.link
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts=None):
        return redirect(link)
    return redirect("messages:list")


@login_required
@require_POST
def read_all(request):
    mark_read(request.user)
    return redirect("messages:list")
