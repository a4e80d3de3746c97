from django import forms
from django.utils.translation import gettext_lazy as _

from missions.models import ApiToken


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["name"]
        widgets = {"name": forms.TextInput(attrs={"placeholder": _("e.g. HQ sync script"), "autocomplete": "off"})}


class ImportUploadForm(forms.Form):
    """Step 1 of every import (missions.pipeline): the file. Its columns are matched in the next step."""

    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=_(
            "The first row holds the column names, in English or French; you match them to the fields next. "
            "First sheet of a workbook; CSV in UTF-8."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".txt", ".xlsx", ".xlsm")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        return upload


class ColumnMappingForm(forms.Form):
    """Step 2: which column of the file holds each field of the importer, and the mode.

    One select per field, named `field_<name>`, offering the file's headers by position; `columns()` gives
    {field name: header index} once valid. A header may serve one field only; required fields need one.
    """

    mode = forms.ChoiceField(label=_("Mode"), widget=forms.RadioSelect)

    def __init__(self, *args, importer, headers, initial_columns, mode_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.importer = importer
        choices = [("", _("— not in the file —"))] + [
            (str(i), header or _("(column %(n)s, no name)") % {"n": i + 1}) for i, header in enumerate(headers)
        ]
        for f in importer.fields:
            index = initial_columns.get(f.name)
            self.fields[f"field_{f.name}"] = forms.ChoiceField(
                label=f.label,
                choices=choices,
                required=f.required,
                initial="" if index is None else str(index),
                help_text=f.help,
            )
        self.fields["mode"].choices = mode_choices
        self.fields["mode"].initial = mode_choices[0][0]
        self.order_fields([f"field_{f.name}" for f in importer.fields] + ["mode"])

    def field_rows(self):
        return [self[f"field_{f.name}"] for f in self.importer.fields]

    def clean(self):
        cleaned = super().clean()
        used: dict[str, str] = {}
        for f in self.importer.fields:
            index = cleaned.get(f"field_{f.name}")
            if not index:
                continue
            if index in used:
                self.add_error(
                    f"field_{f.name}",
                    _("This column is already matched to “%(field)s”.") % {"field": used[index]},
                )
            used[index] = str(f.label)
        return cleaned

    def columns(self) -> dict[str, int]:
        return {
            f.name: int(self.cleaned_data[f"field_{f.name}"])
            for f in self.importer.fields
            if self.cleaned_data.get(f"field_{f.name}")
        }
