import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from benchmarks.models import Benchmark
from missions.models import Component, Location, Mission, Versioned

score_validators = [MinValueValidator(1), MaxValueValidator(5)]


class Phase(models.TextChoices):
    """The electoral cycle, in its order."""

    LEGAL_FRAMEWORK = "legal_framework", _("Legal framework")
    VOTER_REGISTRATION = "voter_registration", _("Voter registration")
    CANDIDATE_NOMINATION = "candidate_nomination", _("Candidate nomination")
    CAMPAIGN = "campaign", _("Campaign")
    POLLING = "polling", _("Polling")
    COUNTING = "counting", _("Counting and results")
    DISPUTES = "disputes", _("Disputes")
    TRANSITION = "transition", _("Post-election transition")


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class ElectionPlan(Versioned):
    class ElectionType(models.TextChoices):
        PRESIDENTIAL = "presidential", _("Presidential")
        LEGISLATIVE = "legislative", _("Legislative")
        GENERAL = "general", _("General (presidential and legislative)")
        LOCAL = "local", _("Local")
        REFERENDUM = "referendum", _("Referendum")

    class Scope(models.TextChoices):
        NATIONAL = "national", _("National")
        REGIONAL = "regional", _("Regional")
        LOCAL = "local", _("Local")

    mission = models.ForeignKey(
        Mission, on_delete=models.CASCADE, related_name="election_plans", verbose_name=_("mission")
    )
    name = models.CharField(_("election"), max_length=200)
    election_type = models.CharField(_("type"), max_length=20, choices=ElectionType.choices)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.NATIONAL)
    polling_start = models.DateField(_("first polling day"))
    polling_end = models.DateField(_("last polling day"))
    benchmarks = models.ManyToManyField(
        Benchmark, blank=True, related_name="election_plans", verbose_name=_("linked benchmarks")
    )
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords(m2m_fields=[benchmarks])

    class Meta:
        ordering = ["mission", "-polling_start"]
        verbose_name = _("election plan")
        verbose_name_plural = _("election plans")
        constraints = [
            models.CheckConstraint(
                condition=Q(polling_end__gte=models.F("polling_start")), name="electionplan_polling_days_order"
            )
        ]

    def __str__(self):
        return self.name


class ElectoralPhase(models.Model):
    plan = models.ForeignKey(
        ElectionPlan, on_delete=models.CASCADE, related_name="phases", verbose_name=_("election plan")
    )
    kind = models.CharField(_("phase"), max_length=24, choices=Phase.choices)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "start"]
        verbose_name = _("electoral phase")
        verbose_name_plural = _("electoral phases")
        constraints = [
            models.UniqueConstraint(fields=["plan", "kind"], name="phase_once_per_plan"),
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="phase_end_after_start"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.start} – {self.end})"


class Milestone(Versioned):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DELAYED = "delayed", _("Delayed")

    plan = models.ForeignKey(
        ElectionPlan, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("election plan")
    )
    phase = models.CharField(_("phase"), max_length=24, choices=Phase.choices)
    title = models.CharField(_("title"), max_length=250)
    due_date = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PLANNED)
    benchmark = models.ForeignKey(
        Benchmark,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="milestones",
        verbose_name=_("benchmark"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "due_date"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self):
        return self.title


class SecurityPlan(Versioned):
    """One revision of an election's security plan. Approved revisions are frozen."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")

    election_plan = models.ForeignKey(
        ElectionPlan, on_delete=models.CASCADE, related_name="security_plans", verbose_name=_("election plan")
    )
    revision = models.PositiveIntegerField(_("revision"), default=1)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    previous = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_revision",
        verbose_name=_("previous revision"),
    )
    summary = models.TextField(_("concept of security operations"), blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_comment = models.TextField(_("decision comment"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["election_plan", "-revision"]
        verbose_name = _("security plan")
        verbose_name_plural = _("security plans")
        constraints = [
            models.UniqueConstraint(fields=["election_plan", "revision"], name="securityplan_unique_revision"),
            models.UniqueConstraint(
                fields=["election_plan"],
                condition=Q(status__in=["draft", "submitted", "returned"]),
                name="securityplan_one_open_revision",
            ),
        ]

    def __str__(self):
        return f"{self.election_plan} · rev. {self.revision} ({self.get_status_display()})"

    @property
    def is_frozen(self) -> bool:
        return self.status in {self.Status.APPROVED, self.Status.SUBMITTED}


class PlanItem(Versioned):
    """A row of a security plan revision; `uid` follows the same item from one revision to the next."""

    uid = models.UUIDField(default=uuid.uuid4, editable=False)

    class Meta:
        abstract = True


class CoordinatesIssue(models.TextChoices):
    """Why a site's coordinates look wrong (blank: they look plausible, or there are none)."""

    OUTSIDE_COUNTRY = "outside_country", _("Outside the country")
    OUTSIDE_DISTRICT = "outside_district", _("Outside its district")
    FAR_FROM_DISTRICT = "far_from_district", _("Far from the other sites of its district")


class PollingSite(PlanItem):
    security_plan = models.ForeignKey(
        SecurityPlan, on_delete=models.CASCADE, related_name="sites", verbose_name=_("security plan")
    )
    code = models.CharField(_("site code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    district = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="polling_sites", verbose_name=_("district")
    )
    locality = models.CharField(_("locality"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    registered_voters = models.PositiveIntegerField(_("registered voters"), default=0)
    coordinates_issue = models.CharField(
        _("coordinates check"), max_length=20, choices=CoordinatesIssue.choices, blank=True, editable=False
    )
    coordinates_note = models.CharField(_("why the coordinates look wrong"), max_length=250, blank=True, editable=False)
    suggested_risk = models.CharField(
        _("suggested risk"), max_length=10, choices=RiskLevel.choices, default=RiskLevel.LOW, editable=False
    )
    risk_override = models.CharField(_("risk level override"), max_length=10, choices=RiskLevel.choices, blank=True)
    risk_reason = models.TextField(_("reason for the risk level"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["security_plan", "district__name", "code"]
        verbose_name = _("polling site")
        verbose_name_plural = _("polling sites")
        constraints = [
            models.UniqueConstraint(fields=["security_plan", "code"], name="pollingsite_unique_code"),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="pollingsite_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="pollingsite_longitude_range",
            ),
            models.CheckConstraint(
                condition=Q(risk_override="") | ~Q(risk_reason=""), name="pollingsite_override_has_reason"
            ),
        ]
        indexes = [
            models.Index(
                fields=["security_plan", "coordinates_issue"],
                condition=~Q(coordinates_issue=""),
                name="pollingsite_suspect_coords",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def risk_level(self) -> str:
        return self.risk_override or self.suggested_risk

    @property
    def risk_label(self) -> str:
        return RiskLevel(self.risk_level).label


class Threat(PlanItem):
    class ThreatType(models.TextChoices):
        ARMED_GROUP = "armed_group", _("Armed group attack")
        POLITICAL_VIOLENCE = "political_violence", _("Political violence")
        INTIMIDATION = "intimidation", _("Voter intimidation")
        SPOILER = "spoiler", _("Spoiler action")
        CIVIL_UNREST = "civil_unrest", _("Civil unrest")
        CRIME = "crime", _("Crime and banditry")
        HATE_SPEECH = "hate_speech", _("Hate speech and disinformation")
        OTHER = "other", _("Other")

    security_plan = models.ForeignKey(
        SecurityPlan, on_delete=models.CASCADE, related_name="threats", verbose_name=_("security plan")
    )
    actor = models.CharField(_("actor"), max_length=200)
    threat_type = models.CharField(_("type"), max_length=20, choices=ThreatType.choices)
    district = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="threats", verbose_name=_("area")
    )
    sites = models.ManyToManyField(PollingSite, blank=True, related_name="threats", verbose_name=_("sites"))
    likelihood = models.PositiveSmallIntegerField(_("likelihood (1-5)"), validators=score_validators)
    impact = models.PositiveSmallIntegerField(_("impact (1-5)"), validators=score_validators)
    description = models.TextField(_("description"), blank=True)
    mitigation = models.TextField(_("mitigation"), blank=True)
    history = HistoricalRecords(m2m_fields=[sites])

    class Meta:
        ordering = ["security_plan", "-likelihood", "-impact"]
        verbose_name = _("threat")
        verbose_name_plural = _("threats")
        constraints = [
            models.CheckConstraint(condition=Q(likelihood__gte=1, likelihood__lte=5), name="threat_likelihood_1_5"),
            models.CheckConstraint(condition=Q(impact__gte=1, impact__lte=5), name="threat_impact_1_5"),
        ]

    def __str__(self):
        return f"{self.actor} ({self.get_threat_type_display()})"

    @property
    def reference(self) -> str:
        """How pages and history name the threat: "T-12"."""
        return f"T-{self.pk}"


class SecurityTask(PlanItem):
    class TaskType(models.TextChoices):
        STATIC_GUARD = "static_guard", _("Static guard")
        PATROL = "patrol", _("Patrol")
        ESCORT = "escort", _("Escort of election materials")
        QUICK_REACTION = "quick_reaction", _("Quick reaction")
        CROWD_CONTROL = "crowd_control", _("Crowd control")
        OTHER = "other", _("Other")

    class Provider(models.TextChoices):
        MISSION_MILITARY = "mission_military", _("Mission military")
        MISSION_POLICE = "mission_police", _("Mission police")
        NATIONAL_POLICE = "national_police", _("National police")
        NATIONAL_ARMY = "national_army", _("National armed forces")
        OTHER = "other", _("Other")

    security_plan = models.ForeignKey(
        SecurityPlan, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("security plan")
    )
    task_type = models.CharField(_("type"), max_length=20, choices=TaskType.choices)
    provider = models.CharField(_("provided by"), max_length=20, choices=Provider.choices)
    component = models.ForeignKey(
        Component,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="security_tasks",
        verbose_name=_("responsible component"),
    )
    site = models.ForeignKey(
        PollingSite, on_delete=models.CASCADE, null=True, blank=True, related_name="tasks", verbose_name=_("site")
    )
    district = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="security_tasks",
        verbose_name=_("district"),
    )
    phase = models.CharField(_("phase"), max_length=24, choices=Phase.choices)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    description = models.TextField(_("description"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["security_plan", "start"]
        verbose_name = _("security task")
        verbose_name_plural = _("security tasks")
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="securitytask_end_after_start"),
        ]

    def __str__(self):
        return f"{self.get_task_type_display()} · {self.get_provider_display()}"


class TransportLeg(PlanItem):
    security_plan = models.ForeignKey(
        SecurityPlan, on_delete=models.CASCADE, related_name="transport_legs", verbose_name=_("security plan")
    )
    materials = models.CharField(_("election materials"), max_length=200)
    origin = models.CharField(_("from"), max_length=200)
    destination = models.CharField(_("to"), max_length=200)
    departs_at = models.DateTimeField(_("departs"))
    arrives_at = models.DateTimeField(_("arrives"))
    escort = models.ForeignKey(
        SecurityTask,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="transport_legs",
        verbose_name=_("escort task"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["security_plan", "departs_at"]
        verbose_name = _("transport leg")
        verbose_name_plural = _("transport legs")
        constraints = [
            models.CheckConstraint(
                condition=Q(arrives_at__gte=models.F("departs_at")), name="transportleg_arrives_after_departs"
            ),
        ]

    def __str__(self):
        return f"{self.materials}: {self.origin} → {self.destination}"


class Incident(Versioned):
    """Incidents belong to the election, not to a plan revision: they happened, whatever the plan says."""

    class IncidentType(models.TextChoices):
        VIOLENCE = "violence", _("Violence")
        INTIMIDATION = "intimidation", _("Intimidation")
        DEMONSTRATION = "demonstration", _("Demonstration")
        ATTACK_ON_MATERIALS = "attack_on_materials", _("Attack on election materials")
        ARMED_ATTACK = "armed_attack", _("Armed attack")
        OTHER = "other", _("Other")

    class Severity(models.IntegerChoices):
        MINOR = 1, _("Minor")
        MODERATE = 2, _("Moderate")
        SERIOUS = 3, _("Serious")
        CRITICAL = 4, _("Critical")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    election_plan = models.ForeignKey(
        ElectionPlan, on_delete=models.CASCADE, related_name="incidents", verbose_name=_("election plan")
    )
    occurred_at = models.DateTimeField(_("time"))
    district = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="incidents", verbose_name=_("district")
    )
    site_code = models.CharField(_("polling site code"), max_length=40, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    incident_type = models.CharField(_("type"), max_length=24, choices=IncidentType.choices)
    severity = models.PositiveSmallIntegerField(_("severity"), choices=Severity.choices)
    casualties = models.PositiveIntegerField(_("casualties"), default=0)
    description = models.TextField(_("description"))
    follow_up = models.TextField(_("follow-up"), blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("reported by")
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["election_plan", "-occurred_at"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        indexes = [models.Index(fields=["election_plan", "site_code"])]

    def __str__(self):
        return f"{self.get_incident_type_display()} · {self.occurred_at:%Y-%m-%d}"
