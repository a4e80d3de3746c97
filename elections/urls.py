from django.urls import path

from elections import views

app_name = "elections"
urlpatterns = [
    path("", views.index, name="index"),
    # Election plans: the electoral cycle and its milestones.
    path("plans/new/", views.plan_create, name="plan-create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan-detail"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan-edit"),
    path("plans/<int:pk>/phases/", views.plan_phases, name="plan-phases"),
    path("plans/<int:pk>/history/", views.plan_history, name="plan-history"),
    path("plans/<int:pk>/milestones/new/", views.record_create, {"kind": "milestone"}, name="milestone-create"),
    path("milestones/<int:pk>/edit/", views.record_edit, {"kind": "milestone"}, name="milestone-edit"),
    # Incidents belong to the election, whatever the revision of its security plan.
    path("plans/<int:pk>/incidents/", views.incident_list, name="incident-list"),
    path("plans/<int:pk>/incidents/new/", views.record_create, {"kind": "incident"}, name="incident-create"),
    path("incidents/<int:pk>/edit/", views.record_edit, {"kind": "incident"}, name="incident-edit"),
    # Security plan revisions and their workflow.
    path("plans/<int:plan_pk>/security/new/", views.security_plan_create, name="security-plan-create"),
    path("security/<int:pk>/", views.security_plan_detail, name="security-plan-detail"),
    path("security/<int:pk>/edit/", views.security_plan_edit, name="security-plan-edit"),
    path("security/<int:pk>/submit/", views.security_plan_submit, name="security-plan-submit"),
    path("security/<int:pk>/approve/", views.security_plan_approve, name="security-plan-approve"),
    path("security/<int:pk>/return/", views.security_plan_return, name="security-plan-return"),
    path("security/<int:pk>/revise/", views.security_plan_revise, name="security-plan-revise"),
    path("security/<int:pk>/compare/", views.security_plan_compare, name="security-plan-compare"),
    path("security/<int:pk>/readiness/", views.readiness, name="readiness"),
    path("security/<int:pk>/map.svg", views.site_map, name="site-map"),
    # Items of a revision.
    path("security/<int:pk>/sites/", views.site_list, name="site-list"),
    path("security/<int:pk>/sites/new/", views.record_create, {"kind": "site"}, name="site-create"),
    path("security/<int:pk>/sites/import/", views.site_import, name="site-import"),
    path("security/<int:pk>/sites/export.<str:fmt>", views.site_export, name="site-export"),
    path("sites/<int:pk>/edit/", views.site_edit, name="site-edit"),
    path("security/<int:pk>/threats/", views.threat_list, name="threat-list"),
    path("security/<int:pk>/threats/new/", views.record_create, {"kind": "threat"}, name="threat-create"),
    path("threats/<int:pk>/edit/", views.record_edit, {"kind": "threat"}, name="threat-edit"),
    path("security/<int:pk>/tasks/", views.task_list, name="task-list"),
    path("security/<int:pk>/tasks/new/", views.record_create, {"kind": "task"}, name="task-create"),
    path("tasks/<int:pk>/edit/", views.record_edit, {"kind": "task"}, name="task-edit"),
    path("security/<int:pk>/transport/", views.leg_list, name="leg-list"),
    path("security/<int:pk>/transport/new/", views.record_create, {"kind": "leg"}, name="leg-create"),
    path("transport/<int:pk>/edit/", views.record_edit, {"kind": "leg"}, name="leg-edit"),
    path("items/<str:kind>/<int:pk>/delete/", views.item_delete, name="item-delete"),
]
