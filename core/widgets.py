"""Two widgets for the filters of long lists, written in Python where they are used.

Django writes each `<option>` and each checkbox through a template of its own:
with a large landlord's residences in a filter (hundreds of options) that cost
more than the rest of the list page (`make bench`). These widgets build the same
markup as Django's in one pass; every other widget is Django's own.
"""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

SELECTED = mark_safe(" selected")
CHECKED = mark_safe(" checked")


class FlatSelect(forms.Select):
    """A select of flat choices (no groups): the statuses and periods of a filter."""

    def render(self, name, value, attrs=None, renderer=None):
        value = self.format_value(value)
        chosen = next((str(v) for v, _ in self.choices if str(v) in value), None)
        options = format_html_join(
            "",
            '\n  <option value="{}"{}>{}</option>',
            ((v, SELECTED if str(v) == chosen else "", label) for v, label in self.choices),
        )
        return format_html(
            '<select name="{}"{}>{}\n</select>', name, flatatt(self.build_attrs(self.attrs, attrs)), options
        )


class NameSelect(FlatSelect):
    """A select of (pk, name) rows read through the scoping: residences, quartiers, themes."""


class CheckboxList(forms.CheckboxSelectMultiple):
    """Checkboxes of flat choices, each in its label (the board's statuses)."""

    def render(self, name, value, attrs=None, renderer=None):
        value = set(self.format_value(value))
        attrs = self.build_attrs(self.attrs, attrs)
        base = attrs.pop("id", None)
        boxes = format_html_join(
            "",
            '<div><label{}><input type="checkbox" name="{}" value="{}"{}{}> {}</label></div>',
            (
                (
                    format_html(' for="{}_{}"', base, index) if base else "",
                    name,
                    v,
                    format_html(' id="{}_{}"', base, index) if base else "",
                    CHECKED if str(v) in value else "",
                    label,
                )
                for index, (v, label) in enumerate(self.choices)
            ),
        )
        return format_html("<div{}>{}</div>", format_html(' id="{}"', base) if base else "", boxes)


class SearchableCheckboxes(forms.CheckboxSelectMultiple):
    """A long multiple choice (fifty relais, forty residences) as checkboxes in
    a scrolling box: every option readable and tickable without JavaScript;
    with it, a search box above filters them as one types (static/js/app.js,
    accents and case ignored)."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        base = attrs.get("id") or f"id_{name}"
        boxes = super().render(name, value, {**attrs, "id": base}, renderer)
        search = format_html(
            '<input type="search" class="choice-filter" data-filter="{}" placeholder="Chercher un nom…" '
            'aria-label="Chercher dans la liste" hidden>',
            base,
        )
        return format_html('{}<div class="choices" id="{}-box">{}</div>', search, base, boxes)
