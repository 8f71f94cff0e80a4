"""Form pieces every app uses."""

from django import forms
from django.core.exceptions import ValidationError


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Refuses ids beyond the database's 64-bit range with Django's own message:
    an `__in` lookup with such a value crashes instead of matching nothing."""

    def _check_values(self, value):
        for pk in value or ():
            try:
                number = int(str(pk))
            except ValueError:
                continue  # the parent class reports it
            if not -(2**63) <= number < 2**63:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super()._check_values(value)


def is_id(raw: str) -> bool:
    """Whether a value posted as a row id can be one: plain ASCII digits, no more
    than a 64-bit integer has. `str.isdigit` alone lets « ² » and numbers of
    thousands of digits through, and the query then fails on them (a 500)."""
    return raw.isascii() and raw.isdigit() and len(raw) <= 19


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class LabelForm(forms.Form):
    name = forms.CharField(label="Nouvel intitulé", max_length=80)
