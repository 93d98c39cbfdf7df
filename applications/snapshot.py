"""Freeze what an applicant submitted, so later edits never change a document already sent."""

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder

from catalog.levels import Level

from .attachments import KIND_ORDER
from .models import Application, Attachment, Expert, Snapshot

# Fields of Application that are bookkeeping, not content of the form.
NOT_CONTENT = {
    "id",
    "call",
    "organisation",
    "status",
    "version",
    "unit",
    "created_by",
    "created_at",
    "updated_at",
    "submitted_at",
    # The receiving centre: set by the workflow, not typed by the unit.
    "centre",
    # The paper copy is recorded beside a submission, never part of its content.
    "stamped_version",
    "paper_received_on",
    "paper_received_by",
    "section_five_stamped_at",
}


def _field_values(obj, exclude=()):
    values = {}
    for field in obj._meta.concrete_fields:
        if field.name in exclude:
            continue
        values[field.name] = field.value_from_object(obj)
    return values


def build_data(app: Application) -> dict:
    """Everything the 附件2 document shows, as plain JSON-ready values."""
    org = app.organisation
    data = _field_values(app, NOT_CONTENT)
    data.update(
        reference=app.reference,
        basis_label=app.get_basis_display(),
        intention_label=app.get_intention_display(),
        occupation=app.occupation_name,
        work_type=app.work_type_name,
        title=app.title,
        levels=sorted(app.levels, reverse=True),
        level_labels=[Level(n).label for n in sorted(app.levels, reverse=True)],
        call={
            "name": app.call.name,
            "slug": app.call.slug,
            "section_three_title": app.call.section_three_title,
        },
        organisation={
            "name": org.name,
            "credit_code": org.credit_code or "",
            "legal_cert_no": org.legal_cert_no or "",
            "legal_representative": org.legal_representative,
            "address": org.address,
            "centre": org.centre.name,
            "province_affiliated": org.centre.is_province,
        },
        experts=[
            _field_values(e, {"id", "application", "position"})
            for e in Expert.objects.filter(application=app).order_by("position", "pk")
        ],
        attachments=[
            {
                "kind": a.get_kind_display(),
                "name": a.original_name,
                "expert": a.expert.name if a.expert_id else "",
                "certified_copy": a.certified_copy,
                "size": a.size,
            }
            for a in sorted(
                Attachment.objects.filter(application=app).select_related("expert"),
                key=lambda a: (
                    KIND_ORDER.index(a.kind),
                    a.expert.position if a.expert_id else 0,
                    a.uploaded_at,
                ),
            )
        ],
    )
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def content_hash(data: dict) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def take_snapshot(app: Application, at) -> Snapshot:
    data = build_data(app)
    data["submitted_at"] = at.isoformat()
    number = (app.snapshots.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    # From now on these copies are on record: removing one later keeps it (attachments.py).
    Attachment.objects.filter(application=app, submitted_version=None).update(
        submitted_version=number
    )
    return Snapshot.objects.create(
        application=app, number=number, data=data, content_hash=content_hash(data), created_at=at
    )
