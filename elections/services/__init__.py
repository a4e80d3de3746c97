"""Writes of election support: election plans, security plan revisions and their items, incidents, imports.

Every function is keyword-only, runs in one transaction, asks `missions.access` whether the user may do
it (PermissionDenied otherwise), and guards edits with `missions.concurrency.claim_version` (a stale
`expected_version` raises ConcurrentEditError, nothing saved). Validation problems raise Django's
ValidationError keyed by field name, which forms show next to the field and the API returns as
`errors`. The `validate_*` helpers are shared with the forms so both give the same messages.

One module a sub-domain (as zulip's zerver/actions/); this package re-exports them all.
"""

from elections.services.incidents import INCIDENT_FIELDS, incident_create, incident_update
from elections.services.plan_items import (
    LEG_FIELDS,
    SITE_FIELDS,
    TASK_FIELDS,
    THREAT_FIELDS,
    plan_item_delete,
    polling_site_create,
    polling_site_update,
    security_task_create,
    security_task_update,
    threat_create,
    threat_update,
    transport_leg_create,
    transport_leg_update,
)
from elections.services.plans import (
    MILESTONE_FIELDS,
    PLAN_FIELDS,
    election_plan_create,
    election_plan_set_phases,
    election_plan_update,
    milestone_create,
    milestone_update,
)
from elections.services.risk import (
    DISTRICT_INCIDENTS_FOR_RAISE,
    RISK_ORDER,
    RISK_SCORE_THRESHOLDS,
    incident_window_days,
    site_risk_refresh,
    suggest_risk,
)
from elections.services.security_plans import (
    security_plan_approve,
    security_plan_create,
    security_plan_new_revision,
    security_plan_return,
    security_plan_submit,
    security_plan_update,
)
from elections.services.site_import import (
    SiteImporter,
    polling_sites_validate,
    polling_sites_write,
)
from elections.services.validation import (
    PHASE_ORDER,
    phase_dates,
    validate_coordinates,
    validate_incident_time,
    validate_phases,
    validate_polling_days,
    validate_task_window,
)

__all__ = [
    "PHASE_ORDER",
    "validate_phases",
    "validate_polling_days",
    "phase_dates",
    "validate_task_window",
    "validate_incident_time",
    "validate_coordinates",
    "PLAN_FIELDS",
    "election_plan_create",
    "election_plan_update",
    "election_plan_set_phases",
    "MILESTONE_FIELDS",
    "milestone_create",
    "milestone_update",
    "security_plan_create",
    "security_plan_update",
    "security_plan_submit",
    "security_plan_approve",
    "security_plan_return",
    "security_plan_new_revision",
    "RISK_ORDER",
    "RISK_SCORE_THRESHOLDS",
    "DISTRICT_INCIDENTS_FOR_RAISE",
    "incident_window_days",
    "suggest_risk",
    "site_risk_refresh",
    "SITE_FIELDS",
    "polling_site_create",
    "polling_site_update",
    "THREAT_FIELDS",
    "threat_create",
    "threat_update",
    "TASK_FIELDS",
    "security_task_create",
    "security_task_update",
    "LEG_FIELDS",
    "transport_leg_create",
    "transport_leg_update",
    "plan_item_delete",
    "INCIDENT_FIELDS",
    "incident_create",
    "incident_update",
    "SiteImporter",
    "polling_sites_validate",
    "polling_sites_write",
]
