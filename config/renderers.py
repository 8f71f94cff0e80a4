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
from django.utils.safestring import mark_safe

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"
# CheckboxSelectMultiple and RadioSelect: django/forms/widgets/multiple_input.html.
MULTIPLE_INPUTS = {
    "django/forms/widgets/checkbox_select.html": "django/forms/widgets/checkbox_option.html",
    "django/forms/widgets/radio.html": "django/forms/widgets/radio_option.html",
}


def escape(value) -> str:
    # django.utils.html.escape without its check for lazy strings: hundreds of
    # options each time.
    return html.escape(str(value))


def conditional_escape(value) -> str:
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


def _attrs(attrs: dict) -> str:
    # django/forms/widgets/attrs.html: False leaves the attribute out, True writes its name alone.
    return "".join(
        f" {conditional_escape(name)}" if value is True else f' {conditional_escape(name)}="{escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


def _only(widget: dict, template_name: str) -> bool:
    return all(o["template_name"] == template_name for _, group, _ in widget["optgroups"] for o in group)


def _select(widget: dict) -> str:
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _ in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        # Each option as Django's template file writes it, with its final newline.
        parts += [
            f'\n  <option value="{escape(str(o["value"]))}"{_attrs(o["attrs"])}>'
            f"{conditional_escape(o['label'])}</option>\n"
            for o in options
        ]
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _input_option(o: dict) -> str:
    # django/forms/widgets/input_option.html around input.html, with both files' final newlines.
    value = "" if o["value"] is None else f' value="{escape(str(o["value"]))}"'
    kind, name = conditional_escape(o["type"]), conditional_escape(o["name"])
    field = f'<input type="{kind}" name="{name}"{value}{_attrs(o["attrs"])}>\n'
    if not o["wrap_label"]:
        return field + "\n\n"
    target = f' for="{conditional_escape(o["attrs"]["id"])}"' if o["attrs"].get("id") else ""
    return f"<label{target}>{field} {conditional_escape(o['label'])}</label>\n\n"


def _multiple_input(widget: dict) -> str:
    attrs = widget["attrs"]
    parts = ["<div"]
    if attrs.get("id"):
        parts.append(f' id="{conditional_escape(attrs["id"])}"')
    if attrs.get("class"):
        parts.append(f' class="{conditional_escape(attrs["class"])}"')
    parts.append(">")
    for group_name, options, _ in widget["optgroups"]:
        if group_name:
            parts.append(f"\n  <div><label>{conditional_escape(group_name)}</label>")
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
