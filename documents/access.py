from accounts.access import VIEW, get_for_user

from .models import Document


def document_for(user, pk, action=VIEW) -> Document:
    queryset = Document.objects.select_related("application", "snapshot")
    return get_for_user(queryset, user, action=action, pk=pk)
