"""HTML pages of election support, one module a sub-domain. Thin: fetch-and-authorise through
missions.access, validate with a form, write through elections.services, read through elections.selectors."""

from elections.views._helpers import PAGE_SIZE
from elections.views.incidents import incident_list
from elections.views.plan_items import (
    item_delete,
    leg_list,
    task_list,
    threat_list,
)
from elections.views.plans import (
    index,
    plan_create,
    plan_detail,
    plan_edit,
    plan_history,
    plan_phases,
)
from elections.views.records import record_create, record_edit
from elections.views.security_plans import (
    readiness,
    security_plan_approve,
    security_plan_compare,
    security_plan_create,
    security_plan_detail,
    security_plan_edit,
    security_plan_return,
    security_plan_revise,
    security_plan_submit,
    site_map,
)
from elections.views.sites import (
    site_edit,
    site_export,
    site_import,
    site_list,
)

__all__ = [
    "record_create",
    "record_edit",
    "PAGE_SIZE",
    "index",
    "plan_create",
    "plan_detail",
    "plan_edit",
    "plan_phases",
    "plan_history",
    "incident_list",
    "security_plan_create",
    "security_plan_detail",
    "security_plan_edit",
    "security_plan_submit",
    "security_plan_approve",
    "security_plan_return",
    "security_plan_revise",
    "security_plan_compare",
    "readiness",
    "site_map",
    "site_list",
    "site_edit",
    "site_export",
    "site_import",
    "threat_list",
    "task_list",
    "leg_list",
    "item_delete",
]
