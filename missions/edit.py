"""The one edit layer of the HTML pages: versioned forms, their hand-over to services, errors and conflicts.

Every edit page of every app (benchmarks, elections, partners) goes through here:
- `EditForm`: a ModelForm mixin with the hidden `version` the editor loaded, and `service_fields()`, the one
  way a form hands its cleaned data to a service (as keyword arguments: `service(**form.service_fields())`).
- `form_errors(form, exc)`: a service's ValidationError put on the form's fields (unknown keys: form errors).
- `edit_page(...)`: validate, call the service, and handle the outcomes alike everywhere: success -> message
  and redirect; ValidationError -> field errors; ConcurrentEditError -> HTTP 409 with the conflict partial
  (`templates/_conflict.html`: who saved, when, their saved and your typed values side by side), the form
  keeping the user's input but now based on the saved version, so saving again is a deliberate choice.
- `posted_version(request)`: a version posted by a page's button (remove, retire, sign off); a value that
  is not a version answers 400.
- `return_url(request, default)`: where a page goes back to, the `next` address it was opened with (a
  list's page and filters) when that address is on this site.

Versions themselves (parsing, the check under a row lock) are `missions.concurrency`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import NamedTuple

from django import forms
from django.contrib import messages
from django.core.exceptions import BadRequest, ValidationError
from django.db.models import Model, QuerySet
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from missions.concurrency import ConcurrentEditError, parse_version

EMPTY = "—"


# --- forms --------------------------------------------------------------------------------------


class VersionField(forms.IntegerField):
    """The hidden version an edit form was loaded at, parsed like every version (`parse_version`)."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        try:
            return parse_version(value)
        except ValidationError:
            raise ValidationError(
                _("This form lost the version it was loaded at; reload the page."), code="invalid"
            ) from None


class EditForm(forms.ModelForm):
    """A ModelForm that carries the version it was loaded at and hands its data to a service.

    `service_fields()` returns the cleaned values of the form's model fields (not the version, not helper
    fields such as a list of site codes), keyed by name: `service(..., **form.service_fields())`.
    Subclasses narrow or extend it by setting `service_field_names` or overriding `service_fields`.
    """

    version = VersionField()
    service_field_names: Iterable[str] | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "version" in self.fields:
            self.initial.setdefault("version", self.instance.version)

    def service_fields(self) -> dict:
        names = self.service_field_names
        if names is None:
            model_fields = {f.name for f in self._meta.model._meta.get_fields()}
            names = [name for name in self.fields if name in model_fields and name != "version"]
        return {name: self.cleaned_data[name] for name in names if name in self.fields and name in self.cleaned_data}

    def add_errors(self, errors: dict[str, list[str]]) -> None:
        """Field errors from a `validate_*` helper (a dict of messages), on their fields when the form has them."""
        form_errors(self, ValidationError(errors) if errors else None)


def form_errors(form: forms.BaseForm, exc: ValidationError | None) -> None:
    """Put a service's ValidationError on `form`: each message on its field, unknown keys as form errors."""
    if exc is None:
        return
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(name if name in form.fields else None, error)
    else:
        form.add_error(None, exc.messages)


def posted_version(request, *, required: bool = False) -> int | None:
    """The `version` a page's button posted, None when it posted none; 400 for anything not a version.

    `required=True` (removals: every delete checks the version) also answers 400 when none was posted.
    """
    try:
        version = parse_version(request.POST.get("version"))
    except ValidationError as exc:
        raise BadRequest(" ".join(exc.messages)) from None
    if version is None and required:
        raise BadRequest(_("Send the version of the record, as read from the page."))
    return version


def return_url(request, default: str) -> str:
    """The `next` address posted or in the query (the list page, its filters and page number, that opened
    this page) when it stays on this site, else `default`: an address elsewhere is ignored, never followed."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


# --- conflicts ----------------------------------------------------------------------------------


# How to build an edit page's form again: (data or None, the saved row) -> form.
Rebuild = Callable[[object, Model], forms.BaseForm]


class ConflictRow(NamedTuple):
    label: str
    theirs: str
    yours: str
    differs: bool


def conflict_rows(form: forms.BaseForm, saved: forms.BaseForm) -> list[ConflictRow]:
    """(label, their saved value, your value, differs) for each visible field of the bound `form`.

    `saved` is the same form class bound to the saved row's own values (`saved_form`): both sides went
    through the same fields and the same clean methods (model instances, choices, dates, decimals, lists of
    codes alike), so a field nobody changed never shows as different.
    """
    theirs_all = saved.cleaned_data if saved.is_valid() else getattr(saved, "cleaned_data", {})
    rows = []
    for name, field in form.fields.items():
        if field.widget.is_hidden or name not in form.cleaned_data:
            continue
        theirs = theirs_all.get(name, saved[name].initial)
        yours = form.cleaned_data[name]
        rows.append(
            ConflictRow(str(field.label), _show(field, theirs), _show(field, yours), _key(theirs) != _key(yours))
        )
    return rows


def saved_form(rebuild: Rebuild, current: Model) -> forms.BaseForm:
    """The form bound to what is saved in `current`, as if its owner had posted it unchanged."""
    unbound = rebuild(None, current)
    data = {}
    for name, field in unbound.fields.items():
        if isinstance(field, forms.FileField):
            continue
        value = field.prepare_value(unbound[name].initial)
        if value is not None:
            data[unbound.add_prefix(name)] = value
    return rebuild(data, current)


def _key(value):
    """A comparable form of a cleaned value: rows by id, lists unordered, text trimmed, empty as None."""
    if isinstance(value, QuerySet | list | tuple | set):
        return sorted(str(_key(v)) for v in value) or None
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, Decimal):
        return value.normalize()
    if isinstance(value, str):
        value = value.strip().replace("\r\n", "\n")
    if value in (None, "", []):
        return None
    return value


def _show(field: forms.Field, value) -> str:
    if isinstance(value, QuerySet | list | tuple | set):
        return ", ".join(sorted(_show(field, v) for v in value)) or EMPTY
    if value in (None, ""):
        return EMPTY
    choices = getattr(field, "choices", None)
    if choices and isinstance(value, str | int) and not isinstance(value, bool):
        labels = {str(k): v for k, v in _flat(choices)}
        value = labels.get(str(value), value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, Decimal):
        return formats.localize(value.normalize())
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


def _flat(choices):
    for key, label in choices:
        if isinstance(label, list | tuple):
            yield from label
        else:
            yield key, label


def conflict_context(exc: ConcurrentEditError, form: forms.BaseForm, rebuild: Rebuild) -> dict:
    """What `templates/_conflict.html` shows: who saved, when, and the rows of `conflict_rows`."""
    current = exc.current
    history = getattr(current, "history", None)
    last = history.select_related("history_user").first() if history is not None else None
    user = last.history_user if last else None
    return {
        "message": str(exc),
        "by": (user.get_full_name() or user.username) if user else "",
        "at": last.history_date if last else getattr(current, "updated_at", None),
        "rows": conflict_rows(form, saved_form(rebuild, current)),
        "current": current,
    }


def rebased(form: forms.BaseForm, current: Model, rebuild: Rebuild) -> forms.BaseForm:
    """The user's input again, now carrying the saved version: saving once more replaces theirs knowingly."""
    data = form.data.copy()
    data[form.add_prefix("version")] = str(current.version)
    fresh = rebuild(data, current)
    fresh.is_valid()
    return fresh


def model_form_rebuild(form: forms.BaseForm, **form_kwargs) -> Rebuild:
    """How to build `form`'s class again on the saved row (`form_kwargs`: its arguments besides data and instance)."""
    return lambda data, current: type(form)(data, instance=current, **form_kwargs)


# --- the page -----------------------------------------------------------------------------------


def edit_page(
    request,
    *,
    form: forms.BaseForm,
    save: Callable[[forms.BaseForm], object],
    template: str,
    context: dict | None = None,
    success: str,
    redirect_to: Callable[[object], object] | str,
    rebuild: Rebuild | None = None,
    also_valid: Iterable = (),
):
    """Validate `form` (and `also_valid`, e.g. a formset), call `save(form)` (a service), answer alike everywhere.

    - saved: `success` as a message, redirect to `redirect_to` (a URL, or a callable of what `save` returned);
    - ValidationError: its messages on the form's fields, the page again (200);
    - ConcurrentEditError: the page again with status 409, `conflict` (see `conflict_context`) in the
      context and the form rebased on the saved version (`rebased`). `rebuild(data, saved_row)` builds the
      form again (default: the same ModelForm class with no other arguments, see `model_form_rebuild`).
    """
    conflict = None
    rebuild = rebuild or model_form_rebuild(form)
    others = list(also_valid)
    if request.method == "POST" and form.is_valid() and all(o.is_valid() for o in others):
        try:
            saved = save(form)
        except ConcurrentEditError as exc:
            conflict = conflict_context(exc, form, rebuild)
            form = rebased(form, exc.current, rebuild)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect(redirect_to(saved) if callable(redirect_to) else redirect_to)
    page = {**(context or {}), "form": form, "conflict": conflict}
    return render(request, template, page, status=409 if conflict else 200)
