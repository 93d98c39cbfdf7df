"""The 申报表 (附件2) PDF: wording and order of the official form, the submitted data, marks,
footer, embedded fonts, repeated table headers, frozen snapshots and the management command.

Each render costs about a second, so one submitted form is rendered once for the module and
most tests read that PDF; the others render only what they must.
"""

import datetime as dt
import io
import re
from types import SimpleNamespace

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings
from pypdf import PdfReader

from applications.models import Basis, Status
from applications.pdf import pdf_input_hash, render_application_pdf
from applications.workflow import set_state
from tests.factories import ApplicationFactory, ExpertFactory, UserFactory

BEFORE_DEADLINE = dt.datetime(2023, 6, 20, 10, 0, tzinfo=dt.UTC)

ORGANISATION = "杭州市技能人才评价研究院"
# Realistic statements: several paragraphs each, and text that must not be read as markup.
STATEMENTS = {
    "statement_organisation": (
        "本单位成立于2005年，是具有独立法人资格的事业单位，现有在职人员420人，"
        "设有职业技能等级认定中心、教学质量管理处和校企合作办公室。\n\n"
        "近三年累计开展职业技能等级认定3万余人次，涉及智能制造、电子商务等十余个职业。"
        "本院与A&B <智能制造> 研究中心共建实训基地。"
    ),
    "statement_team": (
        "拟组建由行业企业技术骨干、院校骨干教师和评价专家组成的专家队伍，共12人。\n"
        "其中具有高级职称或一级/高级技师职业资格的8人，平均从业年限超过15年。"
    ),
    "statement_experience": (
        "2019年牵头完成电子商务师省级题库开发，题库在全省使用，质量指标符合要求。\n\n"
        "未来开发方案分三个阶段：调研与鉴定要素细目表编制、试题编写与审定、试测与修订验收。"
    ),
    "statement_guarantee": (
        "单位安排专项经费80万元，专账管理、专款专用。\n"
        "项目实行项目负责人制，命题人员签订保密协议，命题场所封闭管理。"
    ),
    "section_three": "具备开发场地和经费保障。\n\n已建成在线命题与题库管理系统。",
}
EXPERT_NAMES = [
    "王建国",
    "李秀英",
    "张伟",
    "刘芳",
    "陈静",
    "杨磊",
    "黄丽",
    "赵强",
    "吴敏",
    "周杰",
    "徐海燕",
    "孙立新",
]
OPINION = {
    "recommendation": "participant",
    "recommendation_label": "推荐为参与单位",
    "reason": "专家团队结构合理，具备省级题库开发经验。",
    "opinion": "经核实，申报材料真实完整，同意推荐。",
    "centre": "杭州市职业技能鉴定指导中心",
    "date": "2023-06-22",
}

# Every label of 附件2, in the order of the official form (whitespace is ignored).
LABELS_IN_ORDER = [
    "浙江省技能人才评价",
    "题库开发项目申报表",
    "职业（工种）项目：",
    "申报单位（公章）：",
    "单位负责人（签章）：",
    "申报日期：",
    "浙江省技能人才评价管理服务中心（浙江省继续教育院）",
    "填表说明",
    "一、请按项目要求如实并完整填写相应内容。",
    "二、请按要求提交相关附件影印资料，并标注“与原件一致”字样，盖章确认。",
    "三、请在规定时间内按隶属关系将材料以文本和电子文档方式提交省、市技能人才评价（鉴定）中心。",
    "四、请在申报前熟悉相应职业的《国家职业技能标准》、熟悉《浙江省技能人才评价题库资源管理办法》。",
    "一、基本信息",
    "单位全称",
    "单位法人与法人证书编码（请附影印件）",
    "申报职业名称",
    "申报工种名称",
    "申报职业编码",
    "申报开发等级",
    "项目联系人",
    "手机号码",
    "开发意向",
    "意愿为牵头单位",
    "意愿为参与单位",
    "注：请根据《浙江省技能人才评价题库资源管理办法》进行自评自荐",
    "项目优势概述：",
    "国家新职业研发经验：牵头单位",
    "参与单位",
    "职业与参与时间：",
    "国家职业技能标准开发经验：牵头单位",
    "参与单位",
    "职业：",
    "人社部门国家题库开发经验：有",
    "职业/等级/时间：",
    "无",
    "人社部门省级题库开发经验：有",
    "职业/等级/时间：",
    "无",
    "注：1.以上项目优势请根据实际情况在对应☐内打“√”，并如实填写。",
    "2.其他组织机构情况、拟建专家队伍、题库开发经验与未来开发方案、项目保障与组织管理等优势，请另附页说明。",
    "附页",
    "组织机构情况",
    "拟建专家队伍",
    "题库开发经验与未来开发方案",
    "项目保障与组织管理",
    "申报单位条件声明",
    "二、项目信息",
    "项目负责人",
    "性别",
    "出生年月",
    "职称或职业资格",
    "职务",
    "学历学位",
    "精通专业",
    "手机号码",
    "电子邮箱",
    "单位电话",
    "工作单位",
    "所在部门",
    "通讯地址",
    "专家团队（请附影印件）",
    "姓名",
    "性别",
    "出生年月",
    "职称、职业资格（等级与证书编码）",
    "工作单位",
    "三、开发基础与保障条件",
    "四、申报意见",
    "请确认申报内容的真实性与完整性，确定项目负责人和主要成员是否适合承担本项目的开发任务等，给出申报意见。",
    "本单位确认申报内容真实、完整",
    "签署人：",
    "单位（公章）：",
    "五、评价（鉴定）中心意见",
    "请市级评价（鉴定）中心对申报资料进行核实审查，推荐该单位作为省级题库开发的牵头单位或参与单位，并说明理由。",
    "单位（公章）：",
    "附件清单",
]


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def read(pdf: bytes) -> SimpleNamespace:
    reader = PdfReader(io.BytesIO(pdf))
    pages = [page.extract_text() for page in reader.pages]
    return SimpleNamespace(
        reader=reader, pages=pages, raw="\n".join(pages), text=flat("".join(pages))
    )


def section(text: str, start: str, end: str) -> str:
    begin = text.index(start)
    return text[begin : text.index(end, begin)]


def submit(app):
    member = UserFactory(organisation=app.organisation, password=None)
    with time_machine.travel(BEFORE_DEADLINE):
        set_state(app, Status.SUBMITTED, member)
    return app.snapshots.get()


def application(names=EXPERT_NAMES, **kwargs):
    """A complete application whose expert team has one row per name, each with a certificate."""
    app = ApplicationFactory(complete=True, expert=None, **{**STATEMENTS, **kwargs})
    for position, name in enumerate(names):
        ExpertFactory(application=app, position=position, name=name, with_certificate=True)
    return app


@pytest.fixture(scope="module")
def form(django_db_setup, django_db_blocker, tmp_path_factory):
    """One submitted form with 12 experts, rendered once; its rows vanish after the module."""
    media = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media, STORAGES=_storages(media)),
        transaction.atomic(),
    ):
        app = application(organisation__name=ORGANISATION)
        snapshot = submit(app)
        pdf = render_application_pdf(snapshot)
        yield SimpleNamespace(app=app, snapshot=snapshot, pdf=pdf, **vars(read(pdf)))
        transaction.set_rollback(True)


def _storages(media):
    from django.conf import settings

    default = settings.STORAGES["default"]
    return {**settings.STORAGES, "default": {**default, "OPTIONS": {"location": media}}}


def test_every_label_of_the_form_appears_in_the_official_order(form):
    position = 0
    for label in LABELS_IN_ORDER:
        found = form.text.find(flat(label), position)
        assert found >= 0, (
            f"“{label}” missing or out of order after: {form.text[position - 40 : position]}"
        )
        position = found + len(flat(label))


def test_submitted_data_is_printed(form):
    d = form.snapshot.data
    for value in [
        ORGANISATION,
        d["occupation"],
        d["occupation_code"],
        d["contact_mobile"],
        d["leader_name"],
        d["leader_email"],
        d["leader_department"],
        d["declaration_signer"],
        "五级/初级工、四级/中级工、三级/高级工",
        *EXPERT_NAMES,
        "A&B<智能制造>研究中心",
    ]:
        assert flat(value) in form.text, value
    # The cover shows the title, the unit and the declaration date in Chinese form.
    cover = flat(form.pages[0])
    assert f"职业（工种）项目：{flat(d['title'])}" in cover
    assert f"申报单位（公章）：{ORGANISATION}" in cover
    assert "申报日期：2023年6月1日" in cover


def test_statements_keep_the_applicants_paragraphs(form):
    # The second paragraph starts on a line of its own.
    assert re.search(r"\n\s*近三年累计开展职业技能等级认定", form.raw)
    assert re.search(r"\n\s*其中具有高级职称或一级/高级技师", form.raw)


def test_marks_follow_the_choices(form):
    text = form.text
    assert "☑意愿为牵头单位" in text and "☐意愿为参与单位" in text
    # Factory: new occupations as participant, no standard, no national bank, a provincial one.
    assert "国家新职业研发经验：牵头单位☐参与单位☑职业与参与时间：互联网营销师，2020年" in text
    assert "国家职业技能标准开发经验：牵头单位☐参与单位☐职业：" in text
    assert "人社部门国家题库开发经验：有☐职业/等级/时间：无☑" in text
    assert "人社部门省级题库开发经验：有☑职业/等级/时间：电子商务师/三级/2019年无☐" in text
    conditions = section(text, "申报单位条件声明", "二、项目信息")
    assert re.findall(r"[☑☐](?=\d\.)", conditions) == ["☑"] * 4 + ["☐"] * 2
    assert "☑本单位确认申报内容真实、完整" in text


def test_centre_section_is_left_blank_without_an_opinion(form):
    centre = section(form.text, "五、评价（鉴定）中心意见", "附件清单")
    assert "☑" not in centre
    assert "☐推荐为牵头单位☐推荐为参与单位☐不予推荐" in centre
    assert "单位（公章）：年月日" in centre


def test_footer_numbers_the_pages_after_the_cover(form):
    numbered = len(form.pages) - 1
    assert "页" not in form.pages[0]
    assert f"第1页共{numbered}页" in flat(form.pages[1])
    assert f"第{numbered}页共{numbered}页" in flat(form.pages[-1])
    snapshot = form.snapshot
    # Submitted 10:00 UTC is 18:00 in Beijing.
    footer = (
        f"申报书编号{form.app.reference}提交时间2023年6月20日18:00"
        f"第{snapshot.number}版校验码{snapshot.verification_code}"
    )
    assert all(footer in flat(page) for page in form.pages[1:])


def test_attachments_are_listed(form):
    listing = form.text[form.text.index("附件清单") :]
    assert "法人证书/营业执照复印件" in listing
    assert listing.count("专家证书复印件") == len(EXPERT_NAMES)
    assert "王建国☑" in listing.replace("复印件.pdf", "")


def test_fonts_are_embedded_and_subset(form):
    names = set()
    for page in form.reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descendant = (
                font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            )
            descriptor = descendant["/FontDescriptor"].get_object()
            assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor.keys()), font
            assert re.match(r"^/[A-Z]{6}\+", font["/BaseFont"]), font["/BaseFont"]
            names.add(font["/BaseFont"][8:].replace("-", ""))
    assert {"NotoSerifCJKSC", "NotoSansCJKSC", "DejaVuSans"} <= names, names
    # Subset CJK fonts keep a form small enough to mail: the target is 300 KB.
    assert len(form.pdf) < 300 * 1024


def test_document_metadata(form):
    meta = form.reader.metadata
    assert meta.title.startswith("浙江省技能人才评价题库开发项目申报表")
    assert meta.author == ORGANISATION


def test_snapshot_is_not_changed_by_later_edits_and_prints_the_opinion(form, db):
    app, org = form.app, form.app.organisation
    org.name = "改名后的单位"
    org.save()
    app.leader_name = "新负责人"
    app.save()
    text = read(render_application_pdf(form.snapshot, OPINION)).text
    assert ORGANISATION in text and form.snapshot.data["leader_name"] in text
    assert "改名后的单位" not in text and "新负责人" not in text
    centre = section(text, "五、评价（鉴定）中心意见", "附件清单")
    assert "☐推荐为牵头单位☑推荐为参与单位☐不予推荐" in centre
    for value in (OPINION["reason"], OPINION["opinion"], OPINION["centre"], "2023年6月22日"):
        assert value in centre


def test_expert_header_repeats_on_every_page_the_table_spans(db):
    names = [f"专家{n:02d}" for n in range(40)]
    app = application(
        names=names,
        basis=Basis.STANDARD,
        unit=None,
        custom_occupation="碳排放管理员",
        custom_work_type="碳排放监测员",
        standard_year=2021,
        levels=[4, 3],
    )
    pdf = read(render_application_pdf(submit(app)))
    # Certificate numbers are printed in the expert table only.
    spanned = [flat(page) for page in pdf.pages if re.search(r"证书编码：S\d{12}", page)]
    assert len(spanned) >= 2
    for page in spanned:
        assert (
            "专家团队（请附影印件）序号姓名性别出生年月职称、职业资格（等级与证书编码）工作单位"
            in page
        )
    assert pdf.text.count("职称、职业资格（等级与证书编码）") >= 2
    assert all(name in pdf.text for name in names)
    # Outside the catalog the form says on which condition the unit applies.
    assert (
        "申报依据条件2：2018年及以后发布国家职业技能标准的职业；国家职业技能标准发布年份：2021年"
        in pdf.text
    )
    assert "申报职业名称碳排放管理员申报工种名称碳排放监测员" in pdf.text


def test_render_command_writes_the_latest_version(form, db, tmp_path):
    out = tmp_path / "form.pdf"
    call_command("render_application", str(form.app.pk), str(out), stdout=io.StringIO())
    assert out.read_bytes().startswith(b"%PDF-")
    assert form.snapshot.verification_code in read(out.read_bytes()).text


def test_render_command_refuses_what_it_cannot_render(form, db, tmp_path):
    draft = ApplicationFactory()
    with pytest.raises(CommandError, match="从未提交"):
        call_command("render_application", str(draft.pk), str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError, match="没有第2版"):
        call_command("render_application", str(form.app.pk), str(tmp_path / "x.pdf"), version=2)
    with pytest.raises(CommandError, match="不存在"):
        call_command("render_application", "999999", str(tmp_path / "x.pdf"))
    assert not (tmp_path / "x.pdf").exists()


def test_input_hash_changes_with_the_opinion_only():
    snapshot = SimpleNamespace(content_hash="a" * 64)
    same = pdf_input_hash(snapshot, dict(reversed(list(OPINION.items()))))
    assert pdf_input_hash(snapshot, OPINION) == same
    assert pdf_input_hash(snapshot, None) != same
    assert pdf_input_hash(snapshot, {**OPINION, "reason": "另一理由"}) != same
    assert pdf_input_hash(SimpleNamespace(content_hash="b" * 64), OPINION) != same
