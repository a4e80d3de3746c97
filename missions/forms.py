from django import forms
from django.utils.translation import gettext_lazy as _

from missions.models import ApiToken


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["name"]
        widgets = {"name": forms.TextInput(attrs={"placeholder": _("e.g. HQ sync script"), "autocomplete": "off"})}
