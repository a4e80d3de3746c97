from pathlib import Path

from django import forms
from django.utils.translation import gettext_lazy as _

from missions.imports import CSV_EXTENSIONS, XLSX_EXTENSIONS


class GazetteerImportForm(forms.Form):
    """The gazetteer page's upload: an areas table, a GeoJSON file of boundaries, or both."""

    table = forms.FileField(
        label=_("Areas (CSV or XLSX)"),
        required=False,
        help_text=_(
            "One row per area of the lowest level, as in OCHA's common operational datasets: admin1Name_en, "
            "admin1Name_fr, admin1Pcode, admin2Name_en, … You match the columns on the next page."
        ),
    )
    boundaries = forms.FileField(
        label=_("Boundaries (GeoJSON, optional)"),
        required=False,
        help_text=_("One feature per area, matched by the P-code in its properties (ADM2_PCODE, admin2Pcode, pcode)."),
    )

    def clean_table(self):
        table = self.cleaned_data.get("table")
        if table and Path(table.name).suffix.lower() not in CSV_EXTENSIONS | XLSX_EXTENSIONS:
            raise forms.ValidationError(_("Upload a CSV or XLSX file."))
        return table

    def clean_boundaries(self):
        boundaries = self.cleaned_data.get("boundaries")
        if boundaries and Path(boundaries.name).suffix.lower() not in {".geojson", ".json"}:
            raise forms.ValidationError(_("Upload a GeoJSON file (.geojson or .json)."))
        return boundaries

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("table") and not data.get("boundaries"):
            raise forms.ValidationError(_("Choose an areas file, a boundaries file, or both."))
        return data
