import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from benchmarks.models import Benchmark, OperationalOutput
from missions.formats import format_day
from missions.models import Component, Location, Mission, Versioned

# Due diligence rules, in one place: the registry filter, the partner page, the screening badge, the
# support check, the inbox and the reminders all ask these.
SCREENING_WARNING_DAYS = 30  # a screening "expires soon" this many days before its review date


def screening_lapsed_q(on: datetime.date) -> Q:
    """Partners whose screening cleared them but whose review date has passed on `on` (support is refused)."""
    return Q(screening_status__in=Partner.CLEARED, screening_review_due__lt=on)


def screening_lapsing_q(on: datetime.date, within_days: int = SCREENING_WARNING_DAYS) -> Q:
    """Cleared partners whose review falls due from `on` to `within_days` days later (still cleared today)."""
    until = on + datetime.timedelta(days=within_days)
    return Q(screening_status__in=Partner.CLEARED, screening_review_due__gte=on, screening_review_due__lte=until)


def follow_up_overdue_q(today: datetime.date) -> Q:
    """Open follow-ups past their due date."""
    return Q(status=FollowUp.Status.OPEN, due_date__lt=today)


def follow_up_due_q(until: datetime.date) -> Q:
    """Open follow-ups due by `until`, overdue ones included."""
    return Q(status=FollowUp.Status.OPEN, due_date__lte=until)


class Partner(Versioned):
    class PartnerType(models.TextChoices):
        GOVERNMENT = "government", _("Ministry or government agency")
        LOCAL_AUTHORITY = "local_authority", _("Local authority")
        ELECTORAL_BODY = "electoral_body", _("Electoral management body")
        SECURITY_INSTITUTION = "security_institution", _("Security institution")
        POLITICAL_PARTY = "political_party", _("Political party")
        CIVIL_SOCIETY = "civil_society", _("Civil society organisation")
        WOMENS_GROUP = "womens_group", _("Women's group")
        YOUTH_GROUP = "youth_group", _("Youth group")
        TRADITIONAL_LEADER = "traditional_leader", _("Traditional or religious leader")
        MEDIA = "media", _("Media")
        ACADEMIA = "academia", _("Academia")
        PRIVATE_SECTOR = "private_sector", _("Private sector")
        INTERNATIONAL = "international", _("Regional or international organisation")
        UN_AGENCY = "un_agency", _("UN agency")

    class Relationship(models.TextChoices):
        PROSPECTIVE = "prospective", _("Prospective")
        ACTIVE = "active", _("Active")
        DORMANT = "dormant", _("Dormant")
        ENDED = "ended", _("Ended")

    class Screening(models.TextChoices):
        NOT_REQUIRED = "not_required", _("Not required")
        PENDING = "pending", _("Pending")
        CLEARED = "cleared", _("Cleared")
        CLEARED_WITH_MITIGATION = "cleared_mitigation", _("Cleared with mitigation measures")
        NOT_CLEARED = "not_cleared", _("Not cleared")

    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="partners", verbose_name=_("mission"))
    name = models.CharField(_("name"), max_length=200)
    acronym = models.CharField(_("acronym"), max_length=30, blank=True)
    partner_type = models.CharField(_("type"), max_length=24, choices=PartnerType.choices)
    district = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partners",
        verbose_name=_("district"),
    )
    relationship = models.CharField(
        _("relationship"), max_length=12, choices=Relationship.choices, default=Relationship.ACTIVE
    )
    description = models.TextField(_("description"), blank=True)
    CLEARED = frozenset({Screening.CLEARED, Screening.CLEARED_WITH_MITIGATION})

    screening_status = models.CharField(
        _("due diligence screening"), max_length=20, choices=Screening.choices, default=Screening.PENDING
    )
    screening_date = models.DateField(_("screened on"), null=True, blank=True)
    screening_review_due = models.DateField(_("screening review due"), null=True, blank=True)
    screening_notes = models.TextField(_("screening notes"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["mission", "name"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        constraints = [models.UniqueConstraint(fields=["mission", "name"], name="partner_unique_name")]
        indexes = [models.Index(fields=["mission", "partner_type"])]

    def __str__(self):
        return self.name

    def is_cleared_for_support(self, on: datetime.date) -> bool:
        """Human-rights due diligence: cleared (with or without mitigation) and not past its review date."""
        return self.screening_status in self.CLEARED and not self.screening_lapsed(on)

    def screening_lapsed(self, on: datetime.date) -> bool:
        """Python twin of `screening_lapsed_q`: cleared once, but the review date has passed."""
        return (
            self.screening_status in self.CLEARED
            and self.screening_review_due is not None
            and self.screening_review_due < on
        )

    @property
    def screening_lapsed_today(self) -> bool:
        return self.screening_lapsed(timezone.localdate())


class Contact(Versioned):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("partner"))
    name = models.CharField(_("name"), max_length=150)
    position = models.CharField(_("position"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    is_focal_point = models.BooleanField(_("focal point"), default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["partner", "-is_focal_point", "name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self):
        return self.name


# The engagement's fields its follow-ups keep a copy of.
FOLLOWED_FIELDS = frozenset({"mission", "mission_id", "district", "district_id"})


class Engagement(Versioned):
    class EngagementType(models.TextChoices):
        MEETING = "meeting", _("Meeting")
        CONSULTATION = "consultation", _("Consultation")
        TRAINING = "training", _("Training or workshop")
        JOINT_PROGRAMME = "joint_programme", _("Joint programme")
        QUICK_IMPACT_PROJECT = "qip", _("Quick-impact project")
        DIALOGUE = "dialogue", _("Dialogue or mediation")
        ADVOCACY = "advocacy", _("Advocacy")
        PUBLIC_INFORMATION = "public_information", _("Public information")
        LOGISTICS_SUPPORT = "logistics_support", _("Logistics support")

    # Engagements of these types give support, and so need a cleared partner when it is a security institution.
    SUPPORT_TYPES = frozenset(
        {
            EngagementType.TRAINING,
            EngagementType.JOINT_PROGRAMME,
            EngagementType.QUICK_IMPACT_PROJECT,
            EngagementType.LOGISTICS_SUPPORT,
        }
    )

    mission = models.ForeignKey(
        Mission, on_delete=models.CASCADE, related_name="engagements", verbose_name=_("mission")
    )
    date = models.DateField(_("date"))
    engagement_type = models.CharField(_("type"), max_length=20, choices=EngagementType.choices)
    partners = models.ManyToManyField(Partner, related_name="engagements", verbose_name=_("partners"))
    component = models.ForeignKey(
        Component, on_delete=models.PROTECT, related_name="engagements", verbose_name=_("component")
    )
    officers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="engagements", verbose_name=_("officers present")
    )
    district = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="engagements",
        verbose_name=_("district"),
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    participants_women = models.PositiveIntegerField(_("women"), default=0)
    participants_men = models.PositiveIntegerField(_("men"), default=0)
    participants_youth = models.PositiveIntegerField(_("of whom youth"), default=0)
    topics = models.CharField(_("topics"), max_length=300, blank=True)
    summary = models.TextField(_("summary"))
    outcomes = models.TextField(_("outcomes"), blank=True)
    outputs = models.ManyToManyField(
        OperationalOutput, blank=True, related_name="engagements", verbose_name=_("linked outputs")
    )
    benchmarks = models.ManyToManyField(
        Benchmark, blank=True, related_name="engagements", verbose_name=_("linked benchmarks")
    )
    shareable = models.BooleanField(
        _("shareable with the partner"),
        default=False,
        help_text=_("Internal engagements are never shown to partners."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    history = HistoricalRecords(m2m_fields=[partners, outputs, benchmarks])

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("engagement")
        verbose_name_plural = _("engagements")
        indexes = [
            models.Index(fields=["mission", "-date"]),
            models.Index(fields=["mission", "engagement_type", "-date"]),
            # The engagement log filters by component and by district, newest first.
            models.Index(fields=["mission", "component", "-date"], name="engagement_component_date"),
            models.Index(fields=["mission", "district", "-date"], name="engagement_district_date"),
            # The mission's engagement ids, read from the index alone: the overdue follow-ups join on them.
            models.Index(fields=["mission", "id"], name="engagement_mission_ids"),
        ]
        constraints = [
            # Youth are counted among the women and men present ("of whom youth"), never on top of them.
            models.CheckConstraint(
                condition=Q(participants_youth__lte=models.F("participants_women") + models.F("participants_men")),
                name="engagement_youth_within_participants",
            ),
        ]

    def __str__(self):
        # The page title, the admin and deletion notices: the date as every page writes it.
        return f"{format_day(self.date)} · {self.get_engagement_type_display()}"

    @property
    def gives_support(self) -> bool:
        return self.engagement_type in self.SUPPORT_TYPES

    def save(self, *args, **kwargs):
        written = kwargs.get("update_fields")
        if written is not None:
            written = kwargs["update_fields"] = set(written)  # any iterable Django takes, read twice here
        moved = not self._state.adding and (written is None or not written.isdisjoint(FOLLOWED_FIELDS))
        super().save(*args, **kwargs)
        if moved:
            # Its follow-ups keep the engagement's mission and area (FollowUp.mission, .district), whoever
            # moves it (the admin can change both).
            self.follow_ups.update(mission_id=self.mission_id, district_id=self.district_id)


class FollowUp(Versioned):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("engagement")
    )
    # The engagement's mission, kept on the follow-up (set by `save`; bulk loaders set it) so that a mission's
    # overdue follow-ups read from one index instead of a join over the whole engagement log.
    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="+", editable=False)
    # The engagement's area, kept on the follow-up as well (set by `save`, and by Engagement.save when the
    # engagement moves; bulk loaders set it): the overview's overdue follow-ups of a region or district
    # read from the mission's index alone, without joining the engagement log.
    district = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, related_name="+", editable=False, db_index=False
    )
    action = models.TextField(_("action"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("owner (mission)"),
    )
    partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("assigned to partner"),
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=6, choices=Status.choices, default=Status.OPEN)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completion_comment = models.TextField(_("comment"), blank=True)
    # The district is the engagement's (whose own history records it), copied by bulk updates.
    history = HistoricalRecords(excluded_fields=["district"])

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        constraints = [
            models.CheckConstraint(
                condition=Q(owner__isnull=False) | Q(partner__isnull=False), name="followup_has_owner"
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(completed_at__isnull=False), name="followup_done_has_time"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_date"]),
            # The portal and the partner page list a partner's open follow-ups.
            models.Index(fields=["partner", "status", "due_date"], name="followup_partner_open"),
            models.Index(fields=["owner", "status", "due_date"], name="followup_owner_open"),
            # The overview's overdue follow-ups and the officers' reminders, per mission; on PostgreSQL the
            # owner, partner and area are in the index too, so counting them per owner, in the whole mission
            # or in one area, reads no table row.
            models.Index(
                fields=["mission", "status", "due_date"],
                include=["owner", "partner", "district"],
                name="followup_mission_open_area",
            ),
        ]

    def __str__(self):
        return self.action[:80]

    def save(self, *args, **kwargs):
        # The engagement's mission and area, copied by every full save (the engagement is read when not
        # loaded: a follow-up loaded before its engagement moved must not write the old area back); a
        # partial save writes neither.
        if self.engagement_id is not None and kwargs.get("update_fields") is None:
            self.mission_id, self.district_id = self.engagement.mission_id, self.engagement.district_id
        super().save(*args, **kwargs)


class EngagementMonth(models.Model):
    """One month of the engagement log summed up, for the partner overview, its map and the reports'
    partnership indicators: derived rows, written only by `partners.summaries` (never edited).

    A row per (mission, month, district, output): `district` is the engagements' own area (a district, a
    region, or none); `output` None sums every engagement, otherwise those linked to that output. The
    `mission_wide` rows (district None) sum the month's rows over every area, so a whole-mission period reads
    a dozen rows. The counters add up across months; `partners` and `districts` count engagements per
    partner id and district id, so that distinct partners and districts over a period are the keys of their
    sum, and a month's summary less the part of it outside a period is exact; `areas` counts engagements per
    area and partner type, so that the mission-wide rows hold the coverage table. The three tallies are kept
    also packed (`partner_set`, `district_set`, `area_counts`), which read faster.
    """

    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="+", verbose_name=_("mission"))
    month = models.DateField(_("month"))
    mission_wide = models.BooleanField(default=False)
    district = models.ForeignKey(
        Location, on_delete=models.CASCADE, null=True, related_name="+", verbose_name=_("district")
    )
    output = models.ForeignKey(
        OperationalOutput, on_delete=models.CASCADE, null=True, related_name="+", verbose_name=_("operational output")
    )
    engagements = models.PositiveIntegerField(default=0)
    with_women = models.PositiveIntegerField(default=0)
    with_youth = models.PositiveIntegerField(default=0)
    follow_ups = models.PositiveIntegerField(default=0)
    follow_ups_done = models.PositiveIntegerField(default=0)
    partners = models.JSONField(default=dict)
    districts = models.JSONField(default=dict)
    areas = models.JSONField(default=dict)  # the coverage table's cells, on the rows of output None
    # The keys of `partners` and `districts` as bitmaps (`partners.summaries.pack`): a period's distinct
    # partners and districts are the OR of its whole months' sets, read without decoding JSON.
    partner_set = models.BinaryField(default=b"")
    district_set = models.BinaryField(default=b"")
    # The `areas` counts as fixed-width fields (`partners.summaries.pack_areas`): a period's coverage table is
    # the sum of its whole months' fields read as integers, one addition per month.
    area_counts = models.BinaryField(default=b"")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "mission",
                "month",
                "mission_wide",
                Coalesce("district", 0),
                Coalesce("output", 0),
                name="engagementmonth_once",
            )
        ]
        indexes = [models.Index(fields=["mission", "mission_wide", "month"], name="engagementmonth_period")]

    def __str__(self):
        return f"{self.mission_id} {self.month:%Y-%m} {self.district_id}/{self.output_id}: {self.engagements}"
