"""Posting the admin's change forms as a browser would: the rendered form's values, changed where a test says."""

from __future__ import annotations

from django.contrib.admin.widgets import ManyToManyRawIdWidget


def admin_post_data(response) -> dict:
    """The change form's data as the browser would post it back unchanged (fields and inlines)."""
    data = {}

    def put(form):
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            if isinstance(value, list | tuple):  # many-to-many: a raw-id box takes the ids comma-separated
                raw = isinstance(form.fields[name].widget, ManyToManyRawIdWidget)
                value = ",".join(map(str, value)) if raw else [str(v) for v in value]
            data[form.add_prefix(name)] = value if isinstance(value, list | str) else str(value)

    put(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        put(inline.formset.management_form)
        for form in inline.formset.forms:
            put(form)
    return data
