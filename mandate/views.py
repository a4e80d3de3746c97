"""The pages above every app: the home page (a tile per section the user's role opens), the mission switch,
the mission's audit trail and its gazetteer."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import BooleanField, Count, ExpressionWrapper, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from mandate import access
from mandate.context_processors import current_mission
from mandate.forms import GazetteerImportForm
from mandate.languages import SESSION_KEY, remember_language
from missions.languages import supported
from missions.models import AuditEvent, Location
from missions.services import profile_language_set
from notifications import selectors as inbox

AUDIT_PAGE_SIZE = 50
GAZETTEER_PAGE_SIZE = 100
GAZETTEER_LEVELS = [Location.Level.REGION, Location.Level.DISTRICT, Location.Level.SUBDISTRICT]


@login_required
def home(request):
    """A home page per role: what this user can open in their current mission."""
    mission = current_mission(request)
    # The inbox is read here, before the page renders, so the header shows the same counts as the panel.
    areas = inbox.my_work(user=request.user, mission=mission)
    inbox.header_counts_remember(
        request, mission, work=sum(a.count for a in areas), unread=inbox.unread_count(request.user)
    )
    return render(request, "missions/home.html", {"mission": mission, "my_work_areas": areas})


@login_required
@require_POST
def switch_mission(request):
    mission_id = request.POST.get("mission")
    if not mission_id or not mission_id.isdigit() or access.membership(request.user, int(mission_id)) is None:
        raise Http404
    request.session["mission_id"] = int(mission_id)
    remember_language(request)  # without a choice of their own, the user now reads the new mission's language
    return redirect("home")


@require_POST
def language_set(request):
    """The header's language switch, signed in or not: Django's `set_language` (cookie, back to `next`),
    and for a signed-in user the choice saved on their profile, so it follows them to other browsers."""
    response = set_language(request)
    language = supported(request.POST.get("language"))
    if language and request.user.is_authenticated:
        profile_language_set(user=request.user, language=language)
        request.session[SESSION_KEY] = language
    return response


@login_required
def audit_events(request):
    """The current mission's audit trail, newest first, for its Head of Mission (404 for anyone else).

    Queries: the session's memberships (shared with the navigation), the count, one page of events.
    """
    mission = current_mission(request)
    if mission is None or not access.can_view_audit(request.user, mission.pk):
        raise Http404
    events = AuditEvent.objects.filter(access.audit_in_mission_q(mission.pk))
    action = request.GET.get("action", "")
    if action in AuditEvent.Action.values:
        events = events.filter(action=action)
    else:
        action = ""
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "missions/audit_events.html",
        {
            "mission": mission,
            "page": page,
            "actions": AuditEvent.Action.choices,
            "action": action,
            "query": f"action={action}" if action else "",
        },
    )


@login_required
def gazetteer(request):
    """The current mission's administrative areas, level by level, and their import (404 for anyone but the
    HoM, the MLT and members granted the gazetteer permission).

    POST: an areas table starts an import job on the pipeline (column matching, preview, confirm), with the
    GeoJSON if one came too; a GeoJSON alone (boundaries of areas already there) starts a job that checks
    and loads it in the background in one go, its page showing the progress, then what was stored or why
    nothing was.
    Queries: the session's memberships (with the grant), the counts per level, the page's count, its areas.
    """
    from mandate import importers
    from missions import pipeline

    mission = current_mission(request)
    if mission is None or not access.can_manage_gazetteer(request.user, mission.pk):
        raise Http404
    form = GazetteerImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        table, boundaries = form.cleaned_data["table"], form.cleaned_data["boundaries"]
        job = pipeline.import_job_start(
            mission=mission,
            kind=importers.LocationImporter.kind,
            user=request.user,
            upload=table,
            attachments={importers.BOUNDARIES_SUFFIX: boundaries} if boundaries else None,
            auto=not table,
        )
        return redirect("import-job", pk=job.pk)
    areas = Location.objects.filter(mission=mission)
    with_boundary = ~Q(boundary="")
    counts = {
        row["level"]: row
        for row in areas.values("level").annotate(n=Count("id"), boundaries=Count("id", filter=with_boundary))
    }
    levels = [{"level": lv, "label": lv.label, **counts.get(lv, {"n": 0, "boundaries": 0})} for lv in GAZETTEER_LEVELS]
    level = request.GET.get("level", "")
    if level not in GAZETTEER_LEVELS:
        level = next((lv["level"] for lv in levels if lv["n"]), Location.Level.REGION)
    listed = (
        areas.filter(level=level)
        .select_related("parent")
        .defer("boundary", "parent__boundary")
        .annotate(has_boundary=ExpressionWrapper(with_boundary, output_field=BooleanField()))
        .order_by("pcode", "name")
    )
    page = Paginator(listed, GAZETTEER_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "mandate/gazetteer.html",
        {
            "mission": mission,
            "levels": levels,
            "level": level,
            "level_label": Location.Level(level).label,
            "page": page,
            "form": form,
            "jobs": pipeline.recent_jobs(
                user=request.user, kind=importers.LocationImporter.kind, mission_id=mission.pk
            ),
            "query": f"level={level}",
        },
        status=422 if request.method == "POST" else 200,
    )
