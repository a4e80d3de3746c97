"""Forms of the results framework: they validate and give field-level errors; services do the writes."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from benchmarks.models import (
    Activity,
    Assessment,
    Benchmark,
    Indicator,
    IndicatorValue,
    LibraryOutput,
    OperationalOutput,
    Risk,
)
from benchmarks.services import EDITABLE_FIELDS
from mandate import access
from missions.area_filter import area_label, selectable_areas
from missions.edit import EditForm
from missions.formats import format_day
from missions.models import Component

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def limit_location(form: forms.ModelForm, mission_id: int) -> None:
    """The `location` choice of a form: the mission's regions and districts ("Region › District"), optional."""
    field = form.fields.get("location")
    if field is None:
        return
    field.queryset = selectable_areas(mission_id)
    field.label_from_instance = area_label
    field.empty_label = _("The whole country")


class AssessmentForm(forms.ModelForm):
    """A new assessment of one benchmark; the model's `clean()` holds the rules (dates, progress, evidence)."""

    class Meta:
        model = Assessment
        fields = ["assessed_on", "status", "progress", "evidence", "location", "corrects"]
        widgets = {
            "assessed_on": DATE,
            "progress": forms.NumberInput(attrs={"min": 0, "max": 100, "step": 1}),
            "evidence": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "evidence": _("Required when the status changes to off track or achieved."),
            "corrects": _("Only to correct an earlier assessment: it stays in the history, marked as corrected."),
        }

    def __init__(self, *args, benchmark: Benchmark, user, history: list[Assessment] | None = None, **kwargs):
        kwargs.setdefault("instance", Assessment(benchmark=benchmark, assessed_by=user))
        super().__init__(*args, **kwargs)
        self.fields["corrects"].queryset = benchmark.assessments.order_by("-assessed_on", "-created_at", "-id")
        self.fields["corrects"].label_from_instance = lambda a: (
            f"{format_day(a.assessed_on)} · {a.get_status_display()} · {a.progress}%"
        )
        self.fields["corrects"].empty_label = _("(a new assessment, not a correction)")
        self.fields["assessed_on"].initial = timezone.localdate()
        limit_location(self, benchmark.output.mission_id)


class PlanItemForm(EditForm):
    """A plan item form (`missions.edit.EditForm`: the version it was loaded at, `service_fields()`), which
    refuses a change that would leave the editor unable to edit the item (e.g. handing its lead to another
    component)."""

    def __init__(self, *args, user, mission, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.mission = mission
        components = Component.objects.filter(mission=mission).order_by("name")
        for name in ("lead_component", "owner"):
            if name in self.fields:
                self.fields[name].queryset = components
        limit_location(self, getattr(mission, "pk", mission))
        for name, field in self.fields.items():
            if isinstance(field, forms.DateField):
                field.widget = DATE
            if name in {"title", "statement", "mitigation", "description"} and isinstance(field.widget, forms.Textarea):
                field.widget.attrs["rows"] = 3

    def _post_clean(self):
        super()._post_clean()
        if not self.errors and not access.can(self.user, access.Action.EDIT, self.instance):
            field = "owner" if "owner" in self.fields else "lead_component"
            self.add_error(
                field,
                _(
                    "You could no longer edit this item: keep your component as its lead, "
                    "or ask the mission leadership."
                ),
            )


class OutputForm(PlanItemForm):
    class Meta:
        model = OperationalOutput
        fields = EDITABLE_FIELDS[OperationalOutput]


class ActivityForm(PlanItemForm):
    class Meta:
        model = Activity
        fields = EDITABLE_FIELDS[Activity]


class BenchmarkForm(PlanItemForm):
    class Meta:
        model = Benchmark
        fields = EDITABLE_FIELDS[Benchmark]


class IndicatorForm(PlanItemForm):
    class Meta:
        model = Indicator
        fields = EDITABLE_FIELDS[Indicator]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["benchmark"].queryset = Benchmark.objects.filter(
            output_id=self.instance.output_id, retired_at__isnull=True
        ).order_by("term", "order")
        self.fields["benchmark"].label_from_instance = lambda b: f"{b.get_term_display()} · {b.statement[:90]}"


class RiskForm(PlanItemForm):
    class Meta:
        model = Risk
        fields = EDITABLE_FIELDS[Risk]
        widgets = {
            "likelihood": forms.NumberInput(attrs={"min": 1, "max": 5}),
            "impact": forms.NumberInput(attrs={"min": 1, "max": 5}),
        }


class IndicatorValueForm(PlanItemForm):
    """One reporting period's value; the women / men / youth fields appear only for disaggregated indicators."""

    class Meta:
        model = IndicatorValue
        fields = EDITABLE_FIELDS[IndicatorValue]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.indicator.disaggregated:
            for name in ("actual_women", "actual_men", "actual_youth"):
                del self.fields[name]
        else:
            for name in ("actual_women", "actual_men", "actual_youth"):
                self.fields[name].required = True


class LibraryForm(forms.Form):
    """Pick standard outputs of the framework library to add to the mission's plan."""

    outputs = forms.ModelMultipleChoiceField(
        queryset=LibraryOutput.objects.none(), widget=forms.CheckboxSelectMultiple, label=_("Standard outputs")
    )

    def __init__(self, *args, mission, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outputs"].queryset = LibraryOutput.objects.exclude(instances__mission=mission).order_by("order")


PLAN_FORMS: dict[type, type[PlanItemForm]] = {
    OperationalOutput: OutputForm,
    Activity: ActivityForm,
    Benchmark: BenchmarkForm,
    Indicator: IndicatorForm,
    Risk: RiskForm,
    IndicatorValue: IndicatorValueForm,
}
