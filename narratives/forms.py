from django import forms
from django.utils.translation import gettext_lazy as _

from benchmarks.models import Benchmark, OperationalOutput
from missions.edit import VersionField
from narratives.models import MandateTask, Narrative


class VersionedForm(forms.Form):
    """A form that carries the version the editor started from (checked by the service, see missions.edit)."""

    version = VersionField()


class MandateTaskForm(VersionedForm):
    resolution = forms.CharField(label=_("Resolution"), max_length=60, help_text=_("e.g. S/RES/2640 (2022)"))
    paragraph = forms.CharField(label=_("Operative paragraph"), max_length=20, help_text=_("e.g. 12 (a)"))
    short_title = forms.CharField(label=_("Short title"), max_length=200)
    text = forms.CharField(label=_("Text of the paragraph"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    priority = forms.ChoiceField(label=_("Priority"), choices=MandateTask.Priority.choices)
    order = forms.IntegerField(label=_("Position in the resolution"), min_value=0, initial=0)
    outputs = forms.ModelMultipleChoiceField(
        label=_("Outputs serving it"), queryset=OperationalOutput.objects.none(), required=False
    )
    benchmarks = forms.ModelMultipleChoiceField(
        label=_("Benchmarks serving it"), queryset=Benchmark.objects.none(), required=False
    )

    def __init__(self, *args, outputs, benchmarks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outputs"].queryset = outputs
        self.fields["benchmarks"].queryset = benchmarks
        self.fields["benchmarks"].label_from_instance = lambda b: f"{b.output.title}: {b.statement[:90]}"


class MandateImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=_("Columns: resolution, paragraph, short_title, text, priority (high, medium, low), outputs."),
    )


class NarrativeForm(VersionedForm):
    progress = forms.CharField(
        label=_("Progress"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=Narrative._meta.get_field("progress").help_text,
    )
    challenges = forms.CharField(
        label=_("Challenges and risks"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    next_steps = forms.CharField(
        label=_("Next steps"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=Narrative._meta.get_field("next_steps").help_text,
    )
    rating = forms.ChoiceField(
        label=_("Overall rating"), required=False, choices=[("", "—"), *Narrative._meta.get_field("rating").choices]
    )


class ReviewForm(VersionedForm):
    comment = forms.CharField(
        label=_("Comment to the writer"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you return the narrative."),
    )


class OverviewForm(VersionedForm):
    text = forms.CharField(label=_("Overview of the period"), widget=forms.Textarea(attrs={"rows": 12}))


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("Document or photo"),
        help_text=_("PDF, Word, Excel, PowerPoint, OpenDocument, JPEG or PNG; up to 10 MB."),
    )
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
