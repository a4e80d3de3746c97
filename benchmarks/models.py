from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from missions.models import Component, Location, Mission, Versioned


def area_field() -> models.ForeignKey:
    """The region or district an assessment, indicator value or risk concerns (blank: the whole country)."""
    return models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region or district"),
        help_text=_("Where this applies, when it concerns one area rather than the whole country."),
    )


class Term(models.TextChoices):
    SHORT = "short", _("Short term")
    MEDIUM = "medium", _("Medium term")
    LONG = "long", _("Long term")


class Status(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    OFF_TRACK = "off_track", _("Off track")
    ACHIEVED = "achieved", _("Achieved")


class Retirable(Versioned):
    """Plan items are retired, never deleted from the UI, so their history stays readable."""

    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        abstract = True

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None


# The framework library: the handbook's standard outputs, loaded from benchmarks/framework/handbook.json.


class LibraryOutput(models.Model):
    key = models.SlugField(_("key"), max_length=80, unique=True)
    framework_version = models.CharField(_("framework version"), max_length=20)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    lead_component_kind = models.CharField(_("lead component"), max_length=20, choices=Component.Kind.choices)
    activities = models.JSONField(_("activities"), default=list)
    challenges = models.JSONField(_("challenges"), default=list)
    risks = models.JSONField(_("risks"), default=list)
    considerations = models.JSONField(_("considerations"), default=list)
    # {"fr": {"title", "summary", "activities", "challenges", "risks", "considerations",
    #         "benchmarks": {term: [statements]}}}: the same texts in other languages, from the library file.
    translations = models.JSONField(_("translations"), default=dict, blank=True)
    source = models.CharField(_("source"), max_length=300)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order"]
        verbose_name = _("library output")
        verbose_name_plural = _("library outputs")

    def __str__(self):
        return self.in_language(get_language())["title"]

    def in_language(self, language: str | None) -> dict:
        """The output's texts in `language` where the library file has them, else in English.

        Keys: title, summary, activities, challenges, risks, considerations (lists), and benchmarks
        {(term, order): statement} for the library benchmarks given in `benchmarks` (prefetched or not).
        """
        code = (language or "en").split("-")[0]
        other = self.translations.get(code, {}) if code != "en" else {}
        texts = {
            name: other.get(name) or getattr(self, name)
            for name in ("title", "summary", "activities", "challenges", "risks", "considerations")
        }
        for name in ("activities", "challenges", "risks", "considerations"):
            if len(texts[name]) != len(getattr(self, name)):  # a translation out of step: keep the English
                texts[name] = getattr(self, name)
        statements = other.get("benchmarks", {})
        texts["benchmarks"] = {}
        for benchmark in self.benchmarks.all():
            translated = statements.get(benchmark.term, [])
            position = benchmark.order - 1
            texts["benchmarks"][(benchmark.term, benchmark.order)] = (
                translated[position] if 0 <= position < len(translated) else benchmark.statement
            )
        return texts


class LibraryBenchmark(models.Model):
    output = models.ForeignKey(
        LibraryOutput, on_delete=models.CASCADE, related_name="benchmarks", verbose_name=_("output")
    )
    term = models.CharField(_("term"), max_length=10, choices=Term.choices)
    statement = models.TextField(_("statement"))
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["output", "term", "order"]
        verbose_name = _("library benchmark")
        verbose_name_plural = _("library benchmarks")
        constraints = [
            models.UniqueConstraint(fields=["output", "term", "order"], name="librarybenchmark_unique_position"),
            models.CheckConstraint(condition=Q(term__in=Term.values), name="librarybenchmark_term_valid"),
        ]

    def __str__(self):
        return self.statement


# A mission's own plan, instantiated from the library and then edited by the mission.


class OperationalOutput(Retirable):
    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="outputs", verbose_name=_("mission"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    lead_component = models.ForeignKey(
        Component,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outputs",
        verbose_name=_("lead component"),
    )
    library_output = models.ForeignKey(
        LibraryOutput,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="instances",
        verbose_name=_("from library output"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["mission", "order", "id"]
        verbose_name = _("operational output")
        verbose_name_plural = _("operational outputs")
        constraints = [
            models.UniqueConstraint(
                fields=["mission", "library_output"],
                condition=Q(library_output__isnull=False),
                name="output_library_once_per_mission",
            )
        ]

    def __str__(self):
        return self.title


class Activity(Retirable):
    output = models.ForeignKey(
        OperationalOutput, on_delete=models.CASCADE, related_name="activities", verbose_name=_("output")
    )
    title = models.TextField(_("title"))
    lead_component = models.ForeignKey(
        Component,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("lead component"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["output", "order", "id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")

    def __str__(self):
        return self.title


class Benchmark(Retirable):
    output = models.ForeignKey(
        OperationalOutput, on_delete=models.CASCADE, related_name="benchmarks", verbose_name=_("output")
    )
    term = models.CharField(_("term"), max_length=10, choices=Term.choices)
    statement = models.TextField(_("statement"))
    lead_component = models.ForeignKey(
        Component,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="benchmarks",
        verbose_name=_("lead component"),
    )
    target_date = models.DateField(_("target date"), null=True, blank=True)
    # Denormalised pointer to the newest assessment, kept by benchmarks.services.assessment_create,
    # so the dashboard reads current status without scanning the assessment log.
    latest_assessment = models.ForeignKey(
        "Assessment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    # Its status and date, copied with the pointer (benchmarks.summaries.latest_refresh keeps the three
    # together), so the dashboard counts, filters and flags overdue benchmarks without joining the log.
    current_status = models.CharField(
        _("current status"), max_length=12, choices=Status.choices, default=Status.NOT_STARTED, editable=False
    )
    last_assessed_on = models.DateField(_("last assessed on"), null=True, blank=True, editable=False)
    history = HistoricalRecords(excluded_fields=["latest_assessment", "current_status", "last_assessed_on"])

    class Meta:
        ordering = ["output", "term", "order", "id"]
        verbose_name = _("benchmark")
        verbose_name_plural = _("benchmarks")
        constraints = [models.CheckConstraint(condition=Q(term__in=Term.values), name="benchmark_term_valid")]
        indexes = [models.Index(fields=["output", "term"])]

    def __str__(self):
        return self.label_of(self.statement)

    @staticmethod
    def label_of(statement: str) -> str:
        """How a benchmark is named in lists and selects: its statement's first 80 characters."""
        return statement[:80]


class Assessment(models.Model):
    """Append-only: a correction is a new assessment that points to the one it corrects."""

    benchmark = models.ForeignKey(
        Benchmark, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("benchmark")
    )
    assessed_on = models.DateField(_("date"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    evidence = models.TextField(_("evidence"), blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("assessed by"),
    )
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("corrects"),
    )
    location = area_field()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-assessed_on", "-created_at", "-id"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.CheckConstraint(condition=Q(progress__gte=0, progress__lte=100), name="assessment_progress_0_100"),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="assessment_status_valid"),
        ]
        indexes = [models.Index(fields=["benchmark", "-assessed_on", "-created_at"])]

    def __str__(self):
        return f"{self.benchmark_id} · {self.assessed_on} · {self.status}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(_("Assessments are append-only; record a correction instead."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Assessments are append-only and cannot be deleted."))

    # Statuses that change what the leadership reports to UNHQ, so they must be substantiated.
    EVIDENCE_REQUIRED = frozenset({Status.OFF_TRACK, Status.ACHIEVED})

    def previous_status(self) -> str:
        """The status this assessment changes from: the corrected assessment's, else the benchmark's current one."""
        if self.corrects_id:
            return self.corrects.status
        latest = self.benchmark.latest_assessment if self.benchmark_id else None
        return latest.status if latest else Status.NOT_STARTED

    def clean(self):
        """Rules every entry path shares (form, API, commands through `assessment_create`)."""
        errors = {}
        if self.assessed_on and self.assessed_on > timezone.localdate():
            errors["assessed_on"] = _("An assessment cannot be dated in the future.")
        if self.progress is not None and not 0 <= self.progress <= 100:
            errors["progress"] = _("Progress is a percentage from 0 to 100.")
        if self.corrects_id and self.benchmark_id and self.corrects.benchmark_id != self.benchmark_id:
            errors["corrects"] = _("A correction must correct an assessment of the same benchmark.")
        if (
            self.benchmark_id
            and self.status in self.EVIDENCE_REQUIRED
            and self.status != self.previous_status()
            and not (self.evidence or "").strip()
        ):
            errors["evidence"] = _("Give the evidence when the status changes to %(status)s.") % {
                "status": Status(self.status).label
            }
        if errors:
            raise ValidationError(errors)


class Indicator(Retirable):
    output = models.ForeignKey(
        OperationalOutput, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("output")
    )
    benchmark = models.ForeignKey(
        Benchmark,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="indicators",
        verbose_name=_("benchmark"),
    )
    name = models.CharField(_("name"), max_length=250)
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    baseline = models.DecimalField(_("baseline"), max_digits=14, decimal_places=2, null=True, blank=True)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=2, null=True, blank=True)
    disaggregated = models.BooleanField(_("disaggregated by women / men / youth"), default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["output", "order", "id"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self):
        return self.name


class IndicatorValue(Versioned):
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="values", verbose_name=_("indicator")
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    actual = models.DecimalField(_("actual"), max_digits=14, decimal_places=2)
    actual_women = models.DecimalField(_("of which women"), max_digits=14, decimal_places=2, null=True, blank=True)
    actual_men = models.DecimalField(_("of which men"), max_digits=14, decimal_places=2, null=True, blank=True)
    actual_youth = models.DecimalField(_("of which youth"), max_digits=14, decimal_places=2, null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    location = area_field()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,  # values imported or seeded in bulk have no recorder
        related_name="+",
        verbose_name=_("recorded by"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator", "period_start"]
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "period_start"], name="indicatorvalue_one_per_period"),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="indicatorvalue_period_order"
            ),
        ]

    def __str__(self):
        return f"{self.indicator} {self.period_start}: {self.actual}"

    def clean(self):
        errors = {}
        if self.period_start and self.period_end and self.period_end < self.period_start:
            errors["period_end"] = _("The period cannot end before it starts.")
        parts = {"actual_women": self.actual_women, "actual_men": self.actual_men, "actual_youth": self.actual_youth}
        if self.indicator_id and self.indicator.disaggregated:
            for name, value in parts.items():
                if value is None:
                    errors[name] = _("This indicator is disaggregated: give the figure.")
        elif any(v is not None for v in parts.values()):
            errors["indicator"] = _("This indicator is not disaggregated by women / men / youth.")
        for name, value in parts.items():
            if value is not None and value < 0:
                errors[name] = _("A figure cannot be negative.")
        if self.actual is not None:
            both = self.actual_women is not None and self.actual_men is not None
            if both and self.actual_women + self.actual_men > self.actual:
                errors["actual_men"] = _("Women and men together cannot exceed the actual value.")
            if self.actual_youth is not None and self.actual_youth > self.actual:
                errors["actual_youth"] = _("Youth cannot exceed the actual value.")
        if errors:
            raise ValidationError(errors)


class Risk(Retirable):
    class Kind(models.TextChoices):
        RISK = "risk", _("Risk")
        CHALLENGE = "challenge", _("Challenge")

    output = models.ForeignKey(
        OperationalOutput, on_delete=models.CASCADE, related_name="risks", verbose_name=_("output")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.RISK)
    title = models.TextField(_("title"))
    likelihood = models.PositiveSmallIntegerField(
        _("likelihood (1-5)"), default=3, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    impact = models.PositiveSmallIntegerField(
        _("impact (1-5)"), default=3, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    owner = models.ForeignKey(
        Component, on_delete=models.PROTECT, null=True, blank=True, related_name="risks", verbose_name=_("owner")
    )
    mitigation = models.TextField(_("mitigation"), blank=True)
    review_date = models.DateField(_("review date"), null=True, blank=True)
    location = area_field()
    history = HistoricalRecords()

    class Meta:
        ordering = ["output", "order", "id"]
        verbose_name = _("risk")
        verbose_name_plural = _("risks")
        constraints = [
            models.CheckConstraint(condition=Q(likelihood__gte=1, likelihood__lte=5), name="risk_likelihood_1_5"),
            models.CheckConstraint(condition=Q(impact__gte=1, impact__lte=5), name="risk_impact_1_5"),
        ]

    def __str__(self):
        return self.title[:80]

    @property
    def score(self) -> int:
        return self.likelihood * self.impact

    @staticmethod
    def level_for(score: int) -> str:
        """The band of a likelihood x impact score, as the CSS classes risk-<level> and the heat map use it."""
        if score >= 15:
            return "critical"
        if score >= 10:
            return "high"
        if score >= 5:
            return "medium"
        return "low"

    @property
    def level(self) -> str:
        return self.level_for(self.score)


# --- summaries (derived data, kept by benchmarks.summaries; never edited by hand) --------------------


class StatusChange(models.Model):
    """A month in which a benchmark's month-end status changed, and the status it replaced.

    Derived from the assessment log by `benchmarks.summaries.trend_refresh`, which the services that
    write assessments and plan items call in the same transaction.
    """

    benchmark = models.ForeignKey(
        Benchmark, on_delete=models.CASCADE, related_name="status_changes", verbose_name=_("benchmark")
    )
    month = models.DateField()  # first day of the month
    status = models.CharField(max_length=12, choices=Status.choices)
    replaced = models.CharField(max_length=12, choices=Status.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["benchmark", "month"], name="statuschange_once_a_month")]

    def __str__(self):
        return f"{self.benchmark_id} {self.month:%Y-%m}: {self.replaced} -> {self.status}"


class StatusTrendCount(models.Model):
    """How many of an output's active benchmarks moved into (n > 0) or out of (n < 0) a status in a month.

    Grouped by what the dashboard filters on: term, lead component (the benchmark's own, else its
    output's) and current status. Rows dated `summaries.BASE_MONTH` count the benchmarks themselves as
    not started, so summing a group's rows up to a month end gives its benchmarks by status then.
    """

    output = models.ForeignKey(OperationalOutput, on_delete=models.CASCADE, related_name="+", verbose_name=_("output"))
    term = models.CharField(max_length=10, choices=Term.choices)
    component = models.ForeignKey(
        Component, on_delete=models.CASCADE, null=True, related_name="+", verbose_name=_("component")
    )
    current = models.CharField(max_length=12, choices=Status.choices)
    month = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices)
    n = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["output", "month"])]

    def __str__(self):
        return f"{self.output_id} {self.term} {self.month:%Y-%m} {self.status}: {self.n:+d}"


class AreaStatus(models.Model):
    """A benchmark's standing in a region or district: its newest assessment concerning the area (by date,
    then recording time, then id), for the dashboard narrowed to the area and for its district map.

    An assessment concerns its location and the location's parent and grandparent, those that are regions
    or districts: what `missions.area_filter.within_q` counts in an area (a region includes its districts
    and their sub-districts, a district its sub-districts). So one row per benchmark and area assessed,
    read by `benchmarks.selectors.Filters.apply` instead of the assessment log; the district map and its
    rollup `MissionDistrictCount` read the district rows (`area__level`).

    Derived from the assessment log by `benchmarks.summaries.area_status_refresh`, which
    `services.assessment_create` calls in its transaction; rebuilt for a mission when areas move under
    another parent (`missions.events.areas_moved`) or after a bulk load (`summaries.summaries_rebuild`).
    """

    benchmark = models.ForeignKey(
        Benchmark, on_delete=models.CASCADE, related_name="area_statuses", verbose_name=_("benchmark")
    )
    area = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+", verbose_name=_("area"))
    status = models.CharField(max_length=12, choices=Status.choices)
    progress = models.PositiveSmallIntegerField()
    assessed_on = models.DateField()

    class Meta:
        # Also the index of the area filter: the benchmarks assessed for one area.
        constraints = [models.UniqueConstraint(fields=["area", "benchmark"], name="areastatus_once")]

    def __str__(self):
        return f"{self.benchmark_id} in {self.area_id}: {self.status}"


class AreaStatusChange(models.Model):
    """A month in which a benchmark's month-end status in a region or district changed, and the status it
    replaced; `replaced` is empty on the month of its first assessment there (before it, the benchmark
    counts as not started there, as the dashboard narrowed to the area counts every benchmark assessed
    for it). The trend of that view sums them (`benchmarks.summaries.trend_moves`).

    `StatusChange` for an area: derived with `AreaStatus`, from the same read of the assessment log, by
    `benchmarks.summaries.area_status_refresh` and `area_status_rebuild`.
    """

    benchmark = models.ForeignKey(Benchmark, on_delete=models.CASCADE, related_name="+", verbose_name=_("benchmark"))
    area = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+", verbose_name=_("area"))
    month = models.DateField()  # first day of the month
    status = models.CharField(max_length=12, choices=Status.choices)
    replaced = models.CharField(max_length=12, choices=Status.choices, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["area", "benchmark", "month"], name="areastatuschange_once_a_month")
        ]

    def __str__(self):
        return f"{self.benchmark_id} in {self.area_id} {self.month:%Y-%m}: {self.replaced} -> {self.status}"


class MissionTrendCount(models.Model):
    """`StatusTrendCount` summed over a mission's active outputs, per month and status: the unfiltered
    dashboard's trend read from a few hundred rows instead of tens of thousands. Kept by
    `benchmarks.summaries.rollup_refresh`, which `trend_refresh` calls."""

    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="+", verbose_name=_("mission"))
    month = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices)
    n = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["mission", "month"])]

    def __str__(self):
        return f"{self.mission_id} {self.month:%Y-%m} {self.status}: {self.n:+d}"


class MissionDistrictCount(models.Model):
    """`AreaStatus`'s district rows counted per district and status over a mission's active benchmarks: the
    unfiltered dashboard's district map. Kept by `benchmarks.summaries.rollup_refresh`."""

    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="+", verbose_name=_("mission"))
    district = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+", verbose_name=_("district"))
    status = models.CharField(max_length=12, choices=Status.choices)
    n = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["mission", "district"])]

    def __str__(self):
        return f"{self.mission_id} in {self.district_id}: {self.n} {self.status}"
