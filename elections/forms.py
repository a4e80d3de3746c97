"""Forms of election support. They validate input and give field-level messages; services decide.

Edit forms are `missions.edit.EditForm`s: they carry the version the editor loaded (no lost edits). Cross-field
rules (phase order, task dates inside their phase, incidents not in the future, coordinates) come from
`elections.services.validate_*`, so forms and the API say the same thing.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from elections import services
from elections.models import (
    CoordinatesIssue,
    ElectionPlan,
    Incident,
    Milestone,
    Phase,
    PollingSite,
    RiskLevel,
    SecurityPlan,
    SecurityTask,
    Threat,
    TransportLeg,
)
from elections.selectors import HIGH_OR_CRITICAL, SUSPECT, districts_of, elections_benchmarks
from mandate import access
from missions.edit import EditForm, VersionField
from missions.models import Component

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ElectionPlanForm(EditForm):
    class Meta:
        model = ElectionPlan
        fields = ["name", "election_type", "scope", "polling_start", "polling_end", "benchmarks", "notes"]
        widgets = {"polling_start": DATE, "polling_end": DATE, "benchmarks": forms.CheckboxSelectMultiple}
        help_texts = {"polling_end": _("The same as the first polling day for a one-day election.")}

    def __init__(self, *args, mission_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["benchmarks"].queryset = elections_benchmarks(mission_id)
        self.fields["benchmarks"].label_from_instance = lambda b: f"{b.get_term_display()} · {b.statement}"

    def clean(self):
        data = super().clean()
        start, end = data.get("polling_start"), data.get("polling_end")
        if start and end:
            if end < start:
                self.add_error("polling_end", _("The last polling day cannot be before the first."))
            elif self.instance.pk:
                self.add_errors(
                    services.validate_polling_days(
                        services.phase_dates(self.instance), polling_start=start, polling_end=end
                    )
                )
        return data

    def service_fields(self) -> dict:
        data = super().service_fields()
        data.pop("benchmarks", None)  # the service takes them apart, as `benchmarks`
        return data


class PhasesForm(forms.Form):
    """The dates of the eight phases of the electoral cycle, edited together under the plan's version."""

    version = VersionField()

    def __init__(self, *args, plan: ElectionPlan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        current = services.phase_dates(plan)
        self.fields["version"].initial = plan.version
        for kind, label in Phase.choices:
            start, end = current.get(kind, (None, None))
            self.fields[f"{kind}_start"] = forms.DateField(
                label=_("%(phase)s: start") % {"phase": label}, required=False, widget=DATE, initial=start
            )
            self.fields[f"{kind}_end"] = forms.DateField(
                label=_("%(phase)s: end") % {"phase": label}, required=False, widget=DATE, initial=end
            )

    def rows(self):
        return [(label, self[f"{kind}_start"], self[f"{kind}_end"]) for kind, label in Phase.choices]

    def clean(self):
        data = super().clean()
        phases = {}
        for kind, _label in Phase.choices:
            start, end = data.get(f"{kind}_start"), data.get(f"{kind}_end")
            if (start is None) != (end is None):
                self.add_error(f"{kind}_start" if start is None else f"{kind}_end", _("Give both dates, or neither."))
            elif start and end:
                phases[kind] = (start, end)
        if not self.errors:
            errors = services.validate_phases(
                phases, polling_start=self.plan.polling_start, polling_end=self.plan.polling_end
            )
            for key, messages in errors.items():
                field = key if key in self.fields else f"{key}_start"
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
        data["phases"] = {kind: phases.get(kind) for kind in Phase.values}
        return data


class MilestoneForm(EditForm):
    class Meta:
        model = Milestone
        fields = ["title", "phase", "due_date", "status", "benchmark"]
        widgets = {"due_date": DATE}

    def __init__(self, *args, mission_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["benchmark"].queryset = elections_benchmarks(mission_id)


class SecurityPlanForm(EditForm):
    class Meta:
        model = SecurityPlan
        fields = ["summary"]


class DecisionForm(forms.Form):
    comment = forms.CharField(label=_("Comments"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class PollingSiteForm(EditForm):
    class Meta:
        model = PollingSite
        fields = list(services.SITE_FIELDS)
        widgets = {"risk_reason": forms.Textarea(attrs={"rows": 2})}
        help_texts = {
            "risk_override": _("Leave empty to use the suggested level, computed from threats and recent incidents."),
        }

    def __init__(self, *args, mission_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts_of(mission_id)

    def clean(self):
        data = super().clean()
        self.add_errors(services.validate_coordinates(data.get("latitude"), data.get("longitude")))
        if data.get("risk_override") and not (data.get("risk_reason") or "").strip():
            self.add_error("risk_reason", _("Say why you override the suggested risk level."))
        return data


def _codes(text: str) -> list[str]:
    return [c.strip() for c in text.replace(";", ",").replace("\n", ",").split(",") if c.strip()]


class ThreatForm(EditForm):
    # Thousands of sites make a multiple-choice list unusable; the codes are typed instead.
    site_codes = forms.CharField(
        label=_("Sites (codes)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Codes of the polling sites this threat concerns, separated by commas."),
    )

    class Meta:
        model = Threat
        fields = ["actor", "threat_type", "district", "likelihood", "impact", "description", "mitigation"]

    def __init__(self, *args, mission_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts_of(mission_id)
        if self.instance.pk and not self.is_bound:
            self.fields["site_codes"].initial = ", ".join(s.code for s in self.instance.sites.order_by("code"))

    def clean_site_codes(self):
        codes = _codes(self.cleaned_data["site_codes"])
        sites = list(PollingSite.objects.filter(security_plan_id=self.instance.security_plan_id, code__in=codes))
        unknown = sorted(set(codes) - {s.code for s in sites})
        if unknown:
            raise forms.ValidationError(
                _("No site of this plan has the code(s): %(codes)s.") % {"codes": ", ".join(unknown)}
            )
        self.sites = sites
        return codes


class SecurityTaskForm(EditForm):
    site_code = forms.CharField(label=_("Site (code)"), required=False, max_length=40)

    class Meta:
        model = SecurityTask
        fields = ["task_type", "provider", "component", "district", "phase", "start", "end", "description"]
        widgets = {"start": DATETIME, "end": DATETIME, "description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, mission_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts_of(mission_id)
        plan = self.instance.security_plan
        # Military and police staff may only assign tasks to their own component: offer what access allows.
        allowed = [
            c.pk
            for c in Component.objects.filter(mission_id=mission_id)
            if access.can_add(user, SecurityTask, plan, component=c)
        ]
        self.fields["component"].queryset = Component.objects.filter(pk__in=allowed)
        if len(allowed) == 1:
            self.fields["component"].required = True
        if self.instance.site_id and not self.is_bound:
            self.fields["site_code"].initial = self.instance.site.code

    def clean_site_code(self):
        code = self.cleaned_data["site_code"].strip()
        if not code:
            self.site = None
            return ""
        self.site = PollingSite.objects.filter(security_plan_id=self.instance.security_plan_id, code=code).first()
        if self.site is None:
            raise forms.ValidationError(_("No site of this plan has the code %(code)s.") % {"code": code})
        return code

    def clean(self):
        data = super().clean()
        if data.get("phase") and data.get("start") and data.get("end"):
            self.add_errors(
                services.validate_task_window(
                    plan=self.instance.security_plan.election_plan,
                    phase=data["phase"],
                    start=data["start"],
                    end=data["end"],
                )
            )
        return data

    def service_fields(self) -> dict:
        data = super().service_fields()
        data["site"] = getattr(self, "site", None)
        return data


class TransportLegForm(EditForm):
    class Meta:
        model = TransportLeg
        fields = ["materials", "origin", "destination", "departs_at", "arrives_at", "escort"]
        widgets = {"departs_at": DATETIME, "arrives_at": DATETIME}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["escort"].queryset = SecurityTask.objects.filter(
            security_plan_id=self.instance.security_plan_id, task_type=SecurityTask.TaskType.ESCORT
        ).select_related("component")

    def clean(self):
        data = super().clean()
        if data.get("departs_at") and data.get("arrives_at") and data["arrives_at"] < data["departs_at"]:
            self.add_error("arrives_at", _("The arrival must be after the departure."))
        return data


class IncidentForm(EditForm):
    class Meta:
        model = Incident
        fields = list(services.INCIDENT_FIELDS)
        widgets = {
            "occurred_at": DATETIME,
            "description": forms.Textarea(attrs={"rows": 3}),
            "follow_up": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, mission_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts_of(mission_id)

    def clean(self):
        data = super().clean()
        self.add_errors(services.validate_incident_time(data.get("occurred_at")))
        return data


# The coordinates filter's values: any issue ("suspect"), or one kind.
COORDINATES_CHOICES = [("", _("Any")), (SUSPECT, _("Look wrong (any reason)")), *CoordinatesIssue.choices]


class SiteFilterForm(forms.Form):
    q = forms.CharField(label=_("Code or name"), required=False, widget=forms.TextInput(attrs={"type": "search"}))
    district = forms.ModelChoiceField(label=_("District"), queryset=None, required=False)
    risk = forms.ChoiceField(
        label=_("Risk"),
        choices=[("", _("Any")), *RiskLevel.choices, (HIGH_OR_CRITICAL, _("High or critical"))],
        required=False,
    )
    has_tasks = forms.ChoiceField(
        label=_("Security tasks"),
        choices=[("", _("Any")), ("yes", _("With tasks")), ("no", _("Without tasks"))],
        required=False,
    )
    coordinates = forms.ChoiceField(label=_("Coordinates"), choices=COORDINATES_CHOICES, required=False)

    def __init__(self, *args, mission_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts_of(mission_id)
        self.fields["district"].empty_label = _("Any")


class TaskFilterForm(forms.Form):
    """The filters of the security tasks page: phase, provider, responsible component (all optional)."""

    phase = forms.ChoiceField(label=_("Phase"), choices=[("", _("All")), *Phase.choices], required=False)
    provider = forms.ChoiceField(
        label=_("Provided by"), choices=[("", _("All")), *SecurityTask.Provider.choices], required=False
    )
    component = forms.ModelChoiceField(label=_("Responsible component"), queryset=None, required=False)

    def __init__(self, *args, mission_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["component"].queryset = Component.objects.filter(mission_id=mission_id).order_by("name")
        self.fields["component"].empty_label = _("All")

    def selection(self) -> dict:
        """The valid filters as keyword arguments of `selectors.tasks_of` (an invalid value is ignored)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        component = data.get("component")
        return {
            "phase": data.get("phase", ""),
            "provider": data.get("provider", ""),
            "component": component.pk if component else None,
        }
