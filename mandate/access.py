"""Who may do what on which object: the one place in the project that decides access.

Views, API permission classes, querysets, admin and report content all ask this module.
Rules come from the user's `Membership` in the object's mission, plus django-guardian object
permissions for explicit grants on single security plans. An object outside the user's scope
is reported as missing (404), so its existence does not leak.

Public interface:
- `membership(user, mission_id)`: the user's membership there, or None.
- `scope(user, queryset)`: the rows of `queryset` the user may view.
- `can(user, action, obj)`: whether the user may do `action` on `obj`.
- `can_add(user, model, parent)`: whether the user may create a `model` row under `parent`.
- `get_for_user(user, queryset, pk, action=VIEW)`: fetch-and-authorize; 404 outside the view scope,
  403 (PermissionDenied) when visible but the action is not allowed.
- `get_import_job_for_user(user, pk)`: an import job, its importer and target, for its uploader only.
- named predicates for the questions pages and serializers ask (`can_open_dashboard`,
  `can_see_internal_engagement_fields`, `can_revise_plan`, `can_add_task`, `can_view_incidents`, ...)
  and `navigation(user, mission_id)`, the booleans the menus and the home page show.

The acting user is always required. Trusted callers (management commands, seeding, Celery tasks that
act for nobody in particular) pass `SYSTEM`, which this module lets see and do everything; `None` is
never a user here (it is refused like an anonymous visitor).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, Exists, Model, OuterRef, Q, QuerySet
from django.db.models.functions import Cast
from django.http import Http404
from django.utils.translation import gettext as _
from guardian.models import GroupObjectPermission, UserObjectPermission
from guardian.shortcuts import get_objects_for_user

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
from elections.models import (
    ElectionPlan,
    ElectoralPhase,
    Incident,
    Milestone,
    PollingSite,
    SecurityPlan,
    SecurityTask,
    Threat,
    TransportLeg,
)
from missions.models import AuditEvent, Component, ImportJob, Location, Membership, Mission
from narratives.models import Attachment, MandateTask, Narrative, Overview
from notifications.models import Notification
from partners.models import Contact, Engagement, FollowUp, Partner
from reports.models import Report, ReportComment, ReportKind

Role = Membership.Role
Kind = Component.Kind


class Action(StrEnum):
    VIEW = "view"
    EDIT = "edit"  # change (and retire) the object
    ASSESS = "assess"  # record an assessment of a benchmark
    SUBMIT = "submit"  # submit a security plan for approval
    APPROVE = "approve"  # approve / return a security plan; approve / release a report
    COMPLETE = "complete"  # mark a follow-up done


LEADERSHIP = frozenset({Role.HOM, Role.MLT})
# Security plans are restricted to these components (plus leadership and explicit grants).
SECURITY_COMPONENTS = frozenset({Kind.ELECTORAL, Kind.MILITARY, Kind.POLICE})
# Components that keep the partner registry.
PARTNER_KEEPERS = frozenset({Kind.CIVIL_AFFAIRS, Kind.HUMAN_RIGHTS})


# --- the system actor ----------------------------------------------------------------------------


class SystemActor:
    """The acting user of trusted callers: management commands, seeding, tasks that act for no one.

    It is not a database user: it holds no membership, and what it writes carries no author in
    history (`history_user`). Every rule of this module lets it through.
    """

    is_authenticated = True
    is_active = True
    is_anonymous = False
    pk = None
    username = "system"

    def __repr__(self) -> str:
        return "access.SYSTEM"


SYSTEM = SystemActor()


def is_system(user) -> bool:
    return user is SYSTEM


def history_user(user):
    """The author to record in history and `*_by` fields for `user`: None for SYSTEM."""
    return None if user is SYSTEM else user


def require(allowed: bool) -> None:
    """What services say when a rule answers no: `require(access.can(user, Action.EDIT, obj))`."""
    if not allowed:
        raise PermissionDenied


# --- memberships -------------------------------------------------------------------------------


def memberships(user) -> dict[int, Membership]:
    """The user's memberships by mission id, fetched once per user object (one query)."""
    if user is SYSTEM or not getattr(user, "is_authenticated", False):
        return {}
    cached = getattr(user, "_mandate_memberships", None)
    if cached is None:
        cached = {
            m.mission_id: m
            for m in Membership.objects.filter(user=user)
            .select_related("component", "mission")
            .annotate(
                gazetteer_granted=_gazetteer_grant_exists(),
                # Whether any security plan is shared with the user one by one: almost nobody's is, and
                # then `_granted_security_plan_ids` needs no query of its own (the same for every row).
                plan_grants=_object_grant_exists(OuterRef("user_id"), SecurityPlan),
            )
        }
        user._mandate_memberships = cached
    return cached


# The object permission that lets a member load and edit a mission's administrative areas.
GAZETTEER_PERMISSION = "gazetteer"


def _gazetteer_grant_exists() -> Q:
    """Whether the membership's user holds `missions.gazetteer` on the membership's mission, directly or
    through a group: an annotation of the memberships query, so that asking costs no query of its own."""
    return _object_grant_exists(
        OuterRef("user_id"), Mission, GAZETTEER_PERMISSION, Cast(OuterRef("mission_id"), CharField())
    )


def _object_grant_exists(user_id, model: type[Model], codename: str | None = None, object_pk=None) -> Q:
    """Whether a user holds the object permission `codename` on an object of `model`, directly or through a
    group (django-guardian's tables), as two EXISTS for the caller's query; without `codename` any
    permission, without `object_pk` on any object. The content type's id comes from Django's cache, so the
    subqueries join only the permission (and the user's groups)."""
    content_type_id = ContentType.objects.get_for_model(model).pk
    grant = {"content_type_id": content_type_id}
    if codename is not None:
        grant |= {"permission__content_type_id": content_type_id, "permission__codename": codename}
    if object_pk is not None:
        grant["object_pk"] = object_pk
    return Exists(UserObjectPermission.objects.filter(user_id=user_id, **grant)) | Exists(
        GroupObjectPermission.objects.filter(group__user=user_id, **grant)
    )


def _gazetteer_granted(m: Membership) -> bool:
    granted = getattr(m, "gazetteer_granted", None)
    if granted is None:
        # A membership read elsewhere (e.g. `members`): ask the database once and remember.
        granted = Membership.objects.filter(pk=m.pk).filter(_gazetteer_grant_exists()).exists()
        m.gazetteer_granted = granted
    return granted


def membership(user, mission_id: int | None) -> Membership | None:
    return memberships(user).get(mission_id)


def missions_for(user) -> QuerySet[Mission]:
    return Mission.objects.filter(pk__in=list(memberships(user)))


def role_in(user, mission_id) -> str | None:
    m = membership(user, mission_id)
    return m.role if m else None


def is_leadership(m: Membership | None) -> bool:
    return m is not None and m.role in LEADERSHIP


def is_staff_of(m: Membership | None, kinds) -> bool:
    return m is not None and m.role == Role.STAFF and m.component.kind in kinds


def _granted_security_plan_ids(user, perm: str = "elections.view_securityplan") -> set[int]:
    """Security plans shared with this user one by one through django-guardian."""
    if user is SYSTEM or not getattr(user, "is_authenticated", False):
        # Guardian looks anonymous users up as a database user, which this project does not create.
        return set()
    cache_name = f"_mandate_grants_{perm}"
    cached = getattr(user, cache_name, None)
    if cached is None:
        if _holds_no_plan_grant(user):
            cached = set()
        else:
            cached = set(
                get_objects_for_user(user, perm, klass=SecurityPlan, accept_global_perms=False).values_list(
                    "pk", flat=True
                )
            )
        setattr(user, cache_name, cached)
    return cached


def _holds_no_plan_grant(user) -> bool:
    """True when the memberships query found no object permission of the user on any security plan (guardian
    would then find none either); a superuser, to whom guardian answers every plan, never. Like the grants
    themselves, the answer is kept on the user object: a grant given later shows from the next request (or
    to a user object read again)."""
    first = next(iter(memberships(user).values()), None)
    # Memberships read by `members` do not say (None): guardian is asked.
    return getattr(first, "plan_grants", None) is False and not user.is_superuser


# --- view scopes --------------------------------------------------------------------------------
# Each rule gives, for one membership, the Q that selects the rows it may view; the mission filter
# is added by `scope`. `MISSION_PATH` says where each model keeps its mission.

MISSION_PATH: dict[type[Model], str] = {
    Mission: "pk",
    Component: "mission_id",
    Location: "mission_id",
    AuditEvent: "mission_id",
    Membership: "mission_id",
    OperationalOutput: "mission_id",
    Activity: "output__mission_id",
    Benchmark: "output__mission_id",
    Assessment: "benchmark__output__mission_id",
    Indicator: "output__mission_id",
    IndicatorValue: "indicator__output__mission_id",
    Risk: "output__mission_id",
    ElectionPlan: "mission_id",
    ElectoralPhase: "plan__mission_id",
    Milestone: "plan__mission_id",
    SecurityPlan: "election_plan__mission_id",
    PollingSite: "security_plan__election_plan__mission_id",
    Threat: "security_plan__election_plan__mission_id",
    SecurityTask: "security_plan__election_plan__mission_id",
    TransportLeg: "security_plan__election_plan__mission_id",
    Incident: "election_plan__mission_id",
    Partner: "mission_id",
    Contact: "partner__mission_id",
    Engagement: "mission_id",
    FollowUp: "mission_id",
    Report: "mission_id",
    Notification: "mission_id",
    ReportComment: "report__mission_id",
    MandateTask: "mission_id",
    Narrative: "output__mission_id",
    Overview: "mission_id",
    Attachment: "mission_id",
}

# Where each security-plan model keeps its plan id, for explicit grants.
SECURITY_PLAN_PATH = {
    SecurityPlan: "pk",
    PollingSite: "security_plan_id",
    Threat: "security_plan_id",
    SecurityTask: "security_plan_id",
    TransportLeg: "security_plan_id",
    Incident: "election_plan__security_plans",
}

NOTHING = Q(pk__in=[])
EVERYTHING = Q()


def _plan_q(m: Membership) -> Q:
    # The results framework: leadership, every component and HQ desk officers read it; partners do not.
    return NOTHING if m.role == Role.PARTNER else EVERYTHING


def _mission_members_q(m: Membership) -> Q:
    return NOTHING if m.role in {Role.PARTNER, Role.HQ} else EVERYTHING


def _security_q(m: Membership) -> Q:
    return EVERYTHING if is_leadership(m) or is_staff_of(m, SECURITY_COMPONENTS) else NOTHING


def _partner_q(m: Membership) -> Q:
    if m.role == Role.PARTNER:
        return Q(pk=m.partner_id)
    return _mission_members_q(m)


def _contact_q(m: Membership) -> Q:
    if m.role == Role.PARTNER:
        return Q(partner_id=m.partner_id)
    return _mission_members_q(m)


def _engagement_q(m: Membership) -> Q:
    if m.role == Role.PARTNER:
        # A subquery rather than a join on `partners`: a join repeats rows and forces DISTINCT over the whole log.
        with_partner = Engagement.partners.through.objects.filter(partner_id=m.partner_id).values("engagement_id")
        return Q(shareable=True, pk__in=with_partner)
    return _mission_members_q(m)


def _follow_up_q(m: Membership) -> Q:
    if m.role == Role.PARTNER:
        return Q(partner_id=m.partner_id)
    return _mission_members_q(m)


def _report_q(m: Membership) -> Q:
    if m.role == Role.HQ:
        return Q(approval=Report.Approval.RELEASED) & ~Q(kind=ReportKind.ELECTION_SECURITY)
    if m.role == Role.PARTNER:
        return NOTHING
    if is_leadership(m) or is_staff_of(m, SECURITY_COMPONENTS):
        return EVERYTHING
    return ~Q(kind=ReportKind.ELECTION_SECURITY)


def _notification_q(m: Membership) -> Q:
    # A notification is its recipient's alone, whatever their role.
    return Q(recipient_id=m.user_id)


def _report_comment_q(m: Membership) -> Q:
    # Comments go with the report they are about: whoever reads the report reads its threads.
    rule = _report_q(m)
    if rule in (NOTHING, EVERYTHING):
        return rule
    return Q(report__in=Report.objects.filter(rule).values("pk"))


def _membership_q(m: Membership) -> Q:
    return EVERYTHING if is_leadership(m) else Q(user_id=m.user_id)


VIEW_RULES = {
    Mission: lambda m: EVERYTHING,
    Component: lambda m: EVERYTHING,
    Location: lambda m: EVERYTHING,
    Membership: _membership_q,
    OperationalOutput: _plan_q,
    Activity: _plan_q,
    Benchmark: _plan_q,
    Assessment: _plan_q,
    Indicator: _plan_q,
    IndicatorValue: _plan_q,
    Risk: _plan_q,
    ElectionPlan: _mission_members_q,
    ElectoralPhase: _mission_members_q,
    Milestone: _mission_members_q,
    SecurityPlan: _security_q,
    PollingSite: _security_q,
    Threat: _security_q,
    SecurityTask: _security_q,
    TransportLeg: _security_q,
    Incident: _security_q,
    Partner: _partner_q,
    Contact: _contact_q,
    Engagement: _engagement_q,
    FollowUp: _follow_up_q,
    Report: _report_q,
    Notification: _notification_q,
    ReportComment: _report_comment_q,
    MandateTask: _plan_q,
    # Narratives are the mission's internal drafts until a released report carries them to HQ.
    Narrative: _mission_members_q,
    Overview: _mission_members_q,
    # Evidence is listed with the record it supports; partners and HQ never see the mission's evidence.
    Attachment: _mission_members_q,
}


def sees_whole_mission(user, model: type[Model], mission_id: int) -> bool:
    """Whether the user's view of `model` in this mission is every row of it, so a mission-wide summary
    (e.g. the dashboard trend) may answer for them. `SYSTEM` sees everything."""
    if is_system(user):
        return True
    m = membership(user, mission_id)
    return m is not None and VIEW_RULES[model](m) == EVERYTHING


def view_q(user, model: type[Model]) -> Q:
    """The filter that selects the rows of `model` the user may view, across all their missions."""
    path = MISSION_PATH[model]
    q = NOTHING
    for mission_id, m in memberships(user).items():
        rule = VIEW_RULES[model](m)
        if rule != NOTHING:
            q |= Q(**{path: mission_id}) & rule
    if model in SECURITY_PLAN_PATH:
        granted = _granted_security_plan_ids(user)
        if granted:
            q |= Q(**{f"{SECURITY_PLAN_PATH[model]}__in": granted})
    return q


def scope(user, queryset: QuerySet) -> QuerySet:
    """The rows of `queryset` the user may view. Library outputs are public to every signed-in user."""
    model = queryset.model
    if user is SYSTEM:
        return queryset
    if model is LibraryOutput:
        return queryset if getattr(user, "is_authenticated", False) else queryset.none()
    if model is AuditEvent:
        q = _audit_q(user)
        return queryset.none() if q == NOTHING else queryset.filter(q)
    q = view_q(user, model)
    if q == NOTHING:
        return queryset.none()
    result = queryset.filter(q)
    # Joins through grants can repeat a row (engagement rules use subqueries and never do).
    if model is Incident:
        result = result.distinct()
    return result


# --- actions on one object ----------------------------------------------------------------------


def mission_id_of(obj: Model) -> int:
    """The mission of any domain object, following the paths of MISSION_PATH (no query when cached)."""
    if isinstance(obj, Mission):
        return obj.pk
    path = MISSION_PATH[type(obj)].removesuffix("_id").split("__")
    value = obj
    for step in path[:-1]:
        value = getattr(value, step)
    return getattr(value, f"{path[-1]}_id")


def _lead_component_id(obj: Model) -> int | None:
    """The component that leads a plan item: its own lead, else its output's."""
    if isinstance(obj, OperationalOutput):
        return obj.lead_component_id
    if isinstance(obj, Benchmark | Activity):
        return obj.lead_component_id or obj.output.lead_component_id
    if isinstance(obj, Indicator):
        return _lead_component_id(obj.benchmark) if obj.benchmark_id else obj.output.lead_component_id
    if isinstance(obj, IndicatorValue):
        return _lead_component_id(obj.indicator)
    if isinstance(obj, Risk):
        return obj.owner_id or obj.output.lead_component_id
    if isinstance(obj, Assessment):
        return _lead_component_id(obj.benchmark)
    if isinstance(obj, Narrative):
        return obj.output.lead_component_id
    return None


def _leads(m: Membership, obj: Model) -> bool:
    return m.role == Role.STAFF and m.component_id == _lead_component_id(obj)


def _security_plan_of(obj: Model) -> SecurityPlan | None:
    if isinstance(obj, SecurityPlan):
        return obj
    if isinstance(obj, PollingSite | Threat | SecurityTask | TransportLeg):
        return obj.security_plan
    return None


def _can_edit_security(user, m: Membership | None, obj: Model) -> bool:
    plan = _security_plan_of(obj)
    if plan is not None and plan.is_frozen:
        return False
    if is_staff_of(m, {Kind.ELECTORAL}) or is_leadership(m):
        return True
    if plan is not None and plan.pk in _granted_security_plan_ids(user, "elections.change_securityplan"):
        return True
    # Military and police staff edit the security tasks (and escorted transport) their component provides.
    if isinstance(obj, SecurityTask) and is_staff_of(m, {Kind.MILITARY, Kind.POLICE}):
        return obj.component_id == m.component_id
    return False


def can(user, action: Action, obj: Model) -> bool:
    """Whether `user` may do `action` on `obj`. Viewing is decided by the same rules as `scope`."""
    if user is SYSTEM:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    m = membership(user, mission_id_of(obj))
    if action == Action.VIEW:
        return _can_view(user, m, obj)
    if m is None or not _can_view(user, m, obj):
        return False
    model = type(obj)
    if model in {OperationalOutput, Activity, Benchmark, Indicator, IndicatorValue, Risk}:
        if action == Action.EDIT:
            return is_leadership(m) or _leads(m, obj)
        if action == Action.ASSESS and model is Benchmark:
            return (is_leadership(m) or _leads(m, obj)) and not obj.is_retired
        return False
    if model is Mission:
        return action == Action.EDIT and m.role == Role.HOM
    if model in {ElectionPlan, ElectoralPhase, Milestone}:
        return action == Action.EDIT and (is_leadership(m) or is_staff_of(m, {Kind.ELECTORAL}))
    if model in {SecurityPlan, PollingSite, Threat, SecurityTask, TransportLeg}:
        if action == Action.EDIT:
            return _can_edit_security(user, m, obj)
        if action == Action.SUBMIT and model is SecurityPlan:
            return obj.status in {SecurityPlan.Status.DRAFT, SecurityPlan.Status.RETURNED} and (
                is_staff_of(m, {Kind.ELECTORAL}) or m.role == Role.HOM
            )
        if action == Action.APPROVE and model is SecurityPlan:
            return m.role == Role.HOM and obj.status == SecurityPlan.Status.SUBMITTED
        return False
    if model is Incident:
        return action == Action.EDIT and (is_leadership(m) or is_staff_of(m, SECURITY_COMPONENTS))
    if model in {Partner, Contact}:
        return action == Action.EDIT and (is_leadership(m) or is_staff_of(m, PARTNER_KEEPERS))
    if model is Engagement:
        return action == Action.EDIT and (
            is_leadership(m) or (m.role == Role.STAFF and m.component_id == obj.component_id)
        )
    if model is FollowUp:
        if action == Action.COMPLETE:
            if obj.status != FollowUp.Status.OPEN:
                return False
            if m.role == Role.PARTNER:
                return obj.partner_id == m.partner_id
            return (
                is_leadership(m)
                or obj.owner_id == user.pk
                or (m.role == Role.STAFF and m.component_id == obj.engagement.component_id)
            )
        if action == Action.EDIT:
            return is_leadership(m) or (m.role == Role.STAFF and m.component_id == obj.engagement.component_id)
        return False
    if model is Report:
        return action == Action.APPROVE and m.role == Role.HOM
    if model is Notification:
        # Marking read is the only change, and only the recipient's.
        return action == Action.EDIT and obj.recipient_id == user.pk
    if model is MandateTask:
        return action == Action.EDIT and is_leadership(m)
    if model is Narrative:
        if action in {Action.EDIT, Action.SUBMIT}:
            return obj.is_editable and (is_leadership(m) or _leads(m, obj))
        if action == Action.APPROVE:
            return obj.status == Narrative.Status.SUBMITTED and _validates(m, obj.output)
        return False
    if model is Overview:
        return action == Action.EDIT and m.role == Role.HOM
    return False


def _validates(m: Membership, output: OperationalOutput) -> bool:
    """The HoM, or the MLT member who leads the output: the one whose area (membership component) is the
    output's lead component. An MLT member with no area assigned speaks for the whole leadership team."""
    if m.role == Role.HOM:
        return True
    return m.role == Role.MLT and (m.component_id is None or m.component_id == output.lead_component_id)


def can_manage_gazetteer(user, mission_id: int | None) -> bool:
    """The mission's administrative areas (the gazetteer page, its imports, the API's import action): the
    Head of Mission, the leadership team, and members granted `missions.gazetteer` on the mission
    (django-guardian; granting it to a non-member opens nothing)."""
    if user is SYSTEM:
        return True
    m = membership(user, mission_id)
    return m is not None and (is_leadership(m) or _gazetteer_granted(m))


def can_view_mandate(user, mission: Mission) -> bool:
    """The mandate page: everyone who reads the results framework (not partner focal points)."""
    m = membership(user, mission.pk)
    return m is not None and _plan_q(m) != NOTHING


def can_view_narratives(user, mission: Mission) -> bool:
    """The narratives of the mission's reporting periods: its own members (HQ reads them in released reports)."""
    m = membership(user, mission.pk)
    return m is not None and _mission_members_q(m) != NOTHING


def can_validate_narrative(user, narrative: Narrative) -> bool:
    """Whether the user may validate or return a submitted narrative."""
    return can(user, Action.APPROVE, narrative)


def can_comment_report(user, report: Report, *, answering: bool) -> bool:
    """HQ readers comment on a released report; the HoM and the MLT answer their comments (and HQ may answer back)."""
    m = membership(user, report.mission_id)
    if m is None or not report.is_released or not _can_view(user, m, report):
        return False
    if m.role == Role.HQ:
        return True
    return answering and is_leadership(m)


def can_attach_evidence(user, target: Model) -> bool:
    """Whether the user may add evidence to `target` (an assessment, a narrative or an engagement)."""
    if isinstance(target, Assessment):
        return can(user, Action.ASSESS, target.benchmark)
    if isinstance(target, Narrative | Engagement):
        return can(user, Action.EDIT, target)
    return False


def can_view_evidence(user, attachment: Attachment) -> bool:
    """Evidence is seen by whoever may see the record it supports, within the mission's own members."""
    return (
        can(user, Action.VIEW, attachment)
        and attachment.target is not None
        and can(user, Action.VIEW, attachment.target)
    )


def _can_view(user, m: Membership | None, obj: Model) -> bool:
    model = type(obj)
    if isinstance(obj, LibraryOutput):
        return True
    if model in SECURITY_PLAN_PATH and _granted_security_plan_ids(user):
        # An explicit grant is a row-level rule: ask the database, as `scope` does.
        return scope(user, model.objects.filter(pk=obj.pk)).exists()
    if m is None:
        return False
    rule = VIEW_RULES[model](m)
    if rule == EVERYTHING:
        return True
    if rule == NOTHING:
        return False
    return scope(user, model.objects.filter(pk=obj.pk)).exists()


def can_add(user, model: type[Model], parent: Model, **fields) -> bool:
    """Whether `user` may create a `model` row under `parent` (a mission or the row it belongs to).

    `fields` carries values that decide the rule, e.g. `kind` for a report or `component` for a task.
    """
    if user is SYSTEM:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    m = membership(user, mission_id_of(parent))
    if m is None or not _can_view(user, m, parent):
        return False
    if model is OperationalOutput:
        return is_leadership(m)
    if model in {Activity, Benchmark, Indicator, Risk}:
        return is_leadership(m) or _leads(m, parent)
    if model is IndicatorValue:
        return can(user, Action.EDIT, parent) or (m.role == Role.STAFF and _leads(m, parent))
    if model is Assessment:
        return can(user, Action.ASSESS, parent)
    if model in {ElectionPlan, ElectoralPhase, Milestone}:
        return is_leadership(m) or is_staff_of(m, {Kind.ELECTORAL})
    if model is SecurityPlan:
        return is_leadership(m) or is_staff_of(m, {Kind.ELECTORAL})
    if model in {PollingSite, Threat, TransportLeg}:
        return _can_edit_security(user, m, parent)
    if model is SecurityTask:
        component = fields.get("component")
        if isinstance(parent, SecurityPlan) and is_staff_of(m, {Kind.MILITARY, Kind.POLICE}) and not parent.is_frozen:
            return component is not None and getattr(component, "pk", component) == m.component_id
        return _can_edit_security(user, m, parent)
    if model is Incident:
        return is_leadership(m) or is_staff_of(m, SECURITY_COMPONENTS)
    if model in {Partner, Contact}:
        return is_leadership(m) or is_staff_of(m, PARTNER_KEEPERS)
    if model is Engagement:
        # Staff log engagements for their own component (they could not edit them otherwise).
        component = fields.get("component")
        if m.role == Role.STAFF and component is not None:
            return getattr(component, "pk", component) == m.component_id
        return is_leadership(m) or m.role == Role.STAFF
    if model is FollowUp:
        return can(user, Action.EDIT, parent)
    if model is MandateTask:
        return is_leadership(m)
    if model is Narrative:
        return is_leadership(m) or _leads(m, parent)
    if model is Overview:
        return m.role == Role.HOM
    if model is Report:
        kind = fields.get("kind", ReportKind.PROGRESS)
        if kind == ReportKind.ELECTION_SECURITY:
            return is_leadership(m) or is_staff_of(m, SECURITY_COMPONENTS)
        return is_leadership(m) or m.role == Role.STAFF
    return False


def can_view_incidents(user, election_plan: ElectionPlan) -> bool:
    """Whether the user may open an election's incident log: security roles, or a grant on one of its plans."""
    return (
        can_add(user, Incident, election_plan)
        or scope(user, SecurityPlan.objects.filter(election_plan=election_plan)).exists()
    )


def can_revise_plan(user, security_plan: SecurityPlan) -> bool:
    """Whether the user may start a new revision from this security plan: it is approved, it is the
    election's latest revision, and the user may create security plans there (one query)."""
    return (
        security_plan.status == SecurityPlan.Status.APPROVED
        and can_add(user, SecurityPlan, security_plan.election_plan)
        and not SecurityPlan.objects.filter(
            election_plan_id=security_plan.election_plan_id, revision__gt=security_plan.revision
        ).exists()
    )


def can_add_task(user, security_plan: SecurityPlan) -> bool:
    """Whether the user may add a security task to the plan for some component: planners for any,
    military and police staff for their own component."""
    if can_add(user, SecurityTask, security_plan):
        return True
    m = membership(user, mission_id_of(security_plan))
    return (
        m is not None
        and m.component_id is not None
        and can_add(user, SecurityTask, security_plan, component=m.component_id)
    )


def can_see_internal_engagement_fields(user, mission_id: int) -> bool:
    """Whether the user reads an engagement's internal links (component, partners, outputs, benchmarks,
    officers, author) in this mission: the mission's own people, not partner focal points nor HQ."""
    return "partners" in sections_for(user, mission_id)


def can_see_internal_engagement_fields_everywhere(user) -> bool:
    """The same in every mission of the user: lists spanning missions filter or order on those fields only then."""
    return all(can_see_internal_engagement_fields(user, mission_id) for mission_id in memberships(user))


def can_see_partner_screening_everywhere(user) -> bool:
    return all(can_see_partner_screening(user, mission_id) for mission_id in memberships(user))


def can_see_partner_screening(user, mission_id: int) -> bool:
    """Whether the user reads a partner's due-diligence screening: the mission's own people, never the partner."""
    return "partners" in sections_for(user, mission_id)


def can_open_dashboard(user, mission_id: int | None) -> bool:
    return "dashboard" in sections_for(user, mission_id)


def can_open_elections(user, mission_id: int | None) -> bool:
    """The election plans (cycle and milestones): the mission's own people."""
    return "elections" in sections_for(user, mission_id)


def can_open_security(user, mission_id: int | None) -> bool:
    """Whether security plans exist for the user at all (else they answer 404, not 403)."""
    return "security" in sections_for(user, mission_id)


def can_open_partners(user, mission_id: int | None) -> bool:
    """The partner registry and the engagement log."""
    return "partners" in sections_for(user, mission_id)


def can_open_portal(user, mission_id: int | None) -> bool:
    """The partner portal: partner focal points only."""
    return "portal" in sections_for(user, mission_id)


def can_open_reports(user, mission_id: int | None) -> bool:
    return "reports" in sections_for(user, mission_id)


def can_request_reports(user, mission_id: int | None) -> bool:
    return "report_requests" in sections_for(user, mission_id)


def can_load_framework(user) -> bool:
    """The framework library is shared by every mission: commands (SYSTEM) and superusers load it."""
    return user is SYSTEM or bool(getattr(user, "is_superuser", False))


def can_open_admin(user) -> bool:
    """The Django admin link: superusers (the admin itself keeps Django's own staff check)."""
    return user is not SYSTEM and bool(getattr(user, "is_superuser", False))


def mission_officers(mission_id: int) -> QuerySet:
    """Users who may be an engagement's officers present or own a follow-up: the mission's leadership and staff."""
    return get_user_model().objects.filter(
        memberships__mission_id=mission_id, memberships__role__in=[Role.HOM, Role.MLT, Role.STAFF]
    )


def officer_choices(user) -> QuerySet:
    """The users `user` may name as officers present or follow-up owners, across their missions (the service
    then checks the engagement's own mission). Anyone else is answered like an id that does not exist."""
    officers = get_user_model().objects.filter(memberships__role__in=[Role.HOM, Role.MLT, Role.STAFF])
    if user is not SYSTEM:
        officers = officers.filter(memberships__mission_id__in=list(memberships(user)))
    return officers.distinct()


def head_of_mission(mission_id: int):
    """The mission's Head of Mission (the first one, if several), or None: who scheduled reports are requested for."""
    m = Membership.objects.filter(mission_id=mission_id, role=Role.HOM).select_related("user").order_by("id").first()
    return m.user if m else None


def get_import_job_for_user(user, pk):
    """An import job (missions.pipeline) with its importer and target, for the person who uploaded it while
    they may still import that kind into that target; Http404 for anyone else (a job is personal: it holds
    their file)."""
    from missions.pipeline import importer_for

    job = ImportJob.objects.filter(pk=pk).select_related("mission").first()
    if job is None or not getattr(user, "is_authenticated", False) or job.user_id != user.pk:
        raise Http404
    importer = importer_for(job.kind)
    target = importer.target(job)
    if membership(user, job.mission_id) is None or not importer.allowed(user, target):
        raise Http404
    return job, importer, target


def get_for_user(user, queryset: QuerySet | type[Model], pk, action: Action = Action.VIEW):
    """Fetch one object the user may view, or raise Http404; then check `action` (PermissionDenied)."""
    if isinstance(queryset, type):
        queryset = queryset.objects.all()
    try:
        obj = scope(user, queryset).get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if action != Action.VIEW and not can(user, action, obj):
        raise PermissionDenied(locked_reason(obj) if action == Action.EDIT else "")
    return obj


def locked_reason(obj: Model) -> str:
    """Why a security plan revision, or an item of it, cannot be changed by anyone now ("" when it can).

    A submitted revision is locked while it awaits the Head of Mission's decision; an approved one is
    frozen. Pages and the API give this reason instead of the generic "your role does not allow this",
    which would send people to ask for a role they already have.
    """
    plan = _security_plan_of(obj)
    if plan is None or not plan.is_frozen:
        return ""
    if plan.status == SecurityPlan.Status.APPROVED:
        return _("This revision is approved and frozen. To change it, open a new revision from the overview.")
    return _("This revision is submitted to the Head of Mission and cannot be edited until it is decided.")


def require_add(user, model: type[Model], parent: Model, **fields) -> None:
    """`can_add`, raising PermissionDenied (with the lock reason when the parent revision is locked)."""
    if not can_add(user, model, parent, **fields):
        raise PermissionDenied(locked_reason(parent))


# --- navigation ---------------------------------------------------------------------------------


def sections_for(user, mission_id: int | None) -> set[str]:
    """The areas of the site a user's role in a mission opens (drives the navigation)."""
    m = membership(user, mission_id)
    if m is None:
        return set()
    sections = {"home"}
    if m.role != Role.PARTNER:
        sections |= {"dashboard", "reports"}
    if m.role not in {Role.PARTNER, Role.HQ}:
        sections |= {"partners", "engagements", "elections", "report_requests"}
    if is_leadership(m) or is_staff_of(m, SECURITY_COMPONENTS) or _granted_security_plan_ids(user):
        sections.add("security")
    if m.role == Role.PARTNER:
        sections.add("portal")
    if can_view_audit(user, mission_id):
        sections.add("audit")
    if m.role != Role.PARTNER:
        sections.add("mandate")
    if can_manage_gazetteer(user, mission_id):
        sections.add("gazetteer")
    return sections


@dataclass(frozen=True)
class Navigation:
    """What the menus and the home page offer the user in their current mission."""

    dashboard: bool = False
    elections: bool = False  # the Elections area: election plans, security plans, or both
    security: bool = False
    partners: bool = False
    portal: bool = False
    reports: bool = False
    report_requests: bool = False
    mandate: bool = False
    admin: bool = False
    audit: bool = False
    gazetteer: bool = False


def navigation(user, mission_id: int | None) -> Navigation:
    sections = sections_for(user, mission_id)
    return Navigation(
        dashboard="dashboard" in sections,
        elections="elections" in sections or "security" in sections,
        security="security" in sections,
        partners="partners" in sections,
        portal="portal" in sections,
        reports="reports" in sections,
        report_requests="report_requests" in sections,
        mandate="mandate" in sections,
        admin=can_open_admin(user),
        audit="audit" in sections,
        gazetteer="gazetteer" in sections,
    )


# --- accounts and the audit trail -----------------------------------------------------------------

# Roles whose accounts open the most: the HoM signs off for the mission, HQ desk officers read several missions.
TWO_FACTOR_ROLES = frozenset({Role.HOM, Role.HQ})


def must_use_two_factor(user) -> bool:
    """Whether the user must pass a second factor (TOTP) after their password: superusers, and anyone who
    is Head of Mission or an HQ desk officer in any mission. Others may opt in."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return any(m.role in TWO_FACTOR_ROLES for m in memberships(user).values())


def can_view_audit(user, mission_id: int | None) -> bool:
    """The Head of Mission reads their mission's audit trail (superusers read all of it in the admin)."""
    m = membership(user, mission_id)
    return m is not None and m.role == Role.HOM


def audit_in_mission_q(mission_id: int) -> Q:
    """The events of one mission: its own, and its members' sign-in events (which have no mission)."""
    members = Membership.objects.filter(mission_id=mission_id).values("user_id")
    return Q(mission_id=mission_id) | Q(mission__isnull=True, user_id__in=members)


def _audit_q(user) -> Q:
    """A HoM's mission's events, and the sign-in events (which have no mission) of that mission's members."""
    q = NOTHING
    for mission_id in memberships(user):
        if can_view_audit(user, mission_id):
            q |= audit_in_mission_q(mission_id)
    return q


# --- work that awaits someone (the "my work" inbox, notifications and reminders) ---------------------


class Work(StrEnum):
    """The areas of a person's inbox. The same areas decide who is reminded of what."""

    PLANS_TO_DECIDE = "plans_to_decide"  # security plans submitted for approval
    REPORTS_TO_SIGN = "reports_to_sign"  # generated reports awaiting approval or release
    PLANS_RETURNED = "plans_returned"  # security plans returned with the HoM's comment
    COMPONENT_PLAN = "component_plan"  # benchmarks to assess, risks to review, indicators to report
    OWN_FOLLOW_UPS = "own_follow_ups"  # follow-ups the person owns
    SCREENINGS = "screenings"  # partners whose due diligence screening lapses or has lapsed
    PARTNER_FOLLOW_UPS = "partner_follow_ups"  # follow-ups assigned to the person's organisation
    RELEASED_REPORTS = "released_reports"  # reports newly released to HQ
    NARRATIVES_TO_VALIDATE = "narratives_to_validate"  # narratives submitted to the person for validation
    NARRATIVES_RETURNED = "narratives_returned"  # narratives of the person's component returned with comments
    REPORT_COMMENTS = "report_comments"  # HQ comments on released reports awaiting the mission's answer
    COMMENT_ANSWERS = "comment_answers"  # the mission's answers to the HQ reader's comments


def work_areas(user, mission_id: int | None) -> set[Work]:
    """The inbox areas a user's role in a mission opens. Each area's items are still scoped row by row."""
    m = membership(user, mission_id)
    if m is None:
        return set()
    if m.role == Role.PARTNER:
        return {Work.PARTNER_FOLLOW_UPS}
    if m.role == Role.HQ:
        return {Work.RELEASED_REPORTS, Work.COMMENT_ANSWERS}
    areas = {Work.OWN_FOLLOW_UPS}
    if m.role == Role.HOM:
        areas |= {Work.PLANS_TO_DECIDE, Work.REPORTS_TO_SIGN}
    if is_leadership(m):
        areas |= {Work.NARRATIVES_TO_VALIDATE, Work.REPORT_COMMENTS}
    if m.role == Role.STAFF and m.component_id:
        areas.add(Work.NARRATIVES_RETURNED)
    if is_staff_of(m, {Kind.ELECTORAL}):
        areas.add(Work.PLANS_RETURNED)
    if m.role in {Role.MLT, Role.STAFF} and m.component_id:
        areas.add(Work.COMPONENT_PLAN)
    if is_staff_of(m, PARTNER_KEEPERS):
        areas.add(Work.SCREENINGS)
    return areas


def _led_by(component_id: int, lead: str, fallback: str) -> Q:
    # An item's own lead, else its parent's: the rule of `_lead_component_id`, as SQL.
    return Q(**{lead: component_id}) | Q(**{f"{lead.removesuffix('_id')}__isnull": True, fallback: component_id})


def led_q(user, model: type[Model], mission_id: int) -> Q:
    """The plan items (benchmarks, risks, indicators) of one mission that the user's component leads."""
    m = membership(user, mission_id)
    if m is None or not m.component_id or m.role not in {Role.MLT, Role.STAFF}:
        return NOTHING
    c = m.component_id
    if model is Benchmark:
        return _led_by(c, "lead_component_id", "output__lead_component_id")
    if model is Risk:
        return _led_by(c, "owner_id", "output__lead_component_id")
    if model is Indicator:
        with_benchmark = Q(benchmark__isnull=False) & (
            Q(benchmark__lead_component_id=c)
            | Q(benchmark__lead_component__isnull=True, benchmark__output__lead_component_id=c)
        )
        return with_benchmark | Q(benchmark__isnull=True, output__lead_component_id=c)
    if model is Narrative:
        return Q(output__lead_component_id=c)
    return NOTHING


def validates_q(user, mission_id: int) -> Q:
    """The narratives of one mission the user validates (`_validates` as SQL): all of them for the HoM and an
    MLT member with no area; those of the outputs their component leads for an MLT member with one."""
    m = membership(user, mission_id)
    if m is None or m.role not in LEADERSHIP:
        return NOTHING
    if m.role == Role.HOM or m.component_id is None:
        return EVERYTHING
    return Q(output__lead_component_id=m.component_id)


def leadership_user_ids(mission_id: int) -> QuerySet:
    """The ids of the mission's leadership (HoM, MLT), as a subquery: who answers HQ's comments for the
    mission, so the inbox can tell a thread that awaits the mission's answer from one answered already."""
    return Membership.objects.filter(mission_id=mission_id, role__in=LEADERSHIP).values("user_id")


def leads(user, obj: Model) -> bool:
    """Whether the user's component leads this plan item (benchmark, risk, indicator): they assess, review
    and report it, and are reminded of it."""
    m = membership(user, mission_id_of(obj))
    return m is not None and m.role in {Role.MLT, Role.STAFF} and m.component_id == _lead_component_id(obj)


def is_assignee(user, follow_up: FollowUp) -> bool:
    """Whether the follow-up is the user's to do: they own it, or it is assigned to their organisation."""
    if follow_up.owner_id is not None and follow_up.owner_id == user.pk:
        return True
    m = membership(user, mission_id_of(follow_up))
    return m is not None and m.role == Role.PARTNER and m.partner_id == follow_up.partner_id


def members(mission_id: int) -> list:
    """The mission's users, in one query, with their membership there remembered, so that asking this
    module about them for one of the mission's objects costs no further query (security plan grants aside)."""
    found = []
    for m in Membership.objects.filter(mission_id=mission_id).select_related("user", "component", "mission"):
        user = m.user
        cached = getattr(user, "_mandate_memberships", None)
        if cached is None:
            # Only this mission is known: enough for questions about its objects, which is what callers ask.
            user._mandate_memberships = {mission_id: m}
        found.append(user)
    return found


def users_who_may(action: Action, obj: Model, *, among=None) -> list:
    """The mission members who may do `action` on `obj`; `among(user)` narrows them further. For telling
    people about an object: nobody is told about what they may not see."""
    return [u for u in members(mission_id_of(obj)) if (among is None or among(u)) and can(u, action, obj)]
