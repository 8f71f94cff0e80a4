"""Form pieces every app uses."""

import re

from django import forms
from django.core.exceptions import ValidationError

from core import formats


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


_DURATION = re.compile(
    r"^\s*(?:(?P<h>\d{1,4})\s*(?:h|heures?|:)\s*(?P<hm>\d{1,2})?\s*(?:min|mn|m)?"
    r"|(?P<m>\d{1,5})\s*(?:min|mn|m|minutes?)?"
    r"|(?P<dh>\d{1,4})[.,](?P<df>\d{1,2})\s*h?)\s*$",
    re.IGNORECASE,
)


def parse_minutes(text: str) -> int | None:
    """« 1 h 30 », « 1h30 », « 2 h », « 1:30 », « 90 min », « 45 », « 1,5 h » → minutes; None if unreadable.
    A bare number is minutes (« 45 »), as the field's help says."""
    found = _DURATION.match(text or "")
    if not found:
        return None
    if found["h"] is not None:
        rest = int(found["hm"] or 0)
        return None if rest >= 60 else int(found["h"]) * 60 + rest
    if found["m"] is not None:
        return int(found["m"])
    return round(float(f"{found['dh']}.{found['df']}") * 60)


class MinutesField(forms.CharField):
    """Time given, typed as people say it (« 1 h 30 », « 45 min »), kept in minutes."""

    default_error_messages = {
        "invalid": "Écrivez une durée comme « 1 h 30 », « 2 h » ou « 45 min ».",
        "too_long": "Au plus %(limit)s heures.",
    }

    def __init__(self, *, max_hours: int = 24, **kwargs):
        self.max_hours = max_hours
        kwargs.setdefault("help_text", "Par exemple « 1 h 30 », « 2 h » ou « 45 min ».")
        super().__init__(**kwargs)
        self.widget.attrs.update({"maxlength": 20, "autocomplete": "off"})

    def prepare_value(self, value):
        if isinstance(value, int):
            return formats.duration(value).replace(formats.NBSP, " ")
        return value

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        minutes = parse_minutes(text.replace("\u00a0", " ")[:40])
        if minutes is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        if minutes > self.max_hours * 60:
            raise ValidationError(self.error_messages["too_long"], code="too_long", params={"limit": self.max_hours})
        return minutes
