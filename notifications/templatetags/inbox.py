"""`{% my_work_panel %}`: the inbox on the home page (and wherever a page wants it), from the same selector
as the `my-work` API."""

from django import template

from mandate.context_processors import current_mission
from notifications import selectors

register = template.Library()


@register.inclusion_tag("notifications/_my_work.html", takes_context=True)
def my_work_panel(context):
    request = context["request"]
    areas = context.get("my_work_areas")
    if areas is None:
        areas = selectors.my_work(user=request.user, mission=current_mission(request))
    return {"areas": areas, "total": sum(a.count for a in areas)}
