"""Pages of the partners app: the registry, the engagement log, the overview and the partner portal.

Thin: each view fetches through `mandate.access` (404 outside scope, 403 when not allowed), reads
through `partners.selectors` and writes through `partners.services`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from mandate import access
from mandate.context_processors import current_mission
from mandate.import_views import upload_page
from missions import exports, geo, maps
from missions.area_filter import area_filter
from missions.concurrency import ConcurrentEditError
from missions.edit import edit_page, form_errors, model_form_rebuild, posted_version
from missions.models import AuditEvent, Membership
from missions.services import audit_event_record
from partners import exports as partner_exports
from partners import selectors, services
from partners.forms import (
    ContactForm,
    EngagementFilterForm,
    EngagementForm,
    FollowUpCompleteForm,
    PartnerFilterForm,
    PartnerForm,
    PeriodForm,
    follow_up_formset,
)
from partners.importers import PartnerImporter
from partners.models import Contact, Engagement, FollowUp, Partner

Action = access.Action


def _mission_for_log(request):
    """The current mission, when the user's role there opens the registry and the log (else 403)."""
    mission = current_mission(request)
    if mission is None:
        raise Http404
    if not access.can_open_partners(request.user, mission.pk):
        raise PermissionDenied
    return mission


def _is_internal_reader(user, mission_id) -> bool:
    return access.can_see_internal_engagement_fields(user, mission_id)


def _with_labels(objs, **fields):
    """Sets `<field>_label` on each object from its choices, translated once per page.

    `get_FOO_display()` rebuilds and hashes the translated choices on every call: on a page of a
    hundred rows that cost more than the page's queries.
    """
    tables = {name: {value: str(label) for value, label in choices} for name, choices in fields.items()}
    for obj in objs:
        for name, table in tables.items():
            value = getattr(obj, name)
            setattr(obj, f"{name}_label", table.get(value, value))
    return objs


PARTNER_LABELS = {
    "partner_type": Partner.PartnerType.choices,
    "relationship": Partner.Relationship.choices,
    "screening_status": Partner.Screening.choices,
}


# --- the registry -------------------------------------------------------------------------------


@login_required
def index(request):
    """The partner registry: every partner of the mission with type, district, screening and activity."""
    mission = _mission_for_log(request)
    form = PartnerFilterForm(request.GET or None, mission=mission)
    qs = selectors.partner_list(user=request.user, mission=mission, **form.filters())
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    page.object_list = _with_labels(selectors.with_registry_columns(list(page.object_list)), **PARTNER_LABELS)
    return render(
        request,
        "partners/index.html",
        {
            "mission": mission,
            "form": form,
            "page": page,
            "today": timezone.localdate(),
            "can_add": access.can_add(request.user, Partner, mission),
            "querystring": _without_page(request),
        },
    )


def _without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("after", None)
    return params.urlencode()


@login_required
def partner_detail(request, pk):
    partner = access.get_for_user(request.user, Partner.objects.select_related("district", "mission"), pk)
    if not _is_internal_reader(request.user, partner.mission_id):
        return redirect("partners:portal")
    data = selectors.partner_page(user=request.user, partner=partner)
    _with_labels([partner], **PARTNER_LABELS)
    _with_labels(data.engagements, engagement_type=Engagement.EngagementType.choices)
    for e in data.engagements:
        e.other_partners = [p for p in e.partners.all() if p.pk != partner.pk]
    today = timezone.localdate()
    return render(
        request,
        "partners/partner_detail.html",
        {
            "page": data,
            "partner": partner,
            "today": today,
            "screening_expired": partner.screening_lapsed(today),
            "cleared_for_support": partner.is_cleared_for_support(today),
            "can_edit": access.can(request.user, Action.EDIT, partner),
            "can_log": access.can_add(request.user, Engagement, partner.mission),
        },
    )


@login_required
def partner_create(request):
    mission = _mission_for_log(request)
    access.require_add(request.user, Partner, mission)
    form = PartnerForm(request.POST or None, mission=mission)
    if request.method == "POST" and form.is_valid():
        try:
            partner = services.partner_create(user=request.user, mission=mission, **form.service_fields())
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Partner registered."))
            return redirect("partners:partner-detail", pk=partner.pk)
    return render(request, "partners/partner_form.html", {"form": form, "mission": mission})


@login_required
def partner_edit(request, pk):
    partner = access.get_for_user(request.user, Partner.objects.select_related("mission"), pk, Action.EDIT)
    form = PartnerForm(request.POST or None, instance=partner, mission=partner.mission)
    return edit_page(
        request,
        form=form,
        save=lambda f: services.partner_update(
            user=request.user,
            partner=Partner.objects.get(pk=partner.pk),
            expected_version=f.cleaned_data["version"],
            **f.service_fields(),
        ),
        template="partners/partner_form.html",
        context={"partner": partner, "mission": partner.mission},
        success=_("Partner saved."),
        redirect_to=reverse("partners:partner-detail", args=[partner.pk]),
        rebuild=model_form_rebuild(form, mission=partner.mission),
    )


@login_required
def contact_create(request, pk):
    partner = access.get_for_user(request.user, Partner.objects.select_related("mission"), pk)
    access.require_add(request.user, Contact, partner)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.contact_create(user=request.user, partner=partner, **form.service_fields())
        messages.success(request, _("Contact added."))
        return redirect("partners:partner-detail", pk=partner.pk)
    return render(request, "partners/contact_form.html", {"form": form, "partner": partner})


@login_required
def contact_edit(request, pk):
    contact = access.get_for_user(request.user, Contact.objects.select_related("partner__mission"), pk, Action.EDIT)
    if request.method == "POST" and "delete" in request.POST:
        try:
            services.contact_delete(
                user=request.user, contact=contact, expected_version=posted_version(request, required=True)
            )
        except ConcurrentEditError as exc:
            messages.error(request, str(exc))
            return redirect("partners:contact-edit", pk=contact.pk)
        messages.success(request, _("Contact removed."))
        return redirect("partners:partner-detail", pk=contact.partner_id)
    form = ContactForm(request.POST or None, instance=contact)
    return edit_page(
        request,
        form=form,
        save=lambda f: services.contact_update(
            user=request.user,
            contact=Contact.objects.get(pk=contact.pk),
            expected_version=f.cleaned_data["version"],
            **f.service_fields(),
        ),
        template="partners/contact_form.html",
        context={"partner": contact.partner, "contact": contact},
        success=_("Contact saved."),
        redirect_to=reverse("partners:partner-detail", args=[contact.partner_id]),
    )


# --- import -------------------------------------------------------------------------------------


@login_required
def partner_import(request):
    """Step 1 of the partner import: the upload, which starts a job of the import pipeline (missions.pipeline)."""
    mission = _mission_for_log(request)
    access.require_add(request.user, Partner, mission)
    return upload_page(
        request,
        mission=mission,
        kind=PartnerImporter.kind,
        template="partners/import.html",
        context={"mission": mission},
    )


@login_required
def partner_export(request, fmt):
    """The registry as CSV or XLSX, in the columns the import reads back unchanged (for those who import)."""
    mission = _mission_for_log(request)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    access.require_add(request.user, Partner, mission)
    partners = access.scope(request.user, Partner.objects.filter(mission=mission))
    return partner_exports.partners_export(mission=mission, partners=partners, user=request.user, fmt=fmt)


# --- the engagement log -------------------------------------------------------------------------


def _log_queryset(request, mission):
    form = EngagementFilterForm(request.GET or None, mission=mission, user=request.user)
    return form, selectors.engagement_log(user=request.user, mission=mission, **form.filters())


@login_required
def engagement_list(request):
    mission = _mission_for_log(request)
    form, qs = _log_queryset(request, mission)
    page = selectors.engagement_log_page(qs, cursor=request.GET.get("after"))
    _with_labels(page.rows, engagement_type=Engagement.EngagementType.choices)
    return render(
        request,
        "partners/engagement_list.html",
        {
            "mission": mission,
            "form": form,
            "page": page,
            "querystring": _without_page(request),
            "can_log": access.can_add(request.user, Engagement, mission),
        },
    )


EXPORT_HEADER = [
    "id", "date", "type", "partners", "component", "district", "place", "women", "men", "youth",
    "topics", "summary", "outcomes", "linked_outputs", "officers", "shareable", "logged_by",
]  # fmt: skip


def _export_values(e: Engagement) -> list:
    return [
        e.pk,
        e.date.isoformat(),
        e.get_engagement_type_display(),
        "; ".join(p.name for p in e.partners.all()),
        e.component.name,
        e.district.name if e.district else "",
        e.place,
        e.participants_women,
        e.participants_men,
        e.participants_youth,
        e.topics,
        e.summary,
        e.outcomes,
        "; ".join(o.title for o in e.outputs.all()),
        "; ".join(u.get_full_name() or u.username for u in e.officers.all()),
        "yes" if e.shareable else "no",
        e.created_by.username,
    ]


@login_required
def engagement_export(request, fmt):
    """The engagement log with the page's filters, as CSV (streamed) or XLSX (`missions.exports`)."""
    mission = _mission_for_log(request)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    _form, qs = _log_queryset(request, mission)
    filename = f"engagements-{mission.acronym}-{timezone.localdate().isoformat()}"
    rows = (_export_values(e) for e in selectors.engagement_export_rows(qs))
    audit_event_record(
        action=AuditEvent.Action.EXPORTED, user=request.user, mission=mission, summary=f"engagements ({fmt.upper()})"
    )
    if fmt == "csv":
        return exports.csv_response(filename, EXPORT_HEADER, rows)
    return exports.xlsx_response(filename, [exports.Sheet(title=_("Engagements"), columns=EXPORT_HEADER, rows=rows)])


def _engagement_services_args(form, formset) -> dict:
    args = form.service_fields()
    args["follow_ups"] = formset.inputs()
    return args


def _selected_partners(form) -> list[Partner]:
    """The partners chosen in the form (bound or initial), for the follow-up partner choices."""
    field = form.fields["partners"]
    if form.is_bound:
        ids = [i for i in form.data.getlist(form.add_prefix("partners")) if str(i).isdigit()]
    elif form.instance.pk:
        return list(form.instance.partners.all())
    else:
        ids = list(form.initial.get("partners") or [])
    return list(field.queryset.filter(pk__in=ids)) if ids else []


@login_required
def engagement_create(request):
    """The one fast form: an engagement, its partners, links and follow-up actions in one post."""
    mission = _mission_for_log(request)
    access.require_add(request.user, Engagement, mission)
    initial = {}
    partner_id = request.GET.get("partner")
    if partner_id and partner_id.isdigit():
        initial["partners"] = [int(partner_id)]
    form = EngagementForm(request.POST or None, mission=mission, user=request.user, initial=initial)
    formset = follow_up_formset(mission=mission, data=request.POST or None, partner_choices=_selected_partners(form))
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            engagement = services.engagement_create(
                user=request.user, mission=mission, **_engagement_services_args(form, formset)
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Engagement logged."))
            if "another" in request.POST:
                return redirect("partners:engagement-create")
            return redirect("partners:engagement-detail", pk=engagement.pk)
    return render(request, "partners/engagement_form.html", {"form": form, "formset": formset, "mission": mission})


@login_required
def engagement_edit(request, pk):
    engagement = access.get_for_user(
        request.user, Engagement.objects.select_related("mission", "component"), pk, Action.EDIT
    )
    mission = engagement.mission
    form = EngagementForm(request.POST or None, instance=engagement, mission=mission, user=request.user)
    formset = follow_up_formset(
        mission=mission,
        data=request.POST or None,
        engagement=engagement,
        partner_choices=_selected_partners(form),
    )
    return edit_page(
        request,
        form=form,
        also_valid=[formset],
        save=lambda f: services.engagement_update(
            user=request.user,
            engagement=Engagement.objects.select_related("mission").get(pk=engagement.pk),
            expected_version=f.cleaned_data["version"],
            **_engagement_services_args(f, formset),
        ),
        template="partners/engagement_form.html",
        context={"formset": formset, "mission": mission, "engagement": engagement},
        success=_("Engagement saved."),
        redirect_to=reverse("partners:engagement-detail", args=[engagement.pk]),
        rebuild=model_form_rebuild(form, mission=mission, user=request.user),
    )


@login_required
def engagement_detail(request, pk):
    engagement = access.get_for_user(request.user, Engagement.objects.all(), pk)
    if not _is_internal_reader(request.user, engagement.mission_id):
        return redirect("partners:portal-engagement", pk=engagement.pk)
    engagement = selectors.engagement_detail(user=request.user, engagement=engagement)
    follow_ups = [(f, access.can(request.user, Action.COMPLETE, f)) for f in engagement.follow_ups.all()]
    return render(
        request,
        "partners/engagement_detail.html",
        {
            "engagement": engagement,
            "follow_ups": follow_ups,
            "today": timezone.localdate(),
            "can_edit": access.can(request.user, Action.EDIT, engagement),
            "history": engagement.history.select_related("history_user")[:10],
            "complete_form": FollowUpCompleteForm(),
        },
    )


@login_required
@require_POST
def follow_up_complete(request, pk):
    """Marks a follow-up done with a comment: its mission owner, its component, or the partner it is assigned to."""
    follow_up = access.get_for_user(request.user, FollowUp.objects.select_related("engagement"), pk, Action.COMPLETE)
    form = FollowUpCompleteForm(request.POST)
    internal = _is_internal_reader(request.user, follow_up.engagement.mission_id)
    back = (
        reverse("partners:engagement-detail", args=[follow_up.engagement_id])
        if internal
        else reverse("partners:portal")
    )
    if form.is_valid():
        try:
            services.follow_up_complete(
                user=request.user,
                follow_up=follow_up,
                comment=form.cleaned_data["comment"],
                expected_version=form.cleaned_data["version"],
            )
        except ConcurrentEditError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Follow-up marked done."))
    return redirect(back)


# --- overview -----------------------------------------------------------------------------------


@login_required
def overview(request):
    """Partnership indicators per output, coverage by district and partner type, overdue follow-ups."""
    mission = _mission_for_log(request)
    period_form = PeriodForm(request.GET or None)
    start, end = period_form.period()
    area = area_filter(request.GET, mission.pk)
    user = request.user
    return render(
        request,
        "partners/overview.html",
        {
            "mission": mission,
            "period_form": period_form,
            "period_start": start,
            "period_end": end,
            "area": area,
            "indicators": selectors.partnership_indicators_by_output(mission, user, start, end, area=area),
            "coverage": selectors.coverage(user=user, mission=mission, period_start=start, period_end=end, area=area),
            "overdue": selectors.overdue_follow_ups(user=user, mission=mission, area=area),
            "mine": selectors.my_follow_ups(user=user, mission=mission),
            "coverage_map": _coverage_map(request, mission, area, start, end),
        },
    )


def _coverage_map(request, mission, area, start, end) -> maps.DistrictMapPanel:
    """Engagement coverage: each district filled by its number of engagements in the period (quantile
    classes; none: no data), drawn by missions.maps.district_map, with the table of the counts."""
    region = area.map_region
    counts = selectors.engagements_per_district(
        user=request.user,
        mission=mission,
        period_start=start,
        period_end=end,
        region_id=region.pk if region else None,
        places=area.places,
    )
    count = maps.fast_count()
    title = (
        _("Engagements by district: %(region)s") % {"region": region.display_name}
        if region
        else _("Engagements by district")
    )
    params = request.GET.copy()
    for name in ("region", "district"):
        params.pop(name, None)
    others = params.urlencode()
    prefix = f"?{others}&district=" if others else "?district="

    def link(district_id: int) -> str:
        return f"{prefix}{district_id}"

    svg = maps.district_map(
        areas=geo.mission_areas(mission.pk),
        title=title,
        names={pk: p.display_name for pk, p in area.places.items()},
        region_id=region.pk if region else None,
        values=counts,
        choropleth=maps.Choropleth.quantiles(counts.values(), legend_title=_("Engagements in the period:")),
        tips={
            pk: ngettext("%(district)s: %(n)s engagement", "%(district)s: %(n)s engagements", n)
            % {"district": area.name(pk), "n": count(n)}
            for pk, n in counts.items()
        },
        selected_id=area.district.pk if area.district else None,
        description=_("Each district is coloured by the number of engagements held there in the period."),
        links=False,
    )
    rows = sorted(((area.name(pk), link(pk), [count(n)]) for pk, n in counts.items()), key=lambda row: row[0])
    return maps.DistrictMapPanel(
        title=title,
        svg=svg,
        columns=[_("Engagements")],
        rows=rows,
        no_map_note=maps.no_boundaries_note(),
    )


# --- the partner portal -------------------------------------------------------------------------


def _portal_membership(request) -> Membership:
    mission = current_mission(request)
    m = access.membership(request.user, mission.pk) if mission else None
    if m is None or not access.can_open_portal(request.user, mission.pk):
        raise PermissionDenied
    return m


@login_required
def portal(request):
    """A partner focal point's view of its own organisation, and nothing else."""
    m = _portal_membership(request)
    partner = Partner.objects.select_related("district").get(pk=m.partner_id)
    data = selectors.portal_page(user=request.user, partner=partner)
    return render(
        request,
        "partners/portal.html",
        {"page": data, "partner": partner, "today": timezone.localdate(), "complete_form": FollowUpCompleteForm()},
    )


@login_required
def portal_engagement(request, pk):
    """One engagement shared with the partner: what happened, never the mission's internal links."""
    _portal_membership(request)
    engagement = access.get_for_user(request.user, Engagement.objects.select_related("district"), pk)
    return render(request, "partners/portal_engagement.html", {"engagement": engagement})
