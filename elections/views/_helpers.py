"""What every election page shares: paging, fetching a plan, the form page with its conflict table."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.shortcuts import redirect, render
from django.utils import timezone

from elections.models import (
    SecurityPlan,
)
from mandate import access
from mandate.access import Action
from missions.concurrency import ConcurrentEditError

PAGE_SIZE = 50


def _page(request, queryset, size=PAGE_SIZE):
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def _security_plan(user, pk, action=Action.VIEW) -> SecurityPlan:
    return access.get_for_user(user, SecurityPlan.objects.select_related("election_plan", "previous"), pk, action)


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            for message in errors:
                form.add_error(name if name in form.fields else None, message)
    else:
        form.add_error(None, exc.messages)


def _show(value) -> str:
    """A value as the conflict table shows it, the same way for the saved row and the form's input."""
    if value in (None, ""):
        return "—"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, list | tuple | set | QuerySet):
        return ", ".join(sorted(str(v) for v in value)) or "—"
    return str(value)


def _saved_value(obj: Model, name: str) -> str:
    try:
        field = obj._meta.get_field(name)
    except FieldDoesNotExist:
        # Helper fields of the threat and task forms stand for their sites, typed as codes.
        if name == "site_codes":
            return _show([site.code for site in obj.sites.all()])
        if name == "site_code":
            return _show(obj.site.code if obj.site_id else None)
        return "—"
    if field.many_to_many:
        return _show(list(getattr(obj, name).all()))
    if field.choices:
        return _show(getattr(obj, f"get_{name}_display")())
    return _show(getattr(obj, name))


def _input_value(field, value) -> str:
    if getattr(field, "choices", None) and isinstance(value, str | int) and not isinstance(value, bool):
        value = dict(field.choices).get(value, value)
    return _show(value)


def _conflict_rows(form, current: Model) -> list[tuple[str, str, str, bool]]:
    """(label, their saved value, your value, differs) for each visible field: what the other person saved."""
    rows = []
    for name, field in form.fields.items():
        if field.widget.is_hidden or name not in form.cleaned_data:
            continue
        theirs, yours = _saved_value(current, name), _input_value(field, form.cleaned_data[name])
        rows.append((str(field.label), theirs, yours, theirs != yours))
    return rows


def _form_page(request, *, form, save, title, back_url, success, extra=None, delete_url=None):
    """Validate `form`, call `save(form)` (a service), and handle the outcomes the same way everywhere.

    A stale version re-renders the form with the other person's values and the new version, so a
    second save is a deliberate choice; validation errors from the service land next to their fields.
    """
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form)
        except ConcurrentEditError as exc:
            conflict = {"message": str(exc), "rows": _conflict_rows(form, exc.current)}
            data = request.POST.copy()
            data["version"] = exc.current.version
            # The user's input again, now carrying the current version: saving once more is a deliberate choice.
            form = type(form)(data, **form._init_kwargs)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect(saved if isinstance(saved, str) else back_url)
    context = {
        "form": form,
        "title": title,
        "back_url": back_url,
        "conflict": conflict,
        "delete_url": delete_url,
        **(extra or {}),
    }
    return render(request, "elections/form.html", context, status=409 if conflict else 200)


def _make_form(form_class, request, **kwargs):
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    form = form_class(data, files, **kwargs)
    form._init_kwargs = kwargs
    return form


def _item(request, model, pk, action=Action.EDIT):
    return access.get_for_user(request.user, model.objects.select_related("security_plan__election_plan"), pk, action)
