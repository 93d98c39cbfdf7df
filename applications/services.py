"""Starting an application; the rest of its life goes through workflow.set_state."""

from django.db import IntegrityError, transaction

from .models import Application, Basis
from .workflow import record_creation


class DuplicateApplication(Exception):
    def __init__(self, existing: Application):
        super().__init__(existing)
        self.existing = existing


def find_duplicate(organisation, call, basis, unit=None, custom_occupation="", custom_work_type=""):
    queryset = Application.objects.filter(call=call, organisation=organisation)
    if basis == Basis.CATALOG:
        return queryset.filter(unit=unit).first()
    return queryset.filter(
        unit__isnull=True,
        custom_occupation=custom_occupation,
        custom_work_type=custom_work_type,
    ).first()


def start_application(user, call, **fields) -> Application:
    """Create a draft for the user's organisation; one per unit per call."""
    organisation = user.organisation
    existing = find_duplicate(
        organisation,
        call,
        fields["basis"],
        fields.get("unit"),
        fields.get("custom_occupation", ""),
        fields.get("custom_work_type", ""),
    )
    if existing:
        raise DuplicateApplication(existing)
    try:
        with transaction.atomic():
            app = Application.objects.create(
                call=call,
                organisation=organisation,
                created_by=user,
                # Prefill what the form asks and the organisation already told us.
                contact_name=user.name,
                contact_mobile=user.phone,
                leader_employer=organisation.name,
                section_three="",
                **fields,
            )
            record_creation(app, user)
    except IntegrityError as exc:
        # A colleague created the same one a moment ago.
        raise DuplicateApplication(find_duplicate(organisation, call, **_dup_keys(fields))) from exc
    return app


def _dup_keys(fields):
    return {
        "basis": fields["basis"],
        "unit": fields.get("unit"),
        "custom_occupation": fields.get("custom_occupation", ""),
        "custom_work_type": fields.get("custom_work_type", ""),
    }
