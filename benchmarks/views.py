"""Pages of the results framework. Thin: access through mandate.access, reads through selectors,
writes through services.

Pages of the current mission (dashboard, exports, risk register, library) answer 404 to users whose
role has no dashboard there (partner focal points), like objects outside a user's scope.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, ValidationError
from django.db.models import Model
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from benchmarks import charts, exports, selectors, services
from benchmarks.forms import PLAN_FORMS, AssessmentForm, LibraryForm
from benchmarks.models import (
    Activity,
    Benchmark,
    Indicator,
    IndicatorValue,
    LibraryOutput,
    OperationalOutput,
    Risk,
    Status,
    Term,
)
from mandate import access
from mandate.context_processors import current_mission
from missions import exports as missions_exports
from missions import geo, maps
from missions.area_filter import area_filter
from missions.concurrency import ConcurrentEditError
from missions.edit import edit_page, form_errors, model_form_rebuild, posted_version
from missions.models import AuditEvent, Location
from missions.services import audit_event_record

Action = access.Action


def _mission_for_dashboard(request):
    """The current mission, or 404 when the user's role there opens no dashboard (partners, no membership)."""
    mission = current_mission(request)
    if mission is None or not access.can_open_dashboard(request.user, mission.pk):
        raise Http404
    return mission


def _page_number(request) -> int:
    try:
        return max(1, int(request.GET.get("page", 1)))
    except ValueError:
        return 1


@login_required
def dashboard(request):
    """The mission dashboard: outputs x terms x statuses, charts, and the filtered benchmarks page by page.

    Queries (constant): session, user, memberships (access), then `dashboard_data` (components,
    outputs, grouped counts, one page of rows) and `status_trend` (one aggregate).
    """
    mission = _mission_for_dashboard(request)
    filters = _filters(request, mission)
    data = selectors.dashboard_data(mission, request.user, filters, page=_page_number(request))
    trend = selectors.status_trend(mission, request.user, 12, filters, today=data.today)
    # Links and labels are built here once, not by template loops for every one of the (outputs x 3) cells.
    labels = {value: str(label) for value, label in Status.choices}
    matrix = [
        (
            summary,
            [
                (
                    cell,
                    filters.link(output=summary.output.pk, term=cell.term),
                    [(v, labels[v], n) for v, n in cell.nonzero],
                )
                for cell in summary.cells
            ],
        )
        for summary in data.outputs
    ]
    tiles = [(value, label, n, filters.link(status=value)) for value, label, n in data.ordered_totals]
    return render(
        request,
        "benchmarks/dashboard.html",
        {
            "data": data,
            "filters": filters,
            "matrix": matrix,
            "tiles": tiles,
            "overdue_link": filters.link(overdue=True),
            "distribution_chart": charts.status_distribution(data.chart_groups()),
            "trend_chart": charts.status_trend(trend.months, trend.counts),
            "statuses": Status.choices,
            "terms": Term.choices,
            "can_add_output": access.can_add(request.user, OperationalOutput, mission),
            "previous_query": filters.querystring(page=data.page - 1 if data.page > 2 else None),
            "next_query": filters.querystring(page=data.page + 1),
            "export_query": filters.querystring(),
            "overdue_days": settings.ASSESSMENT_OVERDUE_DAYS,
            "status_map": _status_map(mission, request.user, filters, data.today),
        },
    )


def _filters(request, mission, *, choices: bool = True) -> selectors.Filters:
    """The dashboard's filters, with the region or district (`?region=`, `?district=`; 404 when not the mission's)."""
    filters = selectors.Filters.from_params(request.GET)
    return dataclasses.replace(filters, area=area_filter(request.GET, mission.pk, choices=choices))


def _status_map(mission, user, filters: selectors.Filters, today) -> maps.DistrictMapPanel:
    """The district map of benchmark statuses: each district coloured by the worst status of the benchmarks
    assessed for it (missions.maps.district_map), with the table of the counts beside it."""
    area = filters.area
    region = area.map_region
    boundaries = geo.mission_areas(mission.pk)
    statuses = selectors.district_statuses(mission, user, filters, region_id=region.pk if region else None, today=today)
    labels = {value: str(label) for value, label in Status.choices}
    count = maps.fast_count()

    def tip(district_id: int) -> str:
        entry = statuses.get(district_id)
        name = area.name(district_id)
        if entry is None:
            return _("%(district)s: no benchmark assessed for it") % {"district": name}
        counts = ", ".join(f"{labels[s]} {count(n)}" for s, n in entry.ordered_counts if n)
        return _("%(district)s: %(counts)s") % {"district": name, "counts": counts}

    title = (
        _("Benchmark status by district: %(region)s") % {"region": region.display_name}
        if region
        else _("Benchmark status by district")
    )
    svg = maps.district_map(
        areas=boundaries,
        title=title,
        names={pk: p.display_name for pk, p in area.places.items()},
        region_id=region.pk if region else None,
        classes={pk: entry.worst for pk, entry in statuses.items()},
        categories=[maps.Category(s, labels[s], charts.STATUS_COLOURS[s]) for s in selectors.WORST_FIRST],
        tips={pk: tip(pk) for pk, place in area.places.items() if place.level == Location.Level.DISTRICT},
        selected_id=area.district.pk if area.district else None,
        description=_(
            "Each district is coloured by the worst status among the benchmarks assessed for it (their newest "
            "assessment there); districts with no such assessment have no data."
        ),
        links=False,
    )
    rows = sorted(
        (
            (area.name(pk), "?" + filters.link(district=pk, region=None), [n for _s, n in entry.ordered_counts])
            for pk, entry in statuses.items()
        ),
        key=lambda row: row[0],
    )
    return maps.DistrictMapPanel(
        title=title,
        svg=svg,
        columns=[labels[s] for s in selectors.STATUS_VALUES],
        rows=rows,
        no_map_note=maps.no_boundaries_note(),
    )


@login_required
def export(request, fmt: str):
    """The benchmark matrix with the dashboard's filters, as CSV (streamed) or XLSX."""
    mission = _mission_for_dashboard(request)
    filters = _filters(request, mission, choices=False)
    rows = selectors.benchmark_matrix(mission, request.user, filters)
    stamp = timezone.localdate().isoformat()
    name = f"{mission.acronym}-benchmarks-{stamp}"
    audit_event_record(
        action=AuditEvent.Action.EXPORTED, user=request.user, mission=mission, summary=f"benchmarks ({fmt.upper()})"
    )
    if fmt == "csv":
        return missions_exports.csv_response(name, exports.headers(), exports.rows(rows))
    return missions_exports.xlsx_response(name, exports.sheets(rows, mission=mission, filters=filters))


@login_required
def risks(request):
    mission = _mission_for_dashboard(request)
    register = selectors.risk_register(mission, request.user)
    return render(
        request,
        "benchmarks/risks.html",
        {"register": register, "heat_map": charts.risk_heat_map(register.heat), "mission": mission},
    )


@login_required
def output_page(request, pk: int):
    output = access.get_for_user(
        request.user, OperationalOutput.objects.select_related("lead_component", "library_output"), pk
    )
    detail = selectors.output_detail(output, request.user)
    user = request.user
    return render(
        request,
        "benchmarks/output.html",
        {
            "detail": detail,
            "output": output,
            "heat_map": charts.risk_heat_map(detail.heat),
            "can_edit": access.can(user, Action.EDIT, output),
            "can_add": {
                "activity": access.can_add(user, Activity, output),
                "benchmark": access.can_add(user, Benchmark, output),
                "indicator": access.can_add(user, Indicator, output),
                "risk": access.can_add(user, Risk, output),
            },
        },
    )


@login_required
def benchmark_page(request, pk: int):
    benchmark = access.get_for_user(request.user, Benchmark.objects.select_related("output"), pk)
    detail = selectors.benchmark_detail(benchmark, request.user)
    return render(
        request,
        "benchmarks/benchmark.html",
        {
            "detail": detail,
            "benchmark": detail.benchmark,
            "output": benchmark.output,
            "can_edit": access.can(request.user, Action.EDIT, benchmark),
            "can_add_indicator": access.can_add(request.user, Indicator, benchmark.output),
        },
    )


@login_required
def indicator_page(request, pk: int):
    indicator = access.get_for_user(
        request.user, Indicator.objects.select_related("output", "benchmark").prefetch_related("values"), pk
    )
    table = selectors.indicator_table(indicator)
    return render(
        request,
        "benchmarks/indicator.html",
        {
            "table": table,
            "indicator": indicator,
            "output": indicator.output,
            "can_edit": access.can(request.user, Action.EDIT, indicator),
            "can_add_value": access.can_add(request.user, IndicatorValue, indicator),
        },
    )


@login_required
def assess(request, pk: int):
    """Record an assessment (or a correction of one) of a benchmark: leadership and the lead component."""
    benchmark = access.get_for_user(
        request.user, Benchmark.objects.select_related("output", "latest_assessment"), pk, Action.ASSESS
    )
    form = AssessmentForm(request.POST or None, benchmark=benchmark, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.assessment_create(benchmark=benchmark, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Assessment recorded."))
            return redirect("benchmarks:benchmark", pk=benchmark.pk)
    if request.method == "GET" and request.GET.get("corrects"):
        form.initial["corrects"] = request.GET["corrects"]
    return render(request, "benchmarks/assess.html", {"form": form, "benchmark": benchmark, "output": benchmark.output})


# --- editing the plan ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanKind:
    """How one kind of plan item is added and edited: its model, where it hangs, and its create service."""

    model: type[Model]
    parent: type[Model] | None  # None: the current mission
    create: object
    parent_arg: str
    noun: str


PLAN_KINDS: dict[str, PlanKind] = {
    "output": PlanKind(OperationalOutput, None, services.output_create, "mission", gettext_lazy("output")),
    "activity": PlanKind(Activity, OperationalOutput, services.activity_create, "output", gettext_lazy("activity")),
    "benchmark": PlanKind(Benchmark, OperationalOutput, services.benchmark_create, "output", gettext_lazy("benchmark")),
    "indicator": PlanKind(Indicator, OperationalOutput, services.indicator_create, "output", gettext_lazy("indicator")),
    "risk": PlanKind(Risk, OperationalOutput, services.risk_create, "output", gettext_lazy("risk")),
    "value": PlanKind(
        IndicatorValue, Indicator, services.indicator_value_record, "indicator", gettext_lazy("indicator value")
    ),
}
RETIRABLE = {"output", "activity", "benchmark", "indicator", "risk"}
SELECT = {
    OperationalOutput: ("lead_component",),
    Activity: ("output",),
    Benchmark: ("output",),
    Indicator: ("output", "benchmark"),
    Risk: ("output",),
    IndicatorValue: ("indicator__output",),
}


def _return_url(item: Model) -> str:
    if isinstance(item, OperationalOutput):
        return reverse("benchmarks:output", args=[item.pk])
    if isinstance(item, Benchmark):
        return reverse("benchmarks:benchmark", args=[item.pk])
    if isinstance(item, Indicator):
        return reverse("benchmarks:indicator", args=[item.pk])
    if isinstance(item, IndicatorValue):
        return reverse("benchmarks:indicator", args=[item.indicator_id])
    return reverse("benchmarks:output", args=[item.output_id])


@login_required
def item_add(request, kind: str, parent_pk: int | None = None):
    """Add an output (to the current mission) or an activity / benchmark / indicator / risk / value under its parent."""
    spec = PLAN_KINDS.get(kind) or _not_found()
    if spec.parent is None:
        parent = mission = _mission_for_dashboard(request)
    else:
        parent = access.get_for_user(request.user, spec.parent.objects.select_related(*_parent_select(spec)), parent_pk)
        mission = access.mission_id_of(parent)
    access.require_add(request.user, spec.model, parent)
    instance = spec.model(**{spec.parent_arg: parent})
    if isinstance(instance, Indicator) and request.GET.get("benchmark", "").isdigit():
        instance.benchmark_id = int(request.GET["benchmark"])
    form = PLAN_FORMS[spec.model](request.POST or None, instance=instance, user=request.user, mission=mission)
    if request.method == "POST" and form.is_valid():
        try:
            item = spec.create(**{spec.parent_arg: parent}, user=request.user, **form.service_fields())
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("The %(noun)s was added.") % {"noun": spec.noun})
            return redirect(_return_url(item))
    return render(
        request,
        "benchmarks/item_form.html",
        {"form": form, "noun": spec.noun, "parent": parent, "adding": True, "cancel_url": _cancel_url(parent)},
    )


def _parent_select(spec: PlanKind) -> tuple[str, ...]:
    return () if spec.parent is OperationalOutput else ("output",)


def _cancel_url(parent) -> str:
    if isinstance(parent, OperationalOutput | Indicator):
        return _return_url(parent)
    return reverse("benchmarks:dashboard")


def _not_found():
    raise Http404


@login_required
def item_edit(request, kind: str, pk: int):
    """Edit a plan item. The form carries the version it loaded; a stale one is refused with the other change shown."""
    spec = PLAN_KINDS.get(kind) or _not_found()
    item = access.get_for_user(request.user, spec.model.objects.select_related(*SELECT[spec.model]), pk, Action.EDIT)
    mission_id = access.mission_id_of(item)
    form_class = PLAN_FORMS[spec.model]
    form = form_class(request.POST or None, instance=item, user=request.user, mission=mission_id)
    return edit_page(
        request,
        form=form,
        save=lambda f: services.plan_item_update(
            item=item, user=request.user, expected_version=f.cleaned_data["version"], **f.service_fields()
        ),
        template="benchmarks/item_form.html",
        context={
            "noun": spec.noun,
            "item": item,
            "kind": kind,
            "can_retire": kind in RETIRABLE,
            "cancel_url": _return_url(item),
        },
        success=_("Your changes were saved."),
        redirect_to=_return_url(item),
        rebuild=model_form_rebuild(form, user=request.user, mission=mission_id),
    )


@login_required
@require_POST
def item_retire(request, kind: str, pk: int):
    """Retire or restore (`action=restore`) a plan item. Nothing is deleted: history and assessments stay."""
    if kind not in RETIRABLE:
        raise Http404
    spec = PLAN_KINDS[kind]
    item = access.get_for_user(request.user, spec.model.objects.select_related(*SELECT[spec.model]), pk, Action.EDIT)
    restore = request.POST.get("action") == "restore"
    version = posted_version(request)
    if version is None:
        raise BadRequest(_("The form lacks the version it was loaded at; reload the page."))
    try:
        services.plan_item_retire(item=item, user=request.user, expected_version=version, retire=not restore)
    except ConcurrentEditError as exc:
        messages.error(request, str(exc))
    else:
        if restore:
            messages.success(request, _("The %(noun)s was restored.") % {"noun": spec.noun})
        else:
            messages.success(request, _("The %(noun)s was retired; its history is kept.") % {"noun": spec.noun})
    if isinstance(item, OperationalOutput) and not restore:
        return redirect("benchmarks:output", pk=item.pk)
    return redirect(_return_url(item))


@login_required
def library(request):
    """Add standard outputs of the framework library (with their benchmarks, activities, risks) to the plan."""
    mission = _mission_for_dashboard(request)
    access.require_add(request.user, OperationalOutput, mission)
    form = LibraryForm(request.POST or None, mission=mission)
    if request.method == "POST" and form.is_valid():
        created = services.plan_instantiate(
            mission=mission, user=request.user, library_outputs=list(form.cleaned_data["outputs"])
        )
        messages.success(request, _("%(n)d output(s) added to the plan.") % {"n": len(created)})
        return redirect("benchmarks:dashboard")
    # The handbook's considerations for each standard output, to weigh while planning.
    considerations = [(o.title, o.considerations) for o in LibraryOutput.objects.all() if o.considerations]
    return render(
        request, "benchmarks/library.html", {"form": form, "mission": mission, "considerations": considerations}
    )
