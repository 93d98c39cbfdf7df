"""Who works a centre's queue, and which applications are in it."""

from django.core.exceptions import PermissionDenied

from applications.models import Application, Status


def require_centre_staff(user) -> None:
    """The queue belongs to a centre: city staff, or provincial staff acting as a centre."""
    if not (user.is_centre_staff and user.centre_id):
        raise PermissionDenied


def queue_for(user, call):
    """The call's applications reporting to the user's centre; drafts are the applicant's business."""
    if call is None:
        return Application.objects.none()
    return (
        Application.objects.visible_to(user)
        .filter(call=call, centre_id=user.centre_id)
        .exclude(status=Status.DRAFT)
    )
