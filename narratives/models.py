"""The mission's mandate and the leadership-validated narrative of its performance.

`MandateTask`: an operative paragraph of a Security Council resolution, linked to the outputs and benchmarks
that serve it. `Narrative`: the lead component's account of one output over one reporting period, validated
(or returned) by the output's leader. `Overview`: the Head of Mission's narrative for the period.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from benchmarks.models import Benchmark, OperationalOutput
from missions.models import Mission, Versioned


class MandateTask(Versioned):
    class Priority(models.TextChoices):
        HIGH = "high", _("High")
        MEDIUM = "medium", _("Medium")
        LOW = "low", _("Low")

    mission = models.ForeignKey(
        Mission, on_delete=models.CASCADE, related_name="mandate_tasks", verbose_name=_("mission")
    )
    resolution = models.CharField(_("resolution"), max_length=60, help_text=_("e.g. S/RES/2640 (2022)"))
    paragraph = models.CharField(_("operative paragraph"), max_length=20, help_text=_("e.g. 12 (a)"))
    short_title = models.CharField(_("short title"), max_length=200)
    text = models.TextField(_("text"), blank=True)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.MEDIUM)
    order = models.PositiveIntegerField(_("order"), default=0, help_text=_("Position in the resolution."))
    outputs = models.ManyToManyField(
        OperationalOutput, blank=True, related_name="mandate_tasks", verbose_name=_("outputs serving it")
    )
    benchmarks = models.ManyToManyField(
        Benchmark, blank=True, related_name="mandate_tasks", verbose_name=_("benchmarks serving it")
    )
    history = HistoricalRecords(m2m_fields=[outputs, benchmarks])

    class Meta:
        ordering = ["mission", "resolution", "order", "id"]
        verbose_name = _("mandate task")
        verbose_name_plural = _("mandate tasks")
        constraints = [
            models.UniqueConstraint(fields=["mission", "resolution", "paragraph"], name="mandatetask_unique_paragraph"),
            models.CheckConstraint(condition=Q(priority__in=["high", "medium", "low"]), name="mandatetask_priority"),
        ]

    def __str__(self):
        return f"{self.resolution} OP {self.paragraph}: {self.short_title}"


class Rating(models.TextChoices):
    """The output's overall rating for the period, as the leadership reports it to UNHQ."""

    ON_TRACK = "on_track", _("On track")
    SOME_PROGRESS = "some_progress", _("Some progress")
    LIMITED_PROGRESS = "limited", _("Limited progress")
    OFF_TRACK = "off_track", _("Off track")


class Narrative(Versioned):
    """One output's narrative for one reporting period: draft -> submitted -> validated, or returned.

    A validated narrative is frozen: `save` refuses any change to its text (the service records the
    validation itself in the same save that freezes it).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for validation")
        RETURNED = "returned", _("Returned with comments")
        VALIDATED = "validated", _("Validated")

    TEXT_FIELDS = ("progress", "challenges", "next_steps", "rating")

    output = models.ForeignKey(
        OperationalOutput, on_delete=models.CASCADE, related_name="narratives", verbose_name=_("output")
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    progress = models.TextField(_("progress"), blank=True, help_text=_("What changed in the period, and why."))
    challenges = models.TextField(_("challenges and risks"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True, help_text=_("What the mission will do next."))
    rating = models.CharField(_("overall rating"), max_length=16, choices=Rating.choices, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    review_comment = models.TextField(_("reviewer's comment"), blank=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("written by")
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-period_end", "output__order", "id"]
        verbose_name = _("narrative assessment")
        verbose_name_plural = _("narrative assessments")
        constraints = [
            models.UniqueConstraint(fields=["output", "period_start", "period_end"], name="narrative_one_per_period"),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="narrative_period_order"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted", "returned", "validated"]), name="narrative_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="validated") | ~Q(rating=""), name="narrative_validated_has_rating"
            ),
        ]
        indexes = [models.Index(fields=["period_start", "period_end"])]

    def __str__(self):
        return f"{self.output} · {self.period_start} – {self.period_end}"

    @property
    def is_frozen(self) -> bool:
        return self.status == self.Status.VALIDATED

    @property
    def is_editable(self) -> bool:
        return self.status in {self.Status.DRAFT, self.Status.RETURNED}

    def save(self, *args, **kwargs):
        if not self._state.adding:
            before = Narrative.objects.filter(pk=self.pk).values("status", *self.TEXT_FIELDS).first()
            if before and before["status"] == self.Status.VALIDATED:
                raise ValidationError(_("A validated narrative is frozen and cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_frozen:
            raise ValidationError(_("A validated narrative is frozen and cannot be deleted."))
        return super().delete(*args, **kwargs)


class Overview(Versioned):
    """The Head of Mission's overview of one reporting period: the opening of the progress report."""

    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="overviews", verbose_name=_("mission"))
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    text = models.TextField(_("overview"))
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("written by")
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-period_end"]
        verbose_name = _("Head of Mission's overview")
        verbose_name_plural = _("Head of Mission's overviews")
        constraints = [
            models.UniqueConstraint(fields=["mission", "period_start", "period_end"], name="overview_one_per_period"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="overview_period_order"),
        ]

    def __str__(self):
        return f"{self.mission.acronym} · {self.period_start} – {self.period_end}"


def attachment_upload_to(attachment: "Attachment", filename: str) -> str:
    # The stored name is ours, never the uploader's: the original name is kept in `name` for display only.
    return f"evidence/{attachment.mission_id}/{attachment.token}{attachment.extension}"


class Attachment(models.Model):
    """A document or photo given as evidence for an assessment, a narrative or an engagement.

    Stored under the media root with a random name, served only through `narratives.views.attachment_download`,
    which asks the access module about the object it is attached to. Its type is sniffed from the content.
    """

    class Kind(models.TextChoices):
        PDF = "pdf", _("PDF document")
        WORD = "docx", _("Word document")
        EXCEL = "xlsx", _("Excel workbook")
        POWERPOINT = "pptx", _("PowerPoint presentation")
        OPENDOCUMENT = "odf", _("OpenDocument file")
        LEGACY_OFFICE = "ole", _("Office document (97-2003)")
        JPEG = "jpeg", _("JPEG photo")
        PNG = "png", _("PNG image")

    mission = models.ForeignKey(
        Mission, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("mission")
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    token = models.CharField(max_length=32, unique=True, editable=False)
    extension = models.CharField(max_length=8, editable=False)
    name = models.CharField(_("file name"), max_length=200)
    kind = models.CharField(_("type"), max_length=8, choices=Kind.choices)
    size_bytes = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    file = models.FileField(_("file"), upload_to=attachment_upload_to)
    description = models.CharField(_("description"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("evidence attachment")
        verbose_name_plural = _("evidence attachments")
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return self.name
