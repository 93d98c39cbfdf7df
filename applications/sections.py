"""The sections of the 申报表 (附件2) and the Application fields in each, in the page's order.

The one list of which field belongs where: the draft form, the detail page, the checks
before submission and their summaries all derive from it.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class FormSection:
    key: str
    title: str
    # Application's own fields, in the order the form shows them.
    fields: tuple[str, ...]
    # Keys of submission_errors() for what is not an Application field (the expert table).
    parts: tuple[str, ...] = ()

    @property
    def checked(self) -> tuple[str, ...]:
        """Every key of submission_errors() that belongs to this section."""
        return self.fields + self.parts


BASIC = FormSection(
    "basic",
    "一、基本信息",
    (
        # The project: occupation (工种) outside the catalog, basis details, code and levels.
        "custom_occupation",
        "custom_work_type",
        "standard_year",
        "bank_year",
        "bank_reason",
        "occupation_code",
        "levels",
        # The contact and the unit's intention.
        "contact_name",
        "contact_mobile",
        "intention",
        # The four experience lines of 项目优势概述, each with its detail.
        "exp_new_occupation",
        "exp_new_occupation_detail",
        "exp_standard",
        "exp_standard_detail",
        "exp_national_bank",
        "exp_national_bank_detail",
        "exp_provincial_bank",
        "exp_provincial_bank_detail",
    ),
)

# 附件2: "其他组织机构情况、拟建专家队伍、题库开发经验与未来开发方案、项目保障与组织管理等优势，
# 请另附页说明"; 附件2 asks for it with 一, and the edit page prints it inside 一.
STATEMENT = FormSection(
    "statement",
    "附页：项目优势说明",
    (
        "statement_organisation",
        "statement_team",
        "statement_experience",
        "statement_guarantee",
    ),
)

# The call's conditions for units: 1-4 must all hold, 5 is preferred, 6 bars the unit.
DECLARED_CONDITIONS = ("cond_legal_person", "cond_staff", "cond_team", "cond_funding")
PREFERRED_CONDITION = "cond_preferred"
BARRING_CONDITION = "cond_violation"
# Declared right after 一 and its 附页, before 二.
UNIT_CONDITIONS = FormSection(
    "conditions",
    "申报单位条件声明",
    (*DECLARED_CONDITIONS, PREFERRED_CONDITION, BARRING_CONDITION),
)

PROJECT = FormSection(
    "project",
    "二、项目信息",
    (
        "leader_name",
        "leader_gender",
        "leader_birth_month",
        "leader_title",
        "leader_position",
        "leader_education",
        "leader_speciality",
        "leader_mobile",
        "leader_email",
        "leader_office_phone",
        "leader_employer",
        "leader_department",
        "leader_address",
    ),
    parts=("experts",),
)

# The columns of 二's 专家团队 table, fields of Expert.
EXPERT_FIELDS = (
    "name",
    "gender",
    "birth_month",
    "title",
    "qualification_level",
    "certificate_no",
    "employer",
)

# Each call names its 三 (the seed copy of 附件2 lacks it); heading() adds the name.
THREE = FormSection("three", "三", ("section_three",))

DECLARATION = FormSection(
    "declaration",
    "四、申报意见",
    ("declaration_confirmed", "declaration_signer", "declaration_date"),
)

# The edit page's order, which the detail page and the checklists follow.
SECTIONS = (BASIC, STATEMENT, UNIT_CONDITIONS, PROJECT, THREE, DECLARATION)

# Not a section of the form but checked with it: the copies the form asks to attach.
ATTACHMENTS = FormSection("attachments", "附件材料", (), parts=("attachments",))

# Every field of the form the applicant may change, in the page's order.
EDITABLE_FIELDS = tuple(name for section in SECTIONS for name in section.fields)

# Which section each key of submission_errors() belongs to.
SECTION_OF = {name: section for section in (*SECTIONS, ATTACHMENTS) for name in section.checked}


def heading(section: FormSection, call) -> str:
    """The section's title as the pages print it: 三 takes its name from the call."""
    if section is THREE:
        return f"三、{call.section_three_title}"
    return section.title
