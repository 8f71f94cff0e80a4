"""The forms' renderer: Django's own, with `<select>`, checkboxes and radio
buttons written in Python.

Django renders a template for each `<option>` or checkbox, and another for its
attributes. With a large landlord's residences in a list filter (hundreds of
options), the select cost more than all the rest of the page, and the six
status checkboxes of the remontées board a tenth of it (`make bench`: the relais
list, the remontées board, the initiatives catalogue). The markup is the same,
character for character (tests/test_renderers.py); any other template, or an
option with a template of its own, goes through Django's templates as before.
"""

import html

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"
# CheckboxSelectMultiple and RadioSelect: django/forms/widgets/multiple_input.html.
MULTIPLE_INPUTS = {
    "django/forms/widgets/checkbox_select.html": "django/forms/widgets/checkbox_option.html",
    "django/forms/widgets/radio.html": "django/forms/widgets/radio_option.html",
}


def _formatted(value) -> str:
    # {{ value|stringformat:'s' }}: safe text stays as it is, anything else is
    # escaped (django.utils.html.escape, without its check for lazy strings:
    # hundreds of options each time).
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


def _shown(value) -> str:
    # {{ value }}: localised first (a number, a date), then escaped unless safe.
    if not isinstance(value, str):
        value = localize(template_localtime(value))
    return _formatted(value)


def _attrs(attrs: dict) -> str:
    # django/forms/widgets/attrs.html: False leaves the attribute out, True writes its name alone.
    return "".join(
        f" {_shown(name)}" if value is True else f' {_shown(name)}="{_formatted(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _only(widget: dict, template_name: str) -> bool:
    return all(o["template_name"] == template_name for _, group, _ in widget["optgroups"] for o in group)


def _select(widget: dict) -> str:
    parts = [f'<select name="{_shown(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _ in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_shown(group_name)}">')
        # Each option as Django's template file writes it, with its final newline.
        parts += [
            f'\n  <option value="{_formatted(o["value"])}"{_attrs(o["attrs"])}>{_shown(o["label"])}</option>\n'
            for o in options
        ]
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _input_option(o: dict) -> str:
    # django/forms/widgets/input_option.html around input.html, with both files' final newlines.
    value = "" if o["value"] is None else f' value="{_formatted(o["value"])}"'
    kind, name = _shown(o["type"]), _shown(o["name"])
    field = f'<input type="{kind}" name="{name}"{value}{_attrs(o["attrs"])}>\n'
    if not o["wrap_label"]:
        return field + "\n\n"
    target = f' for="{_shown(o["attrs"]["id"])}"' if o["attrs"].get("id") else ""
    return f"<label{target}>{field} {_shown(o['label'])}</label>\n\n"


def _multiple_input(widget: dict) -> str:
    attrs = widget["attrs"]
    parts = ["<div"]
    if attrs.get("id"):
        parts.append(f' id="{_shown(attrs["id"])}"')
    if attrs.get("class"):
        parts.append(f' class="{_shown(attrs["class"])}"')
    parts.append(">")
    for group_name, options, _ in widget["optgroups"]:
        if group_name:
            parts.append(f"\n  <div><label>{_shown(group_name)}</label>")
        parts += [f"<div>\n    {_input_option(o)}</div>" for o in options]
        if group_name:
            parts.append("\n  </div>")
    parts.append("\n</div>")
    return "".join(parts)


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        widget = context.get("widget")
        if template_name == SELECT and widget and _only(widget, OPTION):
            return mark_safe(_select(widget))
        if template_name in MULTIPLE_INPUTS and widget and _only(widget, MULTIPLE_INPUTS[template_name]):
            return mark_safe(_multiple_input(widget))
        return super().render(template_name, context, request)
