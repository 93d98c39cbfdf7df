import datetime as dt
import zoneinfo

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.db.models import Case, Q, When
from django.utils import timezone

from .levels import Level, LevelRange


def deadline_passed(deadline: dt.date, now=None) -> bool:
    """Deadlines end at midnight after the day, Beijing time."""
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    end = dt.datetime.combine(deadline + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    return (now or timezone.now()) >= end


class CallQuerySet(models.QuerySet):
    def open(self):
        return self.filter(is_open=True)

    def current(self, slug: str | None = None):
        """The call asked for by slug, else the call in hand, else the newest.

        In hand means open or with published results: publishing closes a call, and its
        staff and applicants must still find it there until a newer call opens.
        """
        if slug and (chosen := self.filter(slug=slug).first()):
            return chosen
        in_hand = Q(is_open=True) | Q(publication__isnull=False)
        return (
            self.annotate(in_hand=Case(When(in_hand, then=1), default=0))
            .order_by("-in_hand", "-notice_date", "-pk")
            .first()
        )


class Call(models.Model):
    """One call for applications (批次): its dates, its catalog and form wording are data."""

    name = models.CharField("批次名称", max_length=200)
    slug = models.SlugField("标识", max_length=50, unique=True)
    notice_date = models.DateField("通知日期")
    deadline = models.DateField(
        "市级中心报送截止日期", help_text="各中心须在当日24时（北京时间）前报送省中心"
    )
    # Units submit to their centre earlier than centres send on; each centre may set an earlier one.
    applicant_deadline = models.DateField(
        "申报单位提交截止日期",
        null=True,
        blank=True,
        help_text="申报单位向所属中心提交的截止日期（当日24时，北京时间），不晚于报送截止日期；"
        "留空则与报送截止日期相同。各中心可另设更早的日期。",
    )
    notice_text = models.TextField(
        "通知正文", blank=True, help_text="公开页面显示的征集通知正文，空行分段"
    )
    contact_unit = models.CharField("联系单位", max_length=100, blank=True)
    contact_people = models.CharField("联系人", max_length=100, blank=True)
    contact_phones = models.CharField("联系电话", max_length=100, blank=True)
    contact_email = models.CharField("电子邮箱", max_length=100, blank=True)
    postal_address = models.CharField("邮寄地址", max_length=200, blank=True)
    paper_required = models.BooleanField(
        "纸质材料为必需",
        default=False,
        help_text="勾选后，盖章页、纸质材料登记和盖章的附件3缺一不可报送；默认只作记录，不影响在线流程",
    )
    is_open = models.BooleanField("正在征集", default=False)
    section_three_title = models.CharField(
        "申报表第三部分标题",
        max_length=100,
        default="开发基础与保障条件",
        help_text="征集通知附件2的原件缺第三部分，此处按批次配置。",
    )
    section_three_help = models.TextField(
        "申报表第三部分填写说明",
        blank=True,
        default="请说明单位开展本项目的开发基础、经费保障和组织管理措施。",
    )

    objects = CallQuerySet.as_manager()

    class Meta:
        ordering = ["-notice_date"]
        verbose_name = "征集批次"
        verbose_name_plural = "征集批次"

    def __str__(self):
        return self.name

    def clean(self):
        if self.applicant_deadline and self.deadline and self.applicant_deadline > self.deadline:
            raise ValidationError(
                {"applicant_deadline": "申报单位提交截止日期不能晚于市级中心报送截止日期。"}
            )

    def deadline_passed(self, now=None) -> bool:
        return deadline_passed(self.deadline, now)

    @property
    def units_deadline(self) -> dt.date:
        """The call-wide date by which units submit to their centre."""
        return self.applicant_deadline or self.deadline

    def units_deadline_passed(self, now=None) -> bool:
        return deadline_passed(self.units_deadline, now)

    @property
    def results_published(self) -> bool:
        """Whether the province has published the call's results (reviews.Publication)."""
        try:
            self.publication  # noqa: B018
        except ObjectDoesNotExist:
            return False
        return True

    @property
    def accepting(self) -> bool:
        """Open and before its deadline: units may still apply."""
        return self.is_open and not self.units_deadline_passed()

    @property
    def stage(self) -> str:
        """What the call's badge says: an open call past its deadline no longer takes units."""
        if not self.is_open:
            return "已结束"
        return "正在征集" if self.accepting else "申报已截止"


class Reference(models.Model):
    """A document the call's 填表说明 names (管理办法, 国家职业技能标准), with a link an admin sets."""

    call = models.ForeignKey(
        Call, verbose_name="征集批次", on_delete=models.CASCADE, related_name="references"
    )
    name = models.CharField(
        "名称", max_length=200, help_text="如：《浙江省技能人才评价题库资源管理办法》"
    )
    url = models.URLField("链接", blank=True, help_text="留空则只显示名称")
    position = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        ordering = ["call", "position", "pk"]
        verbose_name = "参考文件"
        verbose_name_plural = "参考文件"

    def __str__(self):
        return self.name


class Series(models.Model):
    """One of the 36 浙派工匠 series (系列) of the 2022-2025 action plan."""

    class Industry(models.IntegerChoices):
        PRIMARY = 1, "第一产业"
        SECONDARY = 2, "第二产业"
        TERTIARY = 3, "第三产业"

    number = models.PositiveSmallIntegerField("序号", unique=True)
    industry = models.PositiveSmallIntegerField("产业", choices=Industry.choices)
    name = models.CharField("系列名称", max_length=20, unique=True, help_text="如：果品蔬菜")
    definition = models.TextField("定义")
    occupations = models.JSONField("职业", default=list, blank=True)
    special_items = models.JSONField("专项", default=list, blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = "浙派工匠系列"
        verbose_name_plural = "浙派工匠系列"

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        return f"浙派工匠（{self.name}）"


class EntryQuerySet(models.QuerySet):
    def for_call(self, call):
        return self.filter(call=call)

    def tagged(self, tag):
        return self.filter(**{Entry.TAG_FIELDS[tag]: True})

    def covering_level(self, level):
        level = int(level)
        own = Q(units__level_start__gte=level, units__level_end__lte=level)
        shared = Q(shared_level_start__gte=level, shared_level_end__lte=level)
        return self.filter(own | shared).distinct()

    def with_standard_year(self, year):
        return self.filter(units__standard_year=year).distinct()

    def search(self, text):
        text = "".join(text.split())
        if not text:
            return self
        return self.filter(
            Q(occupation__icontains=text) | Q(units__name__icontains=text)
        ).distinct()

    def with_units(self):
        return self.select_related("series", "call").prefetch_related(
            models.Prefetch("units", queryset=Unit.objects.order_by("position"))
        )


class Entry(models.Model):
    """A numbered row (序号) of the reference catalog (附件1): one occupation."""

    class Subdivision(models.TextChoices):
        NONE = "none", "不细分"
        WORK_TYPES = "work_types", "工种"
        DIRECTIONS = "directions", "职业方向"

    TAG_FIELDS = {"green": "is_green", "digital": "is_digital"}
    TAG_LABELS = {"green": "绿色职业", "digital": "数字职业"}

    call = models.ForeignKey(
        Call, verbose_name="征集批次", on_delete=models.CASCADE, related_name="entries"
    )
    number = models.PositiveSmallIntegerField("序号")
    occupation = models.CharField("职业", max_length=100)
    subdivision = models.CharField(
        "细分方式", max_length=20, choices=Subdivision.choices, default=Subdivision.NONE
    )
    # Levels of the occupation that are not split into work types (金属热处理工: 5-4).
    shared_level_start = models.PositiveSmallIntegerField(
        "不细分工种的等级起", choices=Level.choices, null=True, blank=True
    )
    shared_level_end = models.PositiveSmallIntegerField(
        "不细分工种的等级止", choices=Level.choices, null=True, blank=True
    )
    is_green = models.BooleanField("绿色职业", default=False)
    is_digital = models.BooleanField("数字职业", default=False)
    remark = models.TextField("备注", blank=True)
    series = models.ForeignKey(
        Series,
        verbose_name="浙派工匠系列",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="entries",
    )

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["call", "number"]
        verbose_name = "目录条目"
        verbose_name_plural = "目录条目"
        constraints = [
            models.UniqueConstraint(fields=["call", "number"], name="entry_number_unique"),
            models.UniqueConstraint(fields=["call", "occupation"], name="entry_occupation_unique"),
            models.CheckConstraint(
                condition=Q(shared_level_start__isnull=True, shared_level_end__isnull=True)
                | Q(shared_level_start__gte=models.F("shared_level_end")),
                name="entry_shared_range_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.number}. {self.occupation}"

    def clean(self):
        if (self.shared_level_start is None) != (self.shared_level_end is None):
            raise ValidationError("不细分工种的等级起止须同时填写或同时留空。")

    @property
    def shared_range(self) -> LevelRange | None:
        if self.shared_level_start is None:
            return None
        return LevelRange(self.shared_level_start, self.shared_level_end)

    @property
    def tags(self) -> list[str]:
        return [
            label for key, label in self.TAG_LABELS.items() if getattr(self, self.TAG_FIELDS[key])
        ]

    def _units(self):
        # Kept on the instance: each .all() clones a queryset, and a catalog render asks often.
        if "_unit_list" not in self.__dict__:
            self._unit_list = list(self.units.all())
        return self._unit_list

    @property
    def unit_count(self) -> int:
        return len(self._units())

    @property
    def standard_years(self) -> list[int]:
        return sorted({u.standard_year for u in self._units() if u.standard_year})

    @property
    def level_range(self) -> LevelRange | None:
        """The entry's 等级 column: one range for all units, or None when it varies per unit."""
        ranges = {u.level_range for u in self._units()}
        if len(ranges) != 1:
            return None
        (own,) = ranges
        shared = self.shared_range
        if shared is None:
            return own
        if shared.end - 1 == own.start:
            return LevelRange(shared.start, own.end)
        return None

    @property
    def levels_vary(self) -> bool:
        return self.level_range is None


class Unit(models.Model):
    """One occupation/work-type unit (职业/工种 or 职业方向) an organisation can apply for."""

    entry = models.ForeignKey(
        Entry, verbose_name="目录条目", on_delete=models.CASCADE, related_name="units"
    )
    position = models.PositiveSmallIntegerField("顺序")
    # Blank when the occupation is not subdivided: the unit is the occupation itself.
    name = models.CharField("工种/职业方向", max_length=100, blank=True)
    level_start = models.PositiveSmallIntegerField("等级起", choices=Level.choices)
    level_end = models.PositiveSmallIntegerField("等级止", choices=Level.choices)
    standard_year = models.PositiveSmallIntegerField(
        "国标版本", null=True, blank=True, help_text="留空表示不在任何一版标准的适用范围内"
    )

    class Meta:
        ordering = ["entry", "position"]
        verbose_name = "职业（工种）单元"
        verbose_name_plural = "职业（工种）单元"
        constraints = [
            models.UniqueConstraint(fields=["entry", "position"], name="unit_position_unique"),
            models.UniqueConstraint(fields=["entry", "name"], name="unit_name_unique"),
            models.CheckConstraint(
                condition=Q(level_start__gte=models.F("level_end")), name="unit_range_ordered"
            ),
        ]

    def __str__(self):
        return self.display_name

    @property
    def level_range(self) -> LevelRange:
        return LevelRange(self.level_start, self.level_end)

    @property
    def display_name(self) -> str:
        occupation = self.entry.occupation
        if not self.name:
            return occupation
        return f"{occupation}（{self.name}）"

    def offered_levels(self) -> list[Level]:
        """Levels an applicant may choose for this unit: its own plus the entry's shared ones."""
        levels = set(self.level_range.levels())
        if self.entry.shared_range:
            levels.update(self.entry.shared_range.levels())
        return sorted(levels, reverse=True)
