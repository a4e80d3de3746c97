from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from elections.models import ElectionPlan
from mandate import access
from reports.models import PaperSize, Report, ReportKind, SectionsBy
from reports.services import previous_month


class ReportRequestForm(forms.Form):
    """What a report covers. Kinds the user may not request are not offered (access.can_add decides)."""

    kind = forms.ChoiceField(label=_("Report"), choices=())
    period_start = forms.DateField(label=_("Period from"), widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_("to"), widget=forms.DateInput(attrs={"type": "date"}))
    election_plan = forms.ModelChoiceField(
        label=_("Election (for the election security report)"), queryset=ElectionPlan.objects.none(), required=False
    )
    paper_size = forms.ChoiceField(label=_("Paper size"), choices=PaperSize.choices, initial=PaperSize.A4)
    language = forms.ChoiceField(
        label=_("Language of the report"),
        choices=settings.LANGUAGES,
        help_text=_("For example French for the mission, English for UNHQ."),
    )
    sections_by = forms.ChoiceField(
        label=_("Progress report sections"), choices=SectionsBy.choices, initial=SectionsBy.OUTPUT
    )
    include_unvalidated = forms.TypedChoiceField(
        label=_("Narratives not yet validated"),
        choices=[("true", _("Include them, marked as not validated")), ("false", _("Leave them out"))],
        coerce=lambda value: value == "true",
        initial="true",
    )

    def __init__(self, *args, user, mission, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            (value, label) for value, label in ReportKind.choices if access.can_add(user, Report, mission, kind=value)
        ]
        self.fields["election_plan"].queryset = access.scope(
            user, ElectionPlan.objects.filter(mission=mission)
        ).order_by("-polling_start")
        if not self.is_bound:
            self.initial.setdefault("language", get_language() or mission.default_language)
            start, end = previous_month(timezone.localdate())
            self.initial.setdefault("period_start", start)
            self.initial.setdefault("period_end", end)

    def clean(self):
        data = super().clean()
        if data.get("kind") == ReportKind.ELECTION_SECURITY and not data.get("election_plan"):
            self.add_error("election_plan", _("Choose the election this report is about."))
        return data


class ReportCommentForm(forms.Form):
    """A comment on a released report, or an answer in one of its threads (`parent`)."""

    body = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5_000)
    section = forms.ChoiceField(label=_("About"), required=False, choices=())
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, sections: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].choices = [("", _("The whole report")), *sections]
