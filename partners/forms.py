"""Forms of the partners app. They validate and shape input; the services in partners.services decide."""

from __future__ import annotations

import datetime

from django import forms
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from benchmarks.models import Benchmark, OperationalOutput
from mandate import access
from missions.area_filter import area_label, selectable_areas
from missions.edit import EditForm
from missions.models import Component, Location, Mission
from partners.models import Contact, Engagement, FollowUp, Partner
from partners.selectors import mission_officers
from partners.services import ENGAGEMENT_FIELDS, PARTNER_FIELDS, FollowUpInput


class FastOptionsMixin:
    """Renders the options in Python instead of one template per option.

    Django renders each <option> through a template; for the 2,000 partners of a large mission, or a
    country's 800 districts (120 ms of the engagement log's page), that alone took most of the page's time.
    `rows` (an optional callable returning (value, label) pairs, e.g. a `values_list`) also spares building
    a model instance per option. Same HTML either way.
    """

    rows = None
    empty_label = "---------"

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        chosen = {str(v) for v in self.format_value(value)}
        pairs = self.rows() if self.rows is not None else self._flat_choices()
        if self.rows is not None and not self.allow_multiple_selected:
            pairs = [("", self.empty_label), *pairs]
        options = "".join(
            f'<option value="{escape(str(v))}"{" selected" if str(v) in chosen else ""}>{escape(str(label))}</option>'
            for v, label in pairs
        )
        multiple = " multiple" if self.allow_multiple_selected else ""
        return mark_safe(f'<select name="{escape(name)}"{flatatt(final_attrs)}{multiple}>{options}</select>')  # noqa: S308 - every value above is escaped

    def _flat_choices(self):
        for value, label in self.choices:
            if isinstance(label, list | tuple):  # an optgroup: flatten (none of this app's selects use them)
                yield from label
            else:
                yield ("" if value is None else value), label


class FastSelect(FastOptionsMixin, forms.Select):
    pass


class FastSelectMultiple(FastOptionsMixin, forms.SelectMultiple):
    pass


def _districts(mission: Mission):
    return Location.objects.filter(mission=mission, level=Location.Level.DISTRICT).order_by("name")


def _partner_rows(mission: Mission):
    """(id, "name (ACRONYM)") of the mission's partners for a FastSelect, without a model instance per
    partner. The acronym is in the label because the log shows partners by it, and the filter box above
    the select (static/js/partners.js) then finds "CEDEAO" as well as "Communauté économique..."."""

    def rows():
        partners = Partner.objects.filter(mission=mission).order_by("name").values_list("id", "name", "acronym")
        return [(pk, f"{name} ({acronym})" if acronym else name) for pk, name, acronym in partners]

    return rows


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# --- partners -----------------------------------------------------------------------------------


class PartnerForm(EditForm):
    class Meta:
        model = Partner
        fields = list(PARTNER_FIELDS)
        widgets = {
            "screening_date": _date_input(),
            "screening_review_due": _date_input(),
            "description": forms.Textarea(attrs={"rows": 3}),
            "screening_notes": forms.Textarea(attrs={"rows": 3}),
            "district": FastSelect(),  # a country's 800 districts
        }

    def __init__(self, *args, mission: Mission, **kwargs):
        super().__init__(*args, **kwargs)
        self.mission = mission
        self.instance.mission = mission
        self.fields["district"].queryset = _districts(mission)
        self.fields["name"].widget.attrs["autofocus"] = True

    def clean(self):
        data = super().clean()
        screened, review = data.get("screening_date"), data.get("screening_review_due")
        if screened and review and review < screened:
            self.add_error("screening_review_due", _("The review cannot be due before the screening date."))
        cleared = {Partner.Screening.CLEARED, Partner.Screening.CLEARED_WITH_MITIGATION, Partner.Screening.NOT_CLEARED}
        if data.get("screening_status") in cleared and not screened:
            self.add_error("screening_date", _("Give the date of the screening decision."))
        return data


class ContactForm(EditForm):
    class Meta:
        model = Contact
        fields = ["name", "position", "phone", "email", "is_focal_point"]


class PartnerFilterForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, widget=forms.TextInput(attrs={"type": "search"}))
    partner_type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *Partner.PartnerType.choices]
    )
    district = forms.ModelChoiceField(
        label=_("District"), required=False, queryset=Location.objects.none(), widget=FastSelect
    )
    relationship = forms.ChoiceField(
        label=_("Relationship"), required=False, choices=[("", _("All")), *Partner.Relationship.choices]
    )
    screening = forms.ChoiceField(
        label=_("Screening"),
        required=False,
        choices=[("", _("All")), *Partner.Screening.choices, ("expired", _("Review overdue"))],
    )

    def __init__(self, *args, mission: Mission, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = _districts(mission)
        self.fields["district"].empty_label = _("All districts")

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


# --- engagements --------------------------------------------------------------------------------


FILTER_ATTRS = {
    # Labels for the filter box static/js/partners.js adds above long selects (translated here, not in JS).
    "data-filter-placeholder": _("Type to filter, Enter picks the first match"),
    "data-filter-selected": _("selected"),
}


class PartnerSelect(FastSelectMultiple):
    """A plain multiple select; static/js/partners.js adds a filter box above it."""

    def __init__(self, attrs=None):
        super().__init__(attrs={"size": 8, "data-filter": "partners", **FILTER_ATTRS, **(attrs or {})})


class EngagementForm(EditForm):
    class Meta:
        model = Engagement
        fields = list(ENGAGEMENT_FIELDS)
        widgets = {
            "date": _date_input(),
            "district": FastSelect(),  # a country's regions and districts
            "partners": PartnerSelect(),
            "officers": FastSelectMultiple(attrs={"size": 4}),
            "outputs": FastSelectMultiple(attrs={"size": 5}),
            "benchmarks": FastSelectMultiple(attrs={"size": 5, "data-filter": "benchmarks", **FILTER_ATTRS}),
            "summary": forms.Textarea(attrs={"rows": 3}),
            "outcomes": forms.Textarea(attrs={"rows": 2}),
            "participants_women": forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
            "participants_men": forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
            "participants_youth": forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
        }
        help_texts = {"participants_youth": _("Counted among the women and men above.")}

    def __init__(self, *args, mission: Mission, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.mission = mission
        m = access.membership(user, mission.pk)
        f = self.fields
        f["partners"].queryset = Partner.objects.filter(mission=mission).only("id", "name", "acronym").order_by("name")
        f["partners"].widget.rows = _partner_rows(mission)
        f["partners"].help_text = _("Type to filter; Ctrl or Shift + click to choose several.")
        # Staff log for their own component only; leadership for any (mandate.access decides).
        f["component"].queryset = Component.objects.filter(
            pk__in=[
                c.pk
                for c in Component.objects.filter(mission=mission)
                if access.can_add(user, Engagement, mission, component=c) or c.pk == self.instance.component_id
            ]
        )
        # An engagement concerns a district, or a whole region (as assessments, indicator values and risks).
        f["district"].queryset = selectable_areas(mission.pk)
        f["district"].label_from_instance = area_label
        f["district"].label = _("Region or district")
        f["officers"].queryset = mission_officers(mission)
        f["officers"].label_from_instance = lambda u: u.get_full_name() or u.username
        f["outputs"].queryset = access.scope(
            user, OperationalOutput.objects.filter(mission=mission, retired_at__isnull=True)
        ).order_by("order", "id")
        benchmarks = access.scope(
            user, Benchmark.objects.filter(output__mission=mission, retired_at__isnull=True)
        ).order_by("output__order", "output_id", "term", "order", "id")
        f["benchmarks"].queryset = benchmarks
        # Labels as Benchmark.__str__ writes them, without a model instance for each of thousands.
        f["benchmarks"].widget.rows = lambda: [
            (pk, Benchmark.label_of(text)) for pk, text in benchmarks.values_list("id", "statement")
        ]
        f["engagement_type"].widget.attrs["autofocus"] = True
        if not self.instance.pk:
            self.initial.setdefault("date", timezone.localdate())
            if m is not None and m.component_id:
                self.initial.setdefault("component", m.component_id)
            if m is not None and m.district_id:
                self.initial.setdefault("district", m.district_id)
            self.initial.setdefault("officers", [user.pk])

    def clean(self):
        data = super().clean()
        women, men, youth = (data.get(f"participants_{k}") for k in ("women", "men", "youth"))
        if None not in (women, men, youth) and youth > women + men:
            self.add_error(
                "participants_youth",
                _("Youth are counted among the women and men: at most %(n)s.") % {"n": women + men},
            )
        return data

    def validate_constraints(self, exclude=None):
        # The youth constraint is reported above on its field, with a clearer message.
        pass


class FollowUpForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    action = forms.CharField(label=_("Action"), max_length=2000, required=False)
    owner = forms.ModelChoiceField(label=_("Owner (mission)"), queryset=None, required=False, widget=FastSelect)
    partner = forms.ModelChoiceField(label=_("or partner"), queryset=None, required=False, widget=FastSelect)
    due_date = forms.DateField(label=_("Due"), required=False, widget=_date_input())

    def __init__(self, *args, mission: Mission, partner_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = mission_officers(mission)
        self.fields["owner"].label_from_instance = lambda u: u.get_full_name() or u.username
        self.fields["partner"].queryset = Partner.objects.filter(mission=mission)
        # Only the engagement's partners are offered; partners.js keeps this list in step with the selection.
        self.fields["partner"].widget.choices = [("", "---------"), *((p.pk, p.name) for p in partner_choices)]
        self.fields["partner"].widget.attrs["data-follows"] = "partners"

    def clean(self):
        data = super().clean()
        if not data.get("action") and not self.has_changed():
            return data
        if data.get("DELETE"):
            return data
        if not data.get("action"):
            self.add_error("action", _("Describe the action."))
        if not data.get("due_date"):
            self.add_error("due_date", _("Give a due date."))
        if not data.get("owner") and not data.get("partner"):
            self.add_error("owner", _("Give an owner in the mission or a partner."))
        elif data.get("owner") and data.get("partner"):
            self.add_error("partner", _("Choose either a mission owner or a partner, not both."))
        return data

    def to_input(self) -> FollowUpInput | None:
        d = self.cleaned_data
        if not d or (not d.get("action") and not d.get("id")):
            return None
        return FollowUpInput(
            id=d.get("id"),
            action=d.get("action", ""),
            due_date=d.get("due_date"),
            owner=d.get("owner"),
            partner=d.get("partner"),
            delete=bool(d.get("DELETE")),
        )


class BaseFollowUpFormSet(forms.BaseFormSet):
    def inputs(self) -> list[FollowUpInput]:
        return [i for i in (form.to_input() for form in self.forms) if i is not None]


FollowUpFormSet = forms.formset_factory(FollowUpForm, formset=BaseFollowUpFormSet, extra=2, can_delete=True)


def follow_up_formset(*, mission: Mission, data=None, engagement: Engagement | None = None, partner_choices=()):
    initial = None
    if engagement is not None and data is None:
        initial = [
            {
                "id": f.pk,
                "action": f.action,
                "owner": f.owner_id,
                "partner": f.partner_id,
                "due_date": f.due_date,
            }
            for f in engagement.follow_ups.all()
            if f.status == FollowUp.Status.OPEN
        ]
    return FollowUpFormSet(
        data=data,
        initial=initial,
        prefix="fu",
        form_kwargs={"mission": mission, "partner_choices": partner_choices},
    )


class EngagementFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, widget=forms.TextInput(attrs={"type": "search"}))
    partner = forms.ModelChoiceField(
        label=_("Partner"), required=False, queryset=Partner.objects.none(), widget=FastSelect
    )
    engagement_type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *Engagement.EngagementType.choices]
    )
    component = forms.ModelChoiceField(label=_("Component"), required=False, queryset=Component.objects.none())
    district = forms.ModelChoiceField(
        label=_("Region or district"), required=False, queryset=Location.objects.none(), widget=FastSelect
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=_date_input())
    date_to = forms.DateField(label=_("To"), required=False, widget=_date_input())
    output = forms.ModelChoiceField(label=_("Linked output"), required=False, queryset=OperationalOutput.objects.none())

    def __init__(self, *args, mission: Mission, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = Partner.objects.filter(mission=mission).only("id", "name").order_by("name")
        self.fields["partner"].widget.rows = _partner_rows(mission)
        self.fields["partner"].widget.attrs.update({"data-filter": "partners", **FILTER_ATTRS})
        self.fields["component"].queryset = Component.objects.filter(mission=mission)
        # A region lists its districts' engagements too (partners.selectors.engagement_log).
        self.fields["district"].queryset = selectable_areas(mission.pk)
        self.fields["district"].label_from_instance = area_label
        self.fields["output"].queryset = access.scope(user, OperationalOutput.objects.filter(mission=mission))
        for name, label in (("partner", _("All partners")), ("component", _("All components")),
                            ("district", _("All areas")), ("output", _("All outputs"))):  # fmt: skip
            self.fields[name].empty_label = label
        self.fields["partner"].widget.empty_label = self.fields["partner"].empty_label

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class FollowUpCompleteForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class PeriodForm(forms.Form):
    period_start = forms.DateField(label=_("From"), required=False, widget=_date_input())
    period_end = forms.DateField(label=_("To"), required=False, widget=_date_input())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        # By default the current quarter up to today, shown in the fields so the page says what it counts.
        self.fields["period_start"].initial = today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
        self.fields["period_end"].initial = today

    def period(self) -> tuple[datetime.date, datetime.date]:
        """The chosen period (start <= end); the fields' defaults for what is left empty."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        start = data.get("period_start") or self.fields["period_start"].initial
        end = data.get("period_end") or self.fields["period_end"].initial
        return (start, end) if start <= end else (end, start)
