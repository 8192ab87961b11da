"""Form widgets drawn without a template engine where the widget is one tag.

Django draws every widget through its templates (``input.html`` and, inside
it, ``attrs.html``): a goal form's six number fields cost a dashboard some
2.5 ms, a tenth of the page, for markup that is one ``<input>`` each. This
renderer writes exactly what those two templates write, for the widgets whose
template is ``input.html`` and for ``textarea.html``; every other widget
(selects, radios, multi-widgets) goes through the templates as before.
``tests/test_forms_renderer.py`` holds the two to the same output for every
widget written here.
"""

from __future__ import annotations

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

# Django's widget templates that are only ``{% include "django/forms/widgets/input.html" %}``.
INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in ("input", "text", "number", "email", "url", "password", "hidden", "search", "tel", "color",
                 "date", "datetime", "time", "checkbox", "file")
)
TEXTAREA_TEMPLATE = "django/forms/widgets/textarea.html"


def _attrs(attrs: dict) -> str:
    # attrs.html: an attribute per item; True alone, False left out, others as
    # stringformat:'s' gives them (escaped unless already safe).
    return "".join(
        f" {conditional_escape(name)}" if value is True else f' {conditional_escape(name)}="{conditional_escape(value)}"'
        for name, value in attrs.items() if value is not False
    )


class FastRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        widget = context.get("widget") if isinstance(context, dict) else None
        if widget is None or not isinstance(widget, dict):
            return super().render(template_name, context, request)
        if template_name in INPUT_TEMPLATES:
            value = widget["value"]
            shown = "" if value is None else f' value="{conditional_escape(value)}"'
            return mark_safe(f'<input type="{conditional_escape(widget["type"])}" '
                             f'name="{conditional_escape(widget["name"])}"{shown}{_attrs(widget["attrs"])}>')
        # A textarea's value is written as {{ }} writes it: localised unless text
        # (a widget gives text; anything else goes through the template).
        if template_name == TEXTAREA_TEMPLATE and (widget["value"] is None or isinstance(widget["value"], str)):
            value = widget["value"]
            return mark_safe(f'<textarea name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n'
                             f'{conditional_escape(value) if value else ""}</textarea>')
        return super().render(template_name, context, request)
