"""The province's scores of applicants and their weighted total."""

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from applications.models import Status
from audit import trail
from audit.models import Subject

from .models import Criterion, Publication, Score, Weights

CRITERIA = [c.value for c in Criterion]
SCORE_MIN, SCORE_MAX = 0, 100
OUT_OF_RANGE = "请输入0至100之间的整数。"
WEIGHTS_TOTAL = 100
# What the trail keeps of a score: the three marks and the notes.
SCORE_FIELDS = [*CRITERIA, "notes"]
# Only what the province has received can be scored.
SCORABLE = (Status.SENT, Status.SELECTED, Status.NOT_SELECTED)


def _as_score(value):
    """An integer 0-100, None for blank; ValueError for anything else."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, str):
        value = value.strip()
    number = Decimal(value)
    if number != number.to_integral_value() or not SCORE_MIN <= number <= SCORE_MAX:
        raise ValueError(value)
    return int(number)


def clean_values(values: dict) -> dict:
    """The three criteria as integers (or None) and the notes; ValidationError per field."""
    cleaned, errors = {}, {}
    for name in CRITERIA:
        try:
            cleaned[name] = _as_score(values.get(name))
        except (ValueError, ArithmeticError):
            errors[name] = OUT_OF_RANGE
    if errors:
        raise ValidationError(errors)
    cleaned["notes"] = (values.get("notes") or "").strip()
    return cleaned


def save_score(application, user, values: dict) -> Score:
    """Record the province's scores of one applicant; one Score row per application."""
    if not application.allows(user, "select"):
        raise PermissionDenied
    if application.status not in SCORABLE:
        raise ValidationError("该申报书尚未报送省中心，不能评分。")
    cleaned = clean_values(values)
    with transaction.atomic():
        before = trail.values(
            Score.objects.select_for_update().filter(application=application).first(), SCORE_FIELDS
        )
        score, _ = Score.objects.update_or_create(
            application=application,
            defaults={**cleaned, "scored_by": user, "scored_at": timezone.now()},
        )
        trail.record(
            user,
            Subject.SCORE,
            score,
            before,
            trail.values(score, SCORE_FIELDS),
            call=application.call,
            label=f"{application.reference} {application.organisation.name}",
            at=score.scored_at,
        )
    return score


def weighted_total(score, weights) -> Decimal | None:
    """Weighted mean of the three criteria on 0-100, two decimals; None until all are scored.

    Divided by the sum of the weights, so weights that do not add up to 100 still give 0-100.
    """
    if score is None:
        return None
    values = [getattr(score, name) for name in CRITERIA]
    factors = [getattr(weights, name) for name in CRITERIA]
    if any(v is None for v in values) or not sum(factors):
        return None
    total = Decimal(sum(v * f for v, f in zip(values, factors, strict=True))) / sum(factors)
    return total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def weights_total_error(values: dict) -> str:
    """The message for weights that do not add up to 100%, or "" when they do."""
    total = sum(values[name] for name in CRITERIA)
    if total == WEIGHTS_TOTAL:
        return ""
    return f"三项权重之和须为{WEIGHTS_TOTAL}%，现在是{total}%。"


def set_weights(call, user, values: dict) -> Weights:
    """Change how much each criterion counts in a call, until its results are published."""
    if not user.is_province_staff:
        raise PermissionDenied
    if error := weights_total_error(values):
        raise ValidationError(error)
    with transaction.atomic():
        weights, _ = Weights.objects.select_for_update().get_or_create(call=call)
        # Published totals must stay the ones the results were decided on.
        if Publication.objects.filter(call=call).exists():
            raise ValidationError("本批次遴选结果已发布，评分权重不能再修改。")
        before = trail.values(weights, CRITERIA)
        for name in CRITERIA:
            setattr(weights, name, values[name])
        weights.updated_by = user
        weights.updated_at = timezone.now()
        weights.save()
        trail.record(
            user,
            Subject.WEIGHTS,
            weights,
            before,
            trail.values(weights, CRITERIA),
            call=call,
            label=f"{call.name} 评分权重",
            at=weights.updated_at,
        )
    return weights
