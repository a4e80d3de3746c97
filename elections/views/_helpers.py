"""What every election page shares: paging, fetching a plan or an item, the edit page (`missions.edit`)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from elections.models import (
    SecurityPlan,
)
from mandate import access
from mandate.access import Action
from missions.edit import edit_page, model_form_rebuild, return_url

PAGE_SIZE = 50


def _page(request, queryset, size=PAGE_SIZE):
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def _security_plan(user, pk, action=Action.VIEW) -> SecurityPlan:
    return access.get_for_user(user, SecurityPlan.objects.select_related("election_plan", "previous"), pk, action)


# The page after a save lists at most this many re-rated sites; the plan's history has them all.
RISK_CHANGES_LISTED = 20


def report_risk_changes(request, changes) -> None:
    """Say, after a save, which sites' suggested risk it changed and from what to what (None: not a rating write)."""
    if changes is None:
        return
    if not changes:
        messages.info(request, _("No polling site's suggested risk changed."))
        return
    listed = "; ".join(str(c) for c in changes[:RISK_CHANGES_LISTED])
    more = len(changes) - RISK_CHANGES_LISTED
    text = ngettext(
        "Suggested risk changed at %(n)s site: %(list)s.",
        "Suggested risk changed at %(n)s sites: %(list)s.",
        len(changes),
    ) % {"n": len(changes), "list": listed}
    if more > 0:
        text += " " + _("%(n)s more in the plan's history.") % {"n": more}
    messages.warning(request, text)


def _form_page(request, *, form, save, title, back_url, success, extra=None, delete_url=None):
    """An election edit page through the one edit layer (`missions.edit.edit_page`): `save(form)` calls a
    service and may return the URL to go to next (else `back_url`); a stale version answers 409.
    A save that re-rated polling sites (threats, sites) lists them after the success message.
    `back_url` gives way to the `next` address the page was opened with (a list's page and filters)."""
    back_url = return_url(request, back_url)

    def next_url(saved):
        report_risk_changes(request, getattr(saved, "risk_changes", None))
        return saved if isinstance(saved, str) else back_url

    return edit_page(
        request,
        form=form,
        save=save,
        template="elections/form.html",
        context={"title": title, "back_url": back_url, "delete_url": delete_url, **(extra or {})},
        success=success,
        redirect_to=next_url,
        rebuild=model_form_rebuild(form, **{k: v for k, v in form._init_kwargs.items() if k != "instance"}),
    )


def _make_form(form_class, request, **kwargs):
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    form = form_class(data, files, **kwargs)
    form._init_kwargs = kwargs
    return form
