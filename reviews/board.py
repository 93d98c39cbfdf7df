"""The provincial centre's selection board and comparison page, as queries.

The board aggregates in the database: two queries for the catalog units (their counts, grouped
by unit id, and the units), one for the out-of-catalog groups and one for the decided leads,
whatever the number of applications.
"""

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

from django.db import models
from django.db.models import Count, Prefetch, Q
from django.db.models.functions import Trim

from applications.models import Application, Status
from catalog.models import Entry, Unit
from documents.models import Document

from .models import Recommendation, Selection, Weights
from .scoring import CRITERIA, weighted_total

# Applications the province has received from their centre (sent, and decided afterwards).
AT_PROVINCE = (Status.SENT, Status.SELECTED, Status.NOT_SELECTED)
# Every application an organisation has submitted at least once.
APPLIED = tuple(s for s in Status.values if s != Status.DRAFT)


class Flag(models.TextChoices):
    """Where a unit stands in the selection; one per board row."""

    NONE = "none", "未申报"
    COMPETING = "competing", "有竞争"
    PENDING = "pending", "待决定"
    DECIDED = "decided", "已决定"


FLAG_CSS = {
    Flag.NONE: "text-bg-light border",
    Flag.COMPETING: "text-bg-danger",
    Flag.PENDING: "text-bg-warning",
    Flag.DECIDED: "text-bg-success",
}


def unit_key(unit_id: int) -> str:
    # Same spelling as reviews.models.unit_key_for for a catalog unit.
    return f"u{unit_id}"


def custom_key(occupation: str, work_type: str) -> str:
    # Same spelling as reviews.models.unit_key_for for an out-of-catalog occupation.
    return f"c:{occupation.strip()}|{work_type.strip()}"


def flag_for(applied: int, sent: int, leads: int, undecided: int, has_lead: bool) -> Flag:
    """未申报; 已决定 once every application the province received has its outcome; 有竞争
    while several recommended leads wait and none is chosen; 待决定 for the rest."""
    if not applied:
        return Flag.NONE
    if sent and not undecided:
        return Flag.DECIDED
    if leads > 1 and not has_lead:
        return Flag.COMPETING
    return Flag.PENDING


@dataclass
class BoardRow:
    key: str
    number: int | None
    occupation: str
    work_type: str
    series: str = ""
    industry: str = ""
    tags: list[str] = field(default_factory=list)
    applied: int = 0
    sent: int = 0
    leads: int = 0
    participants: int = 0
    # Received by the province and still without an outcome.
    undecided: int = 0
    flag: Flag = Flag.NONE
    # The organisation decided as lead unit, once there is one.
    lead_organisation: str = ""

    @property
    def in_catalog(self) -> bool:
        return self.number is not None

    @property
    def flag_css(self) -> str:
        return FLAG_CSS[self.flag]


def _counts(prefix: str, centre_id=None) -> dict:
    """Count annotations over applications; ``prefix`` is the path to them ("" from Application)."""
    pk = f"{prefix}pk" if prefix else "pk"
    sent = Q(**{f"{prefix}status__in": AT_PROVINCE})
    counts = {
        "applied": Count(pk, filter=Q(**{f"{prefix}status__in": APPLIED})),
        "sent": Count(pk, filter=sent),
        "leads": Count(
            pk, filter=sent & Q(**{f"{prefix}review__recommendation": Recommendation.LEAD})
        ),
        "participants": Count(
            pk, filter=sent & Q(**{f"{prefix}review__recommendation": Recommendation.PARTICIPANT})
        ),
        "undecided": Count(
            pk,
            filter=Q(**{f"{prefix}status": Status.SENT, f"{prefix}selection__isnull": True}),
        ),
    }
    if centre_id:
        counts["from_centre"] = Count(
            pk,
            filter=Q(
                **{
                    f"{prefix}status__in": APPLIED,
                    f"{prefix}centre_id": centre_id,
                }
            ),
        )
    return counts


COUNT_NAMES = ("applied", "sent", "leads", "participants", "undecided", "from_centre")


def unit_rows(call, *, series=None, industry=None, tag=None, centre=None):
    """Every catalog unit of the call with its application counts: two queries.

    The counts are grouped by unit id over the applications alone; grouping the units with their
    entries and series over the joined applications cost ten times as much.
    """
    counted = (
        Application.objects.filter(call=call, unit__isnull=False, status__in=APPLIED)
        .order_by()
        .values("unit_id")
        .annotate(**_counts("", centre))
    )
    by_unit = {row["unit_id"]: row for row in counted}
    units = (
        Unit.objects.filter(entry__call=call)
        .select_related("entry__series")
        .order_by("entry__number", "position")
    )
    if series:
        units = units.filter(entry__series_id=series)
    if industry:
        units = units.filter(entry__series__industry=industry)
    if tag:
        units = units.filter(**{f"entry__{Entry.TAG_FIELDS[tag]}": True})
    rows = []
    for unit in units:
        row = by_unit.get(unit.pk, {})
        for name in COUNT_NAMES:
            setattr(unit, name, row.get(name, 0))
        # Units some applicant of that centre applied for; the counts stay province-wide.
        if centre and not unit.from_centre:
            continue
        rows.append(unit)
    return rows


def custom_groups(call, *, centre=None):
    """Out-of-catalog occupations applied for, grouped as unit_key_for does: one query."""
    groups = (
        Application.objects.filter(call=call, unit__isnull=True, status__in=APPLIED)
        .annotate(occ=Trim("custom_occupation"), wt=Trim("custom_work_type"))
        .values("occ", "wt")
        .annotate(**_counts("", centre))
        .order_by("occ", "wt")
    )
    if centre:
        groups = groups.filter(from_centre__gt=0)
    return groups


def decided_leads(call) -> dict[str, str]:
    """unit_key → name of the organisation decided as lead unit: one query."""
    return dict(
        Selection.objects.filter(call=call, outcome=Selection.Outcome.LEAD).values_list(
            "unit_key", "application__organisation__name"
        )
    )


def keys_applied_by(call, text: str) -> set[str]:
    """Unit keys some organisation whose name contains `text` applied for: one query."""
    apps = Application.objects.filter(
        call=call, status__in=APPLIED, organisation__name__icontains=text
    ).values_list("unit_id", "custom_occupation", "custom_work_type")
    return {
        unit_key(unit_id) if unit_id else custom_key(occupation, work_type)
        for unit_id, occupation, work_type in apps
    }


def matches(row: BoardRow, text: str, keys: set[str]) -> bool:
    """The board's text search: occupation, work type, or the name of a unit that applied."""
    folded = text.casefold()
    return (
        folded in row.occupation.casefold()
        or folded in row.work_type.casefold()
        or (row.key in keys)
    )


def board_rows(call, *, series=None, industry=None, tag=None, centre=None, q="") -> list[BoardRow]:
    """The board's rows in catalog order, out-of-catalog groups last; flags not filtered."""
    rows = _board_rows(call, series=series, industry=industry, tag=tag, centre=centre)
    q = (q or "").strip()
    if q:
        keys = keys_applied_by(call, q)
        rows = [row for row in rows if matches(row, q, keys)]
    return rows


def _board_rows(call, *, series=None, industry=None, tag=None, centre=None) -> list[BoardRow]:
    leads = decided_leads(call)
    rows = []
    for unit in unit_rows(call, series=series, industry=industry, tag=tag, centre=centre):
        entry = unit.entry
        key = unit_key(unit.pk)
        rows.append(
            BoardRow(
                key=key,
                number=entry.number,
                occupation=entry.occupation,
                work_type=unit.name,
                series=entry.series.name if entry.series else "",
                industry=entry.series.get_industry_display() if entry.series else "",
                tags=entry.tags,
                applied=unit.applied,
                sent=unit.sent,
                leads=unit.leads,
                participants=unit.participants,
                undecided=unit.undecided,
                flag=flag_for(unit.applied, unit.sent, unit.leads, unit.undecided, key in leads),
                lead_organisation=leads.get(key, ""),
            )
        )
    # Out-of-catalog groups have no series or tags: those filters leave them out.
    if not (series or industry or tag):
        for group in custom_groups(call, centre=centre):
            key = custom_key(group["occ"], group["wt"])
            rows.append(
                BoardRow(
                    key=key,
                    number=None,
                    occupation=group["occ"],
                    work_type=group["wt"],
                    applied=group["applied"],
                    sent=group["sent"],
                    leads=group["leads"],
                    participants=group["participants"],
                    undecided=group["undecided"],
                    flag=flag_for(
                        group["applied"],
                        group["sent"],
                        group["leads"],
                        group["undecided"],
                        key in leads,
                    ),
                    lead_organisation=leads.get(key, ""),
                )
            )
    return rows


def flag_counts(rows) -> dict[str, int]:
    """How many rows carry each flag, every flag present (zero when none)."""
    counted = Counter(row.flag for row in rows)
    return {flag.value: counted.get(flag, 0) for flag in Flag}


@dataclass
class Summary:
    """The board in numbers, for the province's dashboard."""

    rows: int
    catalog_units: int
    custom_units: int
    applied: int
    sent: int
    # (flag, count, badge css) in board order.
    flags: list[tuple[Flag, int, str]]


def summary(call) -> Summary:
    rows = board_rows(call)
    counts = flag_counts(rows)
    catalog = sum(1 for r in rows if r.in_catalog)
    return Summary(
        rows=len(rows),
        catalog_units=catalog,
        custom_units=len(rows) - catalog,
        applied=sum(r.applied for r in rows),
        sent=sum(r.sent for r in rows),
        flags=[(flag, counts[flag.value], FLAG_CSS[flag]) for flag in Flag],
    )


# --- comparison --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    """A parsed unit key: a catalog unit id, or an out-of-catalog occupation and work type."""

    raw: str
    unit_id: int | None = None
    occupation: str = ""
    work_type: str = ""


def parse_key(raw: str) -> Key | None:
    raw = (raw or "").strip()
    if raw.startswith("u") and raw[1:].isdigit():
        return Key(raw, unit_id=int(raw[1:]))
    if raw.startswith("c:") and "|" in raw:
        occupation, work_type = raw[2:].split("|", 1)
        if occupation.strip():
            return Key(
                custom_key(occupation, work_type), None, occupation.strip(), work_type.strip()
            )
    return None


RELATED = (
    # The decision form asks whether the call's results are published.
    "call__publication",
    "organisation__centre",
    "unit__entry",
    "review",
    "score__scored_by",
    "selection",
)


def applications_for_key(call, key: Key):
    """Every submitted application of the call competing for the key."""
    apps = Application.objects.filter(call=call, status__in=APPLIED)
    if key.unit_id is not None:
        apps = apps.filter(unit_id=key.unit_id)
    else:
        apps = apps.annotate(occ=Trim("custom_occupation"), wt=Trim("custom_work_type")).filter(
            unit__isnull=True, occ=key.occupation, wt=key.work_type
        )
    return apps


def with_details(shown: list) -> None:
    """Fill in what a page of applicants shows: whole rows, experts and PDFs, in three queries.

    Applicants are ranked from a few columns of every competitor (``applicants``); only those a
    page shows are read whole: a popular unit has a thousand competitors at provincial scale.
    """
    pdfs = (
        Document.objects.filter(kind=Document.Kind.APPLICATION_PDF)
        .select_related("snapshot")
        .order_by("-snapshot__number", "-created_at")
    )
    full = Application.objects.filter(pk__in=[a.pk for a in shown])
    full = full.select_related(*RELATED).prefetch_related(
        "experts", Prefetch("documents", queryset=pdfs, to_attr="pdfs")
    )
    by_pk = {app.pk: app for app in full}
    for applicant in shown:
        app = by_pk[applicant.pk]
        applicant.application = app
        applicant.review = _related(app, "review")
        applicant.score = _related(app, "score")
        applicant.selection = _related(app, "selection")
        applicant.experience = experience_lines(app)
        applicant.experts = list(app.experts.all())
        applicant.titles = expert_titles(applicant.experts)
        applicant.pdf = app.pdfs[0] if app.pdfs else None


def weights_for(call) -> Weights:
    """The call's weights; the default row (40/30/30) is created the first time it is needed."""
    weights, _ = Weights.objects.get_or_create(call=call)
    return weights


def _related(app, name):
    # A reverse one-to-one that select_related found missing raises instead of returning None.
    try:
        return getattr(app, name)
    except models.ObjectDoesNotExist:
        return None


def expert_titles(experts) -> list[tuple[str, int]]:
    """The team's titles and qualification levels, most frequent first."""
    labels = []
    for expert in experts:
        title = expert.title.strip() or "未填职称"
        level = expert.qualification_level.strip()
        labels.append(f"{title}（{level}）" if level else title)
    return Counter(labels).most_common()


def _yes_no_line(value, detail) -> tuple[str, bool]:
    if value is None:
        return "未填", False
    if not value:
        return "无", False
    return f"有：{detail}" if detail else "有", True


def _choice_line(display, value, detail) -> tuple[str, bool]:
    if not value:
        return "未填", False
    if value == "none":
        return display, False
    return f"{display}：{detail}" if detail else display, True


def experience_lines(app) -> list[tuple[str, str, bool]]:
    """The four experience lines of 一、基本信息 as (label, text, is a plus)."""
    return [
        (
            "国家新职业研发",
            *_choice_line(
                app.get_exp_new_occupation_display(),
                app.exp_new_occupation,
                app.exp_new_occupation_detail,
            ),
        ),
        (
            "国家职业技能标准开发",
            *_choice_line(
                app.get_exp_standard_display(), app.exp_standard, app.exp_standard_detail
            ),
        ),
        (
            "人社部门国家题库开发",
            *_yes_no_line(app.exp_national_bank, app.exp_national_bank_detail),
        ),
        (
            "人社部门省级题库开发",
            *_yes_no_line(app.exp_provincial_bank, app.exp_provincial_bank_detail),
        ),
    ]


@dataclass
class Applicant:
    """One column of the comparison."""

    pk: int
    status: str
    organisation_name: str
    recommendation: str
    total: Decimal | None
    # Filled in by with_details for the applicants a page shows.
    application: Application | None = None
    review: object = None
    score: object = None
    selection: object = None
    experience: list[tuple[str, str, bool]] = field(default_factory=list)
    experts: list = field(default_factory=list)
    titles: list[tuple[str, int]] = field(default_factory=list)
    pdf: Document | None = None
    rank: int | None = None
    # Filled in by the view: the score form and the decision form of this applicant.
    score_form: object = None
    decision_form: object = None
    # Where the forms return to: this applicant's column on the compare page.
    back_url: str = ""

    @property
    def at_province(self) -> bool:
        return self.status in AT_PROVINCE


RECOMMENDATION_ORDER = {Recommendation.LEAD: 0, Recommendation.PARTICIPANT: 1}


def applicants(call, key: Key, weights: Weights) -> tuple[list[Applicant], list[Applicant]]:
    """(compared, still at a centre): the compared sorted by weighted total, unscored last."""
    compared, elsewhere = [], []
    rows = applications_for_key(call, key).values_list(
        "pk",
        "status",
        "organisation__name",
        "review__recommendation",
        "score__team",
        "score__funding",
        "score__experience",
    )
    for pk, status, name, recommendation, *marks in rows:
        # Without a score row every mark is None, and so is the total, as for a partial score.
        score = SimpleNamespace(**dict(zip(CRITERIA, marks, strict=True)))
        applicant = Applicant(
            pk=pk,
            status=status,
            organisation_name=name,
            recommendation=recommendation or "",
            total=weighted_total(score, weights),
        )
        (compared if applicant.at_province else elsewhere).append(applicant)
    compared.sort(
        key=lambda a: (
            a.total is None,
            -(a.total or 0),
            # Until scored, the centres' recommendations order them: lead, participant, none.
            RECOMMENDATION_ORDER.get(a.recommendation, 3),
            a.organisation_name,
        )
    )
    for rank, applicant in enumerate(compared, start=1):
        applicant.rank = rank if applicant.total is not None else None
    elsewhere.sort(key=lambda a: a.organisation_name)
    return compared, elsewhere


def key_title(call, key: Key) -> dict | None:
    """What the key names: a catalog unit with its entry and call (one query), None if unknown."""
    if key.unit_id is None:
        return {
            "number": None,
            "occupation": key.occupation,
            "work_type": key.work_type,
            "unit": None,
        }
    unit = (
        Unit.objects.filter(pk=key.unit_id).select_related("entry__series", "entry__call").first()
    )
    if unit is None:
        return None
    return {
        "number": unit.entry.number,
        "occupation": unit.entry.occupation,
        "work_type": unit.name,
        "unit": unit,
    }
