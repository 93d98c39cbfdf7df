"""The one gate every view goes through to fetch an object for a user.

Outsiders get 404, so they cannot even learn that an object exists; a role that
may read an object but not act on it gets 403.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

VIEW = "view"


def get_for_user(queryset, user, *, action=VIEW, **lookup):
    obj = get_object_or_404(queryset.visible_to(user), **lookup)
    if action != VIEW and not obj.allows(user, action):
        raise PermissionDenied
    return obj


def organisation_for(user, pk, action=VIEW):
    from .models import Organisation

    return get_for_user(Organisation.objects.select_related("centre"), user, action=action, pk=pk)
