from django.urls import path

from benchmarks import views

app_name = "benchmarks"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    # The section's entry point for the navigation; the dashboard is the results framework's index.
    path("", views.dashboard, name="index"),
    path("export.csv", views.export, {"fmt": "csv"}, name="export-csv"),
    path("export.xlsx", views.export, {"fmt": "xlsx"}, name="export-xlsx"),
    path("risks/", views.risks, name="risks"),
    path("library/", views.library, name="library"),
    path("outputs/add/", views.item_add, {"kind": "output"}, name="output-add"),
    path("outputs/<int:pk>/", views.output_page, name="output"),
    path("outputs/<int:pk>/edit/", views.item_edit, {"kind": "output"}, name="output-edit"),
    path("outputs/<int:parent_pk>/activities/add/", views.item_add, {"kind": "activity"}, name="activity-add"),
    path("outputs/<int:parent_pk>/benchmarks/add/", views.item_add, {"kind": "benchmark"}, name="benchmark-add"),
    path("outputs/<int:parent_pk>/indicators/add/", views.item_add, {"kind": "indicator"}, name="indicator-add"),
    path("outputs/<int:parent_pk>/risks/add/", views.item_add, {"kind": "risk"}, name="risk-add"),
    path("activities/<int:pk>/edit/", views.item_edit, {"kind": "activity"}, name="activity-edit"),
    path("benchmark/<int:pk>/", views.benchmark_page, name="benchmark"),
    path("benchmark/<int:pk>/edit/", views.item_edit, {"kind": "benchmark"}, name="benchmark-edit"),
    path("benchmark/<int:pk>/assess/", views.assess, name="assess"),
    path("indicators/<int:pk>/", views.indicator_page, name="indicator"),
    path("indicators/<int:pk>/edit/", views.item_edit, {"kind": "indicator"}, name="indicator-edit"),
    path("indicators/<int:parent_pk>/values/add/", views.item_add, {"kind": "value"}, name="value-add"),
    path("values/<int:pk>/edit/", views.item_edit, {"kind": "value"}, name="value-edit"),
    path("risks/<int:pk>/edit/", views.item_edit, {"kind": "risk"}, name="risk-edit"),
    path("<slug:kind>/<int:pk>/retire/", views.item_retire, name="retire"),
]
