from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Versioned(models.Model):
    """A row that users edit: its version guards against silent overwrites (see missions.concurrency)."""

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Mission(Versioned):
    name = models.CharField(_("name"), max_length=200)
    acronym = models.CharField(_("acronym"), max_length=20, unique=True)
    host_country = models.CharField(_("host country"), max_length=100)
    mandate_references = models.TextField(_("mandate references"), blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    default_language = models.CharField(
        _("default language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="en",
        help_text=_(
            "For members who have not chosen a language, scheduled reports and plans taken from the framework library."
        ),
    )
    # Where the mission's sites may lie when no boundary is loaded (decimal degrees; all four or none).
    bbox_south = models.FloatField(_("southern limit (latitude)"), null=True, blank=True)
    bbox_west = models.FloatField(_("western limit (longitude)"), null=True, blank=True)
    bbox_north = models.FloatField(_("northern limit (latitude)"), null=True, blank=True)
    bbox_east = models.FloatField(_("eastern limit (longitude)"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["acronym"]
        verbose_name = _("mission")
        verbose_name_plural = _("missions")
        permissions = [("gazetteer", _("Can load and edit the mission's administrative areas"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="mission_end_after_start",
            )
        ]

    def __str__(self):
        return f"{self.acronym}: {self.name}"


class Component(models.Model):
    class Kind(models.TextChoices):
        POLITICAL = "political", _("Political Affairs")
        CIVIL_AFFAIRS = "civil_affairs", _("Civil Affairs")
        ELECTORAL = "electoral", _("Electoral")
        HUMAN_RIGHTS = "human_rights", _("Human Rights")
        MILITARY = "military", _("Military")
        POLICE = "police", _("Police")
        RULE_OF_LAW = "rule_of_law", _("Rule of Law")
        OTHER = "other", _("Other")

    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="components", verbose_name=_("mission"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    history = HistoricalRecords()

    class Meta:
        ordering = ["mission", "name"]
        verbose_name = _("component")
        verbose_name_plural = _("components")
        constraints = [
            models.UniqueConstraint(fields=["mission", "name"], name="component_unique_name"),
            models.UniqueConstraint(
                fields=["mission", "kind"], condition=~Q(kind="other"), name="component_unique_kind"
            ),
        ]

    def __str__(self):
        return self.name


class Location(models.Model):
    class Level(models.TextChoices):
        REGION = "region", _("Region")
        DISTRICT = "district", _("District")
        SUBDISTRICT = "subdistrict", _("Sub-district")
        SITE = "site", _("Site")

    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="locations", verbose_name=_("mission"))
    name = models.CharField(_("name"), max_length=150)
    name_fr = models.CharField(_("name in French"), max_length=150, blank=True, help_text=_("Empty: as in English."))
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    pcode = models.CharField(
        _("P-code"), max_length=30, blank=True, help_text=_("The area's code in the common operational datasets.")
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
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
    # The area's outline as a GeoJSON geometry (simplified for drawing), and its bounding box for queries.
    boundary = models.TextField(_("boundary"), blank=True, editable=False)
    min_lat = models.FloatField(null=True, blank=True, editable=False)
    min_lon = models.FloatField(null=True, blank=True, editable=False)
    max_lat = models.FloatField(null=True, blank=True, editable=False)
    max_lon = models.FloatField(null=True, blank=True, editable=False)
    history = HistoricalRecords(excluded_fields=["boundary"])

    class Meta:
        ordering = ["mission", "level", "name"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        constraints = [
            # Names repeat in real countries, under different parents; P-codes do not.
            models.UniqueConstraint(fields=["mission", "pcode"], condition=~Q(pcode=""), name="location_unique_pcode"),
            models.UniqueConstraint(fields=["mission", "parent", "level", "name"], name="location_unique_name"),
            models.UniqueConstraint(
                fields=["mission", "level", "name"],
                condition=Q(parent__isnull=True),
                name="location_unique_top_level_name",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="location_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="location_longitude_range",
            ),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the active language: the French one where the gazetteer has it."""
        if self.name_fr and get_language() and get_language().startswith("fr"):
            return self.name_fr
        return self.name


class Membership(models.Model):
    """A user's role in one mission. Staff belong to a component; partner focal points to a partner."""

    class Role(models.TextChoices):
        HOM = "hom", _("Head of Mission")
        MLT = "mlt", _("Mission leadership team")
        STAFF = "staff", _("Component staff")
        PARTNER = "partner", _("Partner focal point")
        HQ = "hq", _("UNHQ desk officer")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    mission = models.ForeignKey(
        Mission, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("mission")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    component = models.ForeignKey(
        Component,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("component"),
    )
    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("partner"),
    )
    district = models.ForeignKey(
        Location,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("home district"),
        help_text=_("Used as the default district in forms."),
    )
    title = models.CharField(_("title"), max_length=120, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["mission", "role", "user__username"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "mission"], name="membership_one_per_user_and_mission"),
            models.CheckConstraint(
                condition=Q(role="staff", component__isnull=False) | ~Q(role="staff"),
                name="membership_staff_has_component",
            ),
            models.CheckConstraint(
                condition=Q(role="partner", partner__isnull=False, component__isnull=True)
                | (~Q(role="partner") & Q(partner__isnull=True)),
                name="membership_partner_only_for_partner_role",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.mission.acronym}"


class ApiToken(models.Model):
    """A key a user creates for scripts calling the REST API, and revokes when done.

    Only the SHA-256 of the key is stored, so a database leak does not leak working keys; the key
    itself is shown once, when the token is created. `key_prefix` lets the owner tell tokens apart.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("What the token is for, e.g. 'HQ sync script'."))
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(_("key starts with"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self):
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Profile(models.Model):
    """A person's settings that do not depend on a mission: the language they chose in the header."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile", verbose_name=_("user")
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Empty: the default language of the mission."),
    )

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self):
        return str(self.user)


class AuditEventQuerySet(models.QuerySet):
    """The audit trail is append-only: bulk updates and deletes are refused (a database trigger on
    PostgreSQL refuses them too, see migration 0005)."""

    def update(self, **kwargs):
        raise AuditEvent.AppendOnly(_("Audit events cannot be changed."))

    def delete(self):
        raise AuditEvent.AppendOnly(_("Audit events cannot be deleted."))


class AuditEvent(models.Model):
    """One sensitive action: who, when, from where, what. Recorded by `missions.services.audit_event_record`.

    `user` keeps no database constraint and `username` is a copy: an event outlives its user's account.
    Login events carry no mission; the Head of Mission sees those of the mission's members.
    """

    class Action(models.TextChoices):
        LOGIN = "login", _("Signed in")
        LOGIN_FAILED = "login_failed", _("Sign-in failed")
        LOCKED_OUT = "locked_out", _("Locked out after failed sign-ins")
        TWO_FACTOR_VERIFIED = "2fa_verified", _("Two-factor check passed")
        TWO_FACTOR_FAILED = "2fa_failed", _("Two-factor check failed")
        TWO_FACTOR_ENROLLED = "2fa_enrolled", _("Two-factor authentication set up")
        SIGNED_OUT_EVERYWHERE = "signed_out_everywhere", _("Signed out everywhere")
        TOKEN_CREATED = "token_created", _("API token created")
        TOKEN_REVOKED = "token_revoked", _("API token revoked")
        REPORT_DOWNLOADED = "report_downloaded", _("Report downloaded")
        EXPORTED = "exported", _("Data exported")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned for revision")
        RELEASED = "released", _("Released")
        ADMIN_CHANGE = "admin_change", _("Changed in the admin")

    class AppendOnly(Exception):
        pass

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    action = models.CharField(_("action"), max_length=30, choices=Action.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    mission = models.ForeignKey(
        Mission, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_events", verbose_name=_("mission")
    )
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    summary = models.CharField(_("what"), max_length=500, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["mission", "-created_at"]),
            models.Index(fields=["user", "-created_at"]),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.username or '-'} {self.get_action_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise self.AppendOnly(_("Audit events cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise self.AppendOnly(_("Audit events cannot be deleted."))


class ImportJob(models.Model):
    """One upload going through the import pipeline (missions.pipeline): parsed once, mapped, checked, imported.

    The parsed rows live in a compact file under VAR_DIR/imports/ named by `token` (not in the database:
    200,000 rows would bloat every backup); this row keeps where the job is and what it found. `target_id`
    names what the rows go into when that is not the mission itself (a security plan for polling sites).
    """

    class Status(models.TextChoices):
        PARSING = "parsing", _("Reading the file")
        MAPPING = "mapping", _("Columns to match")
        CHECKING = "checking", _("Checking the rows")
        PREVIEWED = "previewed", _("Ready to confirm")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Not imported")

    class Mode(models.TextChoices):
        CREATE = "create", _("Create new rows only")
        UPDATE = "update", _("Create new rows and update existing ones")

    RUNNING = frozenset({Status.PARSING, Status.CHECKING, Status.IMPORTING})

    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="import_jobs")
    kind = models.CharField(_("kind"), max_length=30)
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    # Empty for an import run by a management command (import_sites), which acts for nobody in particular.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="import_jobs",
        verbose_name=_("user"),
    )
    token = models.CharField(max_length=40, unique=True, editable=False)
    file_name = models.CharField(_("file"), max_length=255)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PARSING)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.CREATE)
    # Started by the API: no one matches the columns nor confirms, so the guessed matching is checked and,
    # without errors, imported in one go (missions.pipeline.import_job_start(auto=True)).
    auto_confirm = models.BooleanField(default=False, editable=False)
    # The language the uploader worked in (the page's, which may be chosen for the session only): what the
    # background steps write for them to read is in it. Empty: their profile's, else the mission's.
    language = models.CharField(_("language"), max_length=8, blank=True, default="", editable=False)
    headers = models.JSONField(default=list, blank=True)  # the file's column headers, as written
    mapping = models.JSONField(default=dict, blank=True)  # field name -> header index
    total_rows = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)  # grouped errors, the preview sample (missions.pipeline)
    message = models.TextField(blank=True)  # why a step failed, for the user
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [models.Index(fields=["mission", "kind", "-created_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(done__lte=models.F("total")), name="importjob_done_within_total")
        ]

    def __str__(self):
        return f"{self.kind} {self.file_name} ({self.get_status_display()})"

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING


class ColumnMapping(models.Model):
    """The last column matching confirmed for a kind of import in a mission: header (normalised) -> field."""

    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="column_mappings")
    kind = models.CharField(_("kind"), max_length=30)
    columns = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("column mapping")
        verbose_name_plural = _("column mappings")
        constraints = [models.UniqueConstraint(fields=["mission", "kind"], name="columnmapping_one_per_kind")]

    def __str__(self):
        return f"{self.mission_id} {self.kind}"
