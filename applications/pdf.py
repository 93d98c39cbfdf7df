"""The 申报表 (附件2) as PDF, rendered from a frozen snapshot, never from live rows.

WeasyPrint is imported inside the functions: web processes that never render do not pay for it.
"""

import datetime as dt
import hashlib
import json
import logging
import threading
import zoneinfo
from pathlib import Path

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from reviews.models import Recommendation

from .models import Application
from .sections import STATEMENT

logger = logging.getLogger(__name__)

# Bumped whenever the layout changes, so files rendered by an older layout count as stale.
LAYOUT_VERSION = 1

CSS_FILE = "pdf/application.css"
COVER_TEMPLATE = "applications/pdf/cover.html"
BODY_TEMPLATE = "applications/pdf/application.html"
# The form is read in Zhejiang: times are printed in Beijing time whatever the server's zone.
BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")

CHECKED, UNCHECKED = "☑", "☐"

# The call's conditions for organisations, worded as in the notice (一、（二）).
CONDITIONS = [
    ("cond_legal_person", "具有独立法人资格，有固定办公场所。"),
    ("cond_staff", "具备与开发项目相适应的专职人员且有充分协调能力。"),
    ("cond_team", "具备组建合规专家团队的能力。"),
    ("cond_funding", "具有题库开发所需经费的保障能力。"),
    (
        "cond_preferred",
        "曾牵头或参加国家新职业研发、国家职业技能标准开发或承接过省级及以上职业技能鉴定"
        "（技能评价）题库开发，且较好完成任务（优先考虑条件）。",
    ),
    (
        "cond_violation",
        "曾承接过省级及以上职业技能鉴定（技能评价）题库开发，出现中途无理由退出或推进工作不利"
        "导致项目无法完成，以及违反保密规定等问题（有此情形的机构不得申报）。",
    ),
]

# The 附页 headings are the model's labels, in the form's order.
STATEMENTS = [(f, Application._meta.get_field(f).verbose_name) for f in STATEMENT.fields]

RECOMMENDATIONS = Recommendation.choices


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def pdf_input_hash(snapshot, opinion) -> str:
    """Identifies everything the PDF depends on: an existing file with this hash is current."""
    source = f"{LAYOUT_VERSION}\n{snapshot.content_hash}\n{_canonical(opinion)}"
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def box(checked) -> str:
    return CHECKED if checked else UNCHECKED


def chinese_date(value) -> str:
    """2023-06-01 (date or ISO string) → "2023 年 6 月 1 日"; blank when unknown."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    return f"{value.year} 年 {value.month} 月 {value.day} 日"


def beijing_time(value) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    local = value.astimezone(BEIJING)
    # The portal's one time format (docs/glossary.md), in Beijing time whatever TIME_ZONE says.
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def _css_string(text: str) -> str:
    """Quote text for a CSS string inside <style>: it cannot close the string or the element."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return '"' + escaped.replace("<", "\\3C ").replace(">", "\\3E ") + '"'


def paragraphs(text: str) -> list[str]:
    """The applicant's lines, each its own paragraph: a line break in Chinese prose starts one."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _experience(choice: str, detail: str) -> dict:
    return {
        "lead": box(choice == "lead"),
        "participant": box(choice == "participant"),
        "detail": detail,
    }


def _bank(has, detail: str) -> dict:
    return {"yes": box(has is True), "no": box(has is False), "detail": detail if has else ""}


def _basis(d: dict) -> str:
    """The 申报依据 line for an application outside the catalog; blank inside it."""
    if d.get("basis") in (None, "catalog"):
        return ""
    parts = [d.get("basis_label", "")]
    if d.get("basis") == "standard" and d.get("standard_year"):
        parts.append(f"国家职业技能标准发布年份：{d['standard_year']}年")
    if d.get("basis") == "outdated":
        if d.get("bank_year"):
            parts.append(f"现有省级题库启用年份：{d['bank_year']}年")
        if d.get("bank_reason"):
            parts.append(f"原题库不适应产业发展的情况：{d['bank_reason']}")
    return "；".join(p for p in parts if p)


def _expert_qualification(e: dict) -> str:
    return "，".join(p for p in (e.get("title", ""), e.get("qualification_level", "")) if p)


def _opinion(opinion: dict | None) -> dict | None:
    if opinion is None:
        return None
    chosen = opinion.get("recommendation")
    return {
        "choices": [(box(chosen == key), label) for key, label in RECOMMENDATIONS],
        "label": opinion.get("recommendation_label", ""),
        "reason": opinion.get("reason", ""),
        "paragraphs": paragraphs(opinion.get("opinion", "")),
        "centre": opinion.get("centre", ""),
        "date": chinese_date(opinion.get("date")),
    }


def build_context(snapshot, opinion=None) -> dict:
    """Everything the templates print, computed here so the templates only lay it out."""
    d = snapshot.data
    org = d.get("organisation", {})
    identifiers = [
        f"统一社会信用代码：{org['credit_code']}" if org.get("credit_code") else "",
        f"法人证书编码：{org['legal_cert_no']}" if org.get("legal_cert_no") else "",
    ]
    submitted = beijing_time(d.get("submitted_at") or snapshot.created_at)
    footer = (
        f"申报书编号 {d.get('reference', '')}　提交时间 {submitted}　"
        f"第{snapshot.number}版　校验码 {snapshot.verification_code}"
        if d.get("reference")
        # The blank form of the public call page: no application behind it.
        else "空白申报表：请登录平台在线填写，提交后打印带校验码的申报表"
    )
    return {
        "d": d,
        "org": org,
        "legal": "　".join(
            p for p in [f"法定代表人：{org.get('legal_representative', '')}", *identifiers] if p
        ),
        "levels": "、".join(d.get("level_labels", [])),
        "basis": _basis(d),
        "intention_lead": box(d.get("intention") == "lead"),
        "intention_participant": box(d.get("intention") == "participant"),
        "exp_new": _experience(
            d.get("exp_new_occupation", ""), d.get("exp_new_occupation_detail", "")
        ),
        "exp_standard": _experience(d.get("exp_standard", ""), d.get("exp_standard_detail", "")),
        "exp_national": _bank(d.get("exp_national_bank"), d.get("exp_national_bank_detail", "")),
        "exp_provincial": _bank(
            d.get("exp_provincial_bank"), d.get("exp_provincial_bank_detail", "")
        ),
        "statements": [(label, paragraphs(d.get(field, ""))) for field, label in STATEMENTS],
        "section_three": paragraphs(d.get("section_three", "")),
        "conditions": [(box(d.get(field)), text) for field, text in CONDITIONS],
        "experts": [{**e, "qualification": _expert_qualification(e)} for e in d.get("experts", [])],
        "attachments": [
            {**a, "mark": box(a.get("certified_copy"))} for a in d.get("attachments", [])
        ],
        "section_three_title": d.get("call", {}).get("section_three_title") or "开发基础与保障条件",
        "declaration": box(d.get("declaration_confirmed")),
        "declaration_date": chinese_date(d.get("declaration_date")),
        "opinion": _opinion(opinion),
        "recommendation_blanks": RECOMMENDATIONS,
        "footer_css": _css_string(footer),
        "footer": footer,
        "snapshot": snapshot,
        "submitted": submitted,
        "created_iso": (
            snapshot.created_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            if snapshot.created_at
            else ""
        ),
    }


def _refuse_fetch(url, *args, **kwargs):
    # The form loads nothing: a URL reaching WeasyPrint means text escaped its escaping.
    raise ValueError(f"申报表PDF不加载外部资源：{url}")


_local = threading.local()


def _resources():
    """The parsed stylesheet and font configuration, built once and reused.

    Per thread, not per process: WeasyPrint's font configuration is not meant to be shared by
    concurrent renders (threaded dev server with eager tasks). Forked workers inherit the
    parent's, already warm.
    """
    if not hasattr(_local, "resources"):
        import weasyprint
        from weasyprint.text.fonts import FontConfiguration

        path = Path(finders.find(CSS_FILE))
        font_config = FontConfiguration()
        css = weasyprint.CSS(
            string=path.read_text(encoding="utf-8"),
            base_url=path.parent.as_uri() + "/",
            font_config=font_config,
            url_fetcher=_refuse_fetch,
        )
        _local.resources = (font_config, css)
    return _local.resources


# Tables the PDF viewer never reads from an embedded CFF font; dropping them also stops
# HarfBuzz from pulling in glyphs through GSUB closure.
_DROP_TABLES = (b"BASE", b"DSIG", b"GDEF", b"GPOS", b"GSUB", b"JSTF", b"LTSH", b"PCLT", b"SVG ")


def _keeps_cids(cff: bytes, used: list[int]) -> bool:
    """Whether the compact CFF is CID-keyed and holds every used glyph id as a CID.

    The text's codes are original glyph ids; a viewer looks them up as CIDs in the charset.
    That holds for fonts whose CID is their glyph id (Noto CJK, Source Han); for any other
    font the check fails and WeasyPrint's own font stays.
    """
    import io

    from fontTools.cffLib import CFFFontSet

    fonts = CFFFontSet()
    fonts.decompile(io.BytesIO(cff), None)
    top = fonts.topDictIndex[0]
    if not hasattr(top, "ROS"):
        return False
    cids = {0 if name == ".notdef" else int(name.removeprefix("cid")) for name in top.charset}
    # HarfBuzz may add a few glyphs by closure; those are harmless.
    return cids >= set(used)


def _compact_cff(font, gids, missing) -> bytes | None:
    """A bare CID-keyed CFF with only the glyphs used, keeping their CIDs; None if impossible.

    HarfBuzz keeps each glyph's CID in the subset's charset, so the text's codes
    (Identity-H) still find their glyphs although the glyphs are renumbered.
    """
    from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset

    if harfbuzz_subset is None or font.type != "otf" or "CFF " not in font.tables:
        return None
    count = harfbuzz.hb_face_get_glyph_count(font.hb_face)
    used = sorted({0, *(gid for gid in gids if gid < count)})
    subset_input = ffi.gc(
        harfbuzz_subset.hb_subset_input_create_or_fail(), harfbuzz_subset.hb_subset_input_destroy
    )
    glyphs = harfbuzz_subset.hb_subset_input_glyph_set(subset_input)
    harfbuzz.hb_set_add_sorted_array(glyphs, ffi.new("hb_codepoint_t[]", used), len(used))
    flags = harfbuzz_subset.HB_SUBSET_FLAGS_NO_HINTING
    if missing:
        flags |= harfbuzz_subset.HB_SUBSET_FLAGS_NOTDEF_OUTLINE
    harfbuzz_subset.hb_subset_input_set_flags(subset_input, flags)
    drop = harfbuzz_subset.hb_subset_input_set(
        subset_input, harfbuzz_subset.HB_SUBSET_SETS_DROP_TABLE_TAG
    )
    tags = sorted(harfbuzz.hb_tag_from_string(tag, -1) for tag in _DROP_TABLES)
    harfbuzz.hb_set_add_sorted_array(drop, ffi.new("hb_codepoint_t[]", tags), len(tags))
    face = harfbuzz_subset.hb_subset_or_fail(font.hb_face, subset_input)
    if face == ffi.NULL:
        return None
    face = ffi.gc(face, harfbuzz.hb_face_destroy)
    blob = harfbuzz.hb_face_reference_table(face, harfbuzz.hb_tag_from_string(b"CFF ", -1))
    try:
        length = ffi.new("unsigned int *")
        data = harfbuzz.hb_blob_get_data(blob, length)
        cff = ffi.unpack(data, int(length[0])) if data != ffi.NULL and length[0] else None
    finally:
        harfbuzz.hb_blob_destroy(blob)
    return cff if cff and _keeps_cids(cff, used) else None


def _compact_fonts(document, pdf):
    """WeasyPrint finisher: replace each embedded CJK font by a compact CFF of its glyphs.

    WeasyPrint subsets with retained glyph ids, so a Noto CJK subset still carries empty
    slots for every glyph up to the highest one used (~63,000): ~140 KB per face even for a
    few headings. The compact CFF drops them: a form shrinks from ~560 KB to ~200 KB.
    Any failure keeps WeasyPrint's own (larger, correct) font.
    """
    import pydyf

    streams = {
        id(obj.stream[0]): obj
        for obj in pdf.objects
        if isinstance(obj, pydyf.Stream) and obj.extra.get("Subtype") == "/OpenType"
    }
    # Fonts of one file share one stream, as WeasyPrint groups them.
    by_file = {}
    for font in document.fonts.values():
        by_file.setdefault(font.hash, []).append(font)
    for fonts in by_file.values():
        stream = next(
            (s for s in (streams.get(id(f.file_content)) for f in fonts) if s is not None), None
        )
        if stream is None:
            continue
        gids = {gid for f in fonts for gid in f.to_unicode}
        try:
            cff = _compact_cff(fonts[0], gids, any(f.missing for f in fonts))
        except Exception:
            logger.warning("无法压缩字体 %s，保留原字体", fonts[0].family, exc_info=True)
            continue
        if cff:
            stream.stream = [cff]
            stream.extra["Subtype"] = "/CIDFontType0C"


def render_application_pdf(snapshot, opinion=None) -> bytes:
    """The whole 申报表 as PDF bytes: cover unnumbered, then pages 第1页 … 共N页."""
    import weasyprint

    font_config, css = _resources()
    context = build_context(snapshot, opinion)

    def render(template):
        html = weasyprint.HTML(
            string=render_to_string(template, context),
            base_url=css.base_url,
            url_fetcher=_refuse_fetch,
        )
        return html.render(stylesheets=[css], font_config=font_config)

    # The cover is its own document so "共N页" counts the numbered pages only.
    cover, body = render(COVER_TEMPLATE), render(BODY_TEMPLATE)
    return body.copy(cover.pages + body.pages).write_pdf(finisher=_compact_fonts)


class BlankSnapshot:
    """What the templates read from a snapshot, empty: the blank 附件2 of the call page."""

    number = ""
    verification_code = ""
    created_at = None

    def __init__(self, call):
        self.data = {
            "call": {"section_three_title": call.section_three_title},
            "experts": [{} for _ in range(BLANK_EXPERT_ROWS)],
        }


# Empty rows of the 专家团队 table on the blank form, for filling in by hand.
BLANK_EXPERT_ROWS = 6


def render_blank_pdf(call) -> bytes:
    """The call's 附件2 with every field empty, rendered by the same templates as a submission."""
    return render_application_pdf(BlankSnapshot(call))


class _WarmUpCall:
    section_three_title = ""


def warm_up() -> None:
    """Render a blank form once, touching no database: WeasyPrint imported, the stylesheet
    parsed, the fonts loaded and the templates compiled.

    Called in the Celery worker's main process before it forks its pool, so every pool
    process starts warm instead of spending its first PDF (about a second) on this.
    """
    render_application_pdf(BlankSnapshot(_WarmUpCall()))
