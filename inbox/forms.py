from django import forms

from core.models import Notify


class NotifyForm(forms.Form):
    notify = forms.ChoiceField(
        label="Comment être prévenu·e de ce qui attend l'équipe",
        choices=Notify.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez une des trois façons d'être prévenu·e."},
    )
