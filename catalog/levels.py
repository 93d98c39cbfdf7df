"""The five national skill levels and the "A-B" ranges the catalog uses."""

import re
from dataclasses import dataclass

from django.db import models


class Level(models.IntegerChoices):
    # Lowest to highest; the number is the official level number.
    FIVE = 5, "五级/初级工"
    FOUR = 4, "四级/中级工"
    THREE = 3, "三级/高级工"
    TWO = 2, "二级/技师"
    ONE = 1, "一级/高级技师"


RANGE_RE = re.compile(r"^\s*([0-9])\s*[-－–—~～]\s*([0-9])\s*$")


@dataclass(frozen=True, order=True)
class LevelRange:
    """Levels from ``start`` (the lower skill level, higher number) down to ``end``, both included.

    "5-1" is all five levels, "5-3" is 五级 to 三级.
    """

    start: int
    end: int

    def __post_init__(self):
        if not (1 <= self.end <= self.start <= 5):
            raise ValueError(f"无效的等级范围“{self.start}-{self.end}”")

    @classmethod
    def parse(cls, text: str) -> "LevelRange":
        """Parse "5-1"; raise ValueError with a Chinese message for anything else."""
        m = RANGE_RE.match(str(text))
        if not m:
            raise ValueError(f"等级“{text}”格式不正确，应为“5-1”这样的范围")
        start, end = int(m.group(1)), int(m.group(2))
        if not (1 <= start <= 5 and 1 <= end <= 5):
            raise ValueError(f"等级“{text}”超出范围：国家职业技能等级只有五级（5）到一级（1）")
        if start < end:
            raise ValueError(f"等级“{text}”顺序颠倒：应从较低等级写到较高等级，如“5-1”")
        return cls(start, end)

    def levels(self) -> list[Level]:
        return [Level(n) for n in range(self.start, self.end - 1, -1)]

    def __contains__(self, level) -> bool:
        return self.end <= int(level) <= self.start

    def __str__(self) -> str:
        return f"{self.start}-{self.end}"

    @property
    def label(self) -> str:
        """Chinese form: 五级/初级工 … 一级/高级技师 (or the single level)."""
        if self.start == self.end:
            return Level(self.start).label
        return f"{Level(self.start).label} … {Level(self.end).label}"
