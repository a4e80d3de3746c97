import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.models import Delivery, Kind, validate_time_zone


def _zones():
    return [(z, z) for z in sorted(zoneinfo.available_timezones()) if "/" in z or z == "UTC"]


class PreferencesForm(forms.Form):
    """One email choice per kind of notification and the time zone of digests (emails come in the language
    chosen in the header: one setting for pages and emails)."""

    time_zone = forms.ChoiceField(label=_("Time zone"), validators=[validate_time_zone],
                                  help_text=_("Digests are sent from 07:00 in this time zone."))  # fmt: skip

    def __init__(self, *args, current: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = _zones()
        for kind in Kind:
            self.fields[f"kind_{kind.value}"] = forms.ChoiceField(
                label=kind.label, choices=Delivery.choices, initial=current.get(kind.value)
            )

    def kind_fields(self):
        return [self[f"kind_{kind.value}"] for kind in Kind]

    def deliveries(self) -> dict[str, str]:
        return {kind.value: self.cleaned_data[f"kind_{kind.value}"] for kind in Kind}
