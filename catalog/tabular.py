"""The 附件1 row model: one parser and one writer for the catalog table, used by the fixture,
the importer and the exporter.

Columns: 序号, 职业, 工种, 职业(工种)数量, 等级, 国标版本, 备注. The 工种 cell reads like the
official table:

- empty: the occupation itself, not subdivided;
- "A、B（5-3）、C": work types, each with its own range only when the 等级 column is blank;
- "本职业分为A、B两个职业方向": career directions;
- "本职业5-4级不细分工种，3-1级细分为A、B、C三个工种": levels 5-4 shared, the work types 3-1;
- a list may be followed by "2019版标准仅适用于A、B两个工种。" sentences, one per standard year.

The 备注 cell holds the tags (绿色职业 / 数字职业) separated by spaces, then "；" and free text.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .levels import RANGE_RE, LevelRange
from .models import Entry

NUMBER = "序号"
OCCUPATION = "职业"
UNITS = "工种"
COUNT = "职业(工种)数量"
LEVELS = "等级"
STANDARDS = "国标版本"
REMARK = "备注"
COLUMNS = (NUMBER, OCCUPATION, UNITS, COUNT, LEVELS, STANDARDS, REMARK)
INTEGER_COLUMNS = (NUMBER, COUNT)

TAGS = {label: key for key, label in Entry.TAG_LABELS.items()}
Subdivision = Entry.Subdivision

NUMERALS = "零一二三四五六七八九"
COUNT_WORD = r"(\d+|[一二两三四五六七八九十]+)"
SPLIT_RE = re.compile(r"^本职业(.+?)级不细分工种[，,](.+?)级细分为(.+?)" + COUNT_WORD + r"个工种$")
DIRECTIONS_RE = re.compile(r"^(?:本职业)?分为(.+?)" + COUNT_WORD + r"个职业方向$")
STANDARD_START_RE = re.compile(r"\d+版标准仅适用于")
STANDARD_RE = re.compile(r"(\d+)版标准仅适用于(.+?)" + COUNT_WORD + r"个(?:工种|职业方向)。?")
TRAILING_PAREN_RE = re.compile(r"^(.*?)[（(]([^（）()]*)[）)]$")
OPEN, CLOSE = "（(", "）)"


class CatalogFileError(Exception):
    """A malformed catalog file; ``messages`` names the row and column of every problem."""

    def __init__(self, messages: list[str]):
        self.messages = list(messages)
        super().__init__("\n".join(self.messages))


@dataclass
class UnitData:
    name: str
    level_range: LevelRange
    standard_year: int | None


@dataclass
class EntryData:
    number: int
    occupation: str
    subdivision: str
    units: list[UnitData]
    shared_range: LevelRange | None = None
    is_green: bool = False
    is_digital: bool = False
    remark: str = ""

    @classmethod
    def from_entry(cls, entry) -> "EntryData":
        return cls(
            number=entry.number,
            occupation=entry.occupation,
            subdivision=entry.subdivision,
            units=[
                UnitData(u.name, u.level_range, u.standard_year)
                for u in sorted(entry.units.all(), key=lambda u: u.position)
            ],
            shared_range=entry.shared_range,
            is_green=entry.is_green,
            is_digital=entry.is_digital,
            remark=entry.remark,
        )

    @property
    def tags(self) -> list[str]:
        return [label for label, key in TAGS.items() if getattr(self, Entry.TAG_FIELDS[key])]

    @property
    def level_range(self) -> LevelRange | None:
        """The 等级 column, as Entry.level_range computes it for saved entries."""
        ranges = {u.level_range for u in self.units}
        if len(ranges) != 1:
            return None
        (own,) = ranges
        if self.shared_range is None:
            return own
        if self.shared_range.end - 1 == own.start:
            return LevelRange(self.shared_range.start, own.end)
        return None

    @property
    def standard_years(self) -> list[int]:
        return sorted({u.standard_year for u in self.units if u.standard_year})


def clean_name(text: str) -> str:
    # Names never contain whitespace; PDF extraction breaks them with spaces and line breaks.
    return "".join(str(text).split())


def cell_text(value) -> str:
    """A cell as text: Excel gives numbers as int or float and blanks as None."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def canonical_header(text) -> str:
    return clean_name(cell_text(text)).replace("（", "(").replace("）", ")")


def count_word(n: int) -> str:
    """Chinese numeral as the official table writes counts: 两, 三, 十二."""
    if n == 2:
        return "两"
    if n < 10:
        return NUMERALS[n]
    tens, ones = divmod(n, 10)
    return (NUMERALS[tens] if tens > 1 else "") + "十" + (NUMERALS[ones] if ones else "")


def parse_count_word(text: str) -> int:
    if text.isdigit():
        return int(text)
    digits = {c: i for i, c in enumerate(NUMERALS)} | {"两": 2}
    if "十" not in text:
        return digits[text] if len(text) == 1 else -1
    tens, _, ones = text.partition("十")
    return digits.get(tens, 1 if not tens else -1) * 10 + (digits.get(ones, -99) if ones else 0)


def split_top_level(text: str) -> list[str]:
    """Split on "、" outside parentheses: "配电房（所、室）运行值班员" stays whole."""
    parts, depth, current = [], 0, ""
    for char in text:
        if char in OPEN:
            depth += 1
        elif char in CLOSE:
            depth -= 1
        if char == "、" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return parts


class _RowParser:
    """Parses one data row; problems go to ``errors`` prefixed with the row and column."""

    def __init__(self, row_number: int, cells: Mapping[str, str], errors: list[str]):
        self.row_number = row_number
        self.cells = cells
        self.errors = errors

    def error(self, column: str, message: str):
        self.errors.append(f"第{self.row_number}行“{column}”列：{message}")

    def integer(self, column: str) -> int | None:
        text = self.cells[column]
        if not text.isdigit() or int(text) == 0:
            self.error(column, f"“{text}”不是正整数")
            return None
        return int(text)

    def level_range(self, column: str, text: str) -> LevelRange | None:
        try:
            return LevelRange.parse(text)
        except ValueError as exc:
            self.error(column, str(exc))
            return None

    def parse(self) -> EntryData | None:
        before = len(self.errors)
        number = self.integer(NUMBER)
        count = self.integer(COUNT)
        occupation = clean_name(self.cells[OCCUPATION])
        if not occupation:
            self.error(OCCUPATION, "职业名称不能为空")
        column_text = self.cells[LEVELS]
        column_range = self.level_range(LEVELS, column_text) if column_text else None
        years = self.standard_years()
        is_green, is_digital, remark = self.remark()
        units_text = clean_name(self.cells[UNITS])
        parsed = self.units(units_text, column_range, bool(column_text), years)
        if parsed and count and count != len(parsed[2]):
            self.error(COUNT, f"数量为{count}，但“工种”列列出了{len(parsed[2])}个职业（工种）")
        if len(self.errors) > before or parsed is None:
            return None
        subdivision, shared, units = parsed
        return EntryData(
            number, occupation, subdivision, units, shared, is_green, is_digital, remark
        )

    def standard_years(self) -> list[int]:
        years = []
        for token in re.split(r"[\s、，,;；/]+", self.cells[STANDARDS]):
            if not token:
                continue
            # National standards date from the founding of the PRC onwards; this catches typos.
            if not (token.isdigit() and len(token) == 4 and 1949 <= int(token) <= 2099):
                self.error(STANDARDS, f"“{token}”不是有效的标准年份（应为如“2019”的四位年份）")
                continue
            years.append(int(token))
        return sorted(set(years))

    def remark(self) -> tuple[bool, bool, str]:
        tag_text, *rest = re.split(r"[；;]", self.cells[REMARK], maxsplit=1)
        remark = rest[0] if rest else ""
        found = set()
        for tag in tag_text.split():
            if tag in TAGS:
                found.add(TAGS[tag])
            else:
                self.error(
                    REMARK,
                    f"未知标签“{tag}”（可用标签：{'、'.join(TAGS)}；备注文字请写在“；”之后）",
                )
        return "green" in found, "digital" in found, remark.strip()

    def units(self, text, column_range, column_given, years):
        """Parse the 工种 cell: (subdivision, shared range, units), or None after an error."""
        if text.count("（") + text.count("(") != text.count("）") + text.count(")"):
            self.error(UNITS, "括号不配对")
            return None
        head, by_year = self.standard_sentences(text)
        head = head.rstrip("。")
        shared = None
        if not head:
            if by_year:
                self.error(UNITS, "只有标准适用说明，没有列出工种")
                return None
            subdivision, names = Subdivision.NONE, [("", None)]
        elif m := SPLIT_RE.match(head):
            subdivision = Subdivision.WORK_TYPES
            shared = self.level_range(UNITS, m.group(1))
            unit_range = self.level_range(UNITS, m.group(2))
            names = self.names(m.group(3), m.group(4), "工种")
            if shared and unit_range:
                if shared.end - 1 != unit_range.start:
                    self.error(UNITS, f"不细分的等级{shared}与细分的等级{unit_range}不相接")
                elif column_range and column_range != LevelRange(shared.start, unit_range.end):
                    self.error(LEVELS, f"等级{column_range}与“工种”列的{shared}、{unit_range}不符")
                column_range, column_given = unit_range, True
        elif m := DIRECTIONS_RE.match(head):
            subdivision = Subdivision.DIRECTIONS
            names = self.names(m.group(1), m.group(2), "职业方向")
        else:
            subdivision = Subdivision.WORK_TYPES
            names = self.names(head, None, "工种")
        if names is None:
            return None
        # An unreadable 等级 column was reported already; the units' own ranges are still checked.
        units = self.unit_ranges(names, column_range, column_given)
        if units is None:
            return None
        if not self.assign_years(units, years, by_year):
            return None
        return subdivision, shared, units

    def standard_sentences(self, text) -> tuple[str, dict[int, list[str]]]:
        start = STANDARD_START_RE.search(text)
        if not start:
            return text, {}
        head, tail = text[: start.start()], text[start.start() :]
        by_year = {}
        position = 0
        while m := STANDARD_RE.match(tail, position):
            names = self.names(m.group(2), m.group(3), "工种") or []
            by_year[int(m.group(1))] = [name for name, _ in names]
            position = m.end()
        if position != len(tail):
            self.error(
                UNITS,
                f"无法识别“{tail[position:]}”（应为如“2019版标准仅适用于A、B两个工种。”的说明）",
            )
        return head, by_year

    def names(self, text, count_text, kind) -> list[tuple[str, str | None]] | None:
        """Names with the range text each carries: [("选品员", "5-1"), ("平台管理员", None)]."""
        items = []
        for item in split_top_level(text):
            m = TRAILING_PAREN_RE.match(item)
            if m and RANGE_RE.match(m.group(2)):
                items.append((m.group(1), m.group(2)))
            else:
                items.append((item, None))
        names = [name for name, _ in items]
        if not all(names):
            self.error(UNITS, f"“{text}”中有空的{kind}名称")
            return None
        if duplicates := sorted({n for n in names if names.count(n) > 1}):
            self.error(UNITS, f"{kind}“{'、'.join(duplicates)}”重复")
            return None
        if count_text is not None and parse_count_word(count_text) != len(names):
            self.error(UNITS, f"写明“{count_text}个{kind}”，但列出了{len(names)}个")
            return None
        return items

    def unit_ranges(self, names, column_range, column_given) -> list[UnitData] | None:
        units, ok = [], True
        for name, range_text in names:
            own = self.level_range(UNITS, range_text) if range_text else None
            if range_text and own is None:
                ok = False
            elif own and column_range and own != column_range:
                self.error(UNITS, f"“{name}”的等级{own}与“等级”列的{column_range}不符")
                ok = False
            elif not (own or column_given):
                if name:
                    self.error(UNITS, f"“等级”列为空时须注明每个工种的等级，“{name}”没有注明")
                else:
                    self.error(LEVELS, "等级不能为空")
                ok = False
            units.append(UnitData(name, own or column_range, None))
        return units if ok else None

    def assign_years(self, units, years, by_year) -> bool:
        if not by_year:
            if len(years) > 1:
                self.error(STANDARDS, "有多个标准版本时须在“工种”列说明各版标准适用的工种")
                return False
            for unit in units:
                unit.standard_year = years[0] if years else None
            return True
        by_name = {unit.name: unit for unit in units}
        for year, names in by_year.items():
            if year not in years:
                self.error(UNITS, f"{year}版标准不在“国标版本”列中")
                return False
            for name in names:
                unit = by_name.get(name)
                if unit is None:
                    self.error(UNITS, f"{year}版标准适用的“{name}”不在所列工种之中")
                    return False
                if unit.standard_year is not None:
                    self.error(UNITS, f"“{name}”同时列在两版标准的适用范围中")
                    return False
                unit.standard_year = year
        if unused := [str(y) for y in years if y not in by_year]:
            self.error(STANDARDS, f"{'、'.join(unused)}版标准没有在“工种”列说明适用的工种")
            return False
        return True


def _header_map(header: Sequence, errors: list[str]) -> dict[str, int]:
    positions = {}
    for index, text in enumerate(header):
        name = canonical_header(text)
        if name in COLUMNS and name not in positions:
            positions[name] = index
    for column in COLUMNS:
        if column not in positions:
            errors.append(f"第1行：缺少“{column}”列（表头须在第1行）")
    return positions


def parse_rows(rows: Iterable[Sequence | Mapping]) -> list[EntryData]:
    """Parse the table, header first (or dicts keyed by header); raise CatalogFileError."""
    rows = list(rows)
    if rows and isinstance(rows[0], Mapping):
        header = list(rows[0])
        rows = [header] + [[row.get(column) for column in header] for row in rows]
    errors: list[str] = []
    if not rows:
        raise CatalogFileError(["第1行：文件是空的，缺少表头"])
    positions = _header_map(rows[0], errors)
    if errors:
        raise CatalogFileError(errors)
    entries: list[EntryData] = []
    first_rows: dict[str, dict[str, int]] = {NUMBER: {}, OCCUPATION: {}}
    for row_number, row in enumerate(rows[1:], start=2):
        cells = {
            column: cell_text(row[i] if i < len(row) else None) for column, i in positions.items()
        }
        if not any(cells.values()):
            continue
        parser = _RowParser(row_number, cells, errors)
        for column, key in ((NUMBER, cells[NUMBER]), (OCCUPATION, clean_name(cells[OCCUPATION]))):
            first = first_rows[column].setdefault(key, row_number) if key else row_number
            if first != row_number:
                parser.error(column, f"{column}“{key}”与第{first}行重复")
        if entry := parser.parse():
            entries.append(entry)
    if not entries and not errors:
        errors.append("第2行：文件没有目录条目")
    if errors:
        raise CatalogFileError(errors)
    return entries


def format_names(units: list[UnitData], with_ranges: bool) -> str:
    return "、".join(u.name + (f"（{u.level_range}）" if with_ranges else "") for u in units)


def format_units(entry: EntryData) -> str:
    """The 工种 cell, in the form parse_rows reads back."""
    if entry.subdivision == Subdivision.NONE:
        return ""
    units, count = entry.units, count_word(len(entry.units))
    names = format_names(units, entry.level_range is None)
    kind = "职业方向" if entry.subdivision == Subdivision.DIRECTIONS else "工种"
    if entry.shared_range:
        text = (
            f"本职业{entry.shared_range}级不细分工种，{units[0].level_range}级细分为"
            f"{format_names(units, False)}{count}个工种。"
        )
    elif entry.subdivision == Subdivision.DIRECTIONS:
        text = f"本职业分为{names}{count}个职业方向。"
    else:
        text = names
    # Applicability sentences only when the units do not all follow one standard version.
    if len({u.standard_year for u in units}) > 1:
        text = text.rstrip("。") + "。"
        for year in entry.standard_years:
            named = [u for u in units if u.standard_year == year]
            text += f"{year}版标准仅适用于{format_names(named, False)}"
            text += f"{count_word(len(named))}个{kind}。"
    return text


def entry_to_row(entry: EntryData) -> dict[str, str]:
    tags = " ".join(entry.tags)
    return {
        NUMBER: str(entry.number),
        OCCUPATION: entry.occupation,
        UNITS: format_units(entry),
        COUNT: str(len(entry.units)),
        LEVELS: str(entry.level_range or ""),
        STANDARDS: " ".join(str(y) for y in entry.standard_years),
        REMARK: tags + (f"；{entry.remark}" if entry.remark else ""),
    }


def to_rows(entries: Iterable[EntryData]) -> list[list[str]]:
    """The table, header first: the inverse of parse_rows."""
    rows = [list(COLUMNS)]
    for entry in sorted(entries, key=lambda e: e.number):
        row = entry_to_row(entry)
        rows.append([row[column] for column in COLUMNS])
    return rows


def to_tsv(entries: Iterable[EntryData]) -> str:
    return "".join("\t".join(row) + "\n" for row in to_rows(entries))


def read_tsv(text: str) -> list[list[str]]:
    # Tabs never occur inside cells; a byte-order mark may precede the header.
    return [line.split("\t") for line in text.lstrip("\ufeff").splitlines()]
