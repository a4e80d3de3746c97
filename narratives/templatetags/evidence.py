"""`{% evidence_panel record %}`: the evidence attached to an assessment, a narrative or an engagement, with the
upload form for those who may add some. One query for the attachments, whatever the page."""

from django import template

from mandate import access
from narratives import selectors
from narratives.forms import AttachmentForm
from narratives.views import EVIDENCE_TARGETS

register = template.Library()


@register.inclusion_tag("narratives/_evidence.html", takes_context=True)
def evidence_panel(context, target, heading_level: int = 2, listed=None):
    """`listed`: the records whose evidence is listed (default: the target alone), e.g. every assessment of a
    benchmark, while new evidence goes to `target` (the latest one). Still one query."""
    user = context["request"].user
    kind = next(k for k, model in EVIDENCE_TARGETS.items() if isinstance(target, model))
    records = list(listed) if listed else [target]
    found = selectors.attachments_for(user=user, targets=records)
    attachments = [a for items in found.values() for a in items]
    attachments.sort(key=lambda a: (a.uploaded_at, a.pk))
    return {
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
        "target": target,
        "kind": kind,
        "attachments": attachments,
        "form": AttachmentForm(auto_id=f"id_evidence_{kind}_{target.pk}_%s")
        if access.can_attach_evidence(user, target)
        else None,
        "heading": f"h{heading_level}",
    }
