"""The forms' renderer: Django's own, with `<select>` written in Python.

Django renders a template for each `<option>`, and another for its attributes.
With a large landlord's residences in a list filter (hundreds of options), the
select cost more than all the rest of the page (`make bench`: the relais list,
the remontées board, the initiatives catalogue). The markup is the same,
character for character (tests/test_renderers.py); any other template, or an
option with a template of its own, goes through Django's templates as before.
"""

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"


def _attrs(attrs: dict) -> str:
    # django/forms/widgets/attrs.html: False leaves the attribute out, True writes its name alone.
    return "".join(
        f" {conditional_escape(name)}" if value is True else f' {conditional_escape(name)}="{escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        widget = context.get("widget") if template_name == SELECT else None
        if widget is None or any(o["template_name"] != OPTION for _, group, _ in widget["optgroups"] for o in group):
            return super().render(template_name, context, request)
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
        return mark_safe("".join(parts))
