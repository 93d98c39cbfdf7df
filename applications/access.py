from accounts.access import VIEW, get_for_user

from .models import Application


def application_for(user, pk, action=VIEW) -> Application:
    """The application if the user may see it (else 404) and do `action` (else 403)."""
    queryset = Application.objects.select_related(
        "call", "organisation__centre", "unit__entry", "created_by"
    )
    return get_for_user(queryset, user, action=action, pk=pk)
