"""The fast form renderer writes what Django's widget templates write."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from scoring.forms import AnnotationForm, GoalForm
from ssi_dashboard.forms_renderer import INPUT_TEMPLATES, TEXTAREA_TEMPLATE, FastRenderer
from tracking.forms import EntryForm, LinkedInPasteForm, ProfileForm, UploadForm

TEMPLATES = DjangoTemplates()
FAST = FastRenderer()
TODAY = dt.date(2026, 12, 3)

TRICKY_VALUES = [None, "", "plain", 'a "quoted" <b>&amp;</b>', mark_safe("safe &amp; sound"), 0, 12.5,
                 dt.date(2026, 1, 2)]
TRICKY_ATTRS = [{}, {"required": True, "disabled": False, "min": 0, "step": "any"},
                {"data-x": '"><script>', "aria-label": mark_safe("a &amp; b"), "id": "id_f"}]


def _source(name: str) -> str:
    return TEMPLATES.engine.get_template(name).template.source.strip()


@pytest.mark.parametrize("name", sorted(INPUT_TEMPLATES - {"django/forms/widgets/input.html"}))
def test_every_template_written_here_is_only_django_s_input(name):
    # A Django upgrade that gave one of these its own markup fails here.
    assert _source(name) == '{% include "django/forms/widgets/input.html" %}'


def test_the_input_and_textarea_templates_are_the_ones_written_here():
    assert _source("django/forms/widgets/input.html") == (
        '<input type="{{ widget.type }}" name="{{ widget.name }}"{% if widget.value != None %} '
        "value=\"{{ widget.value|stringformat:'s' }}\"{% endif %}{% include \"django/forms/widgets/attrs.html\" %}>")
    assert _source(TEXTAREA_TEMPLATE) == (
        '<textarea name="{{ widget.name }}"{% include "django/forms/widgets/attrs.html" %}>\n'
        "{% if widget.value %}{{ widget.value }}{% endif %}</textarea>")


@pytest.mark.parametrize("name", sorted(INPUT_TEMPLATES | {TEXTAREA_TEMPLATE}))
def test_same_markup_for_awkward_values_and_attributes(name):
    for value in TRICKY_VALUES:
        for attrs in TRICKY_ATTRS:
            context = {"widget": {"name": 'f"<x>', "type": "number", "value": value, "attrs": attrs,
                                  "required": False, "is_hidden": False, "template_name": name}}
            assert FAST.render(name, context) == TEMPLATES.render(name, context), (value, attrs)


def _forms():
    yield GoalForm(today=TODAY)
    yield GoalForm({"target_ssi": "150", "target_date": "2020-01-01", "target_brand": "x<y"}, today=TODAY)
    yield AnnotationForm(today=TODAY, initial={"date": TODAY})
    yield AnnotationForm({"date": "2030-01-01", "note": '  "<b>" & '}, today=TODAY)
    yield LinkedInPasteForm()
    yield LinkedInPasteForm({"text": "</textarea><script>"})
    yield UploadForm(today=TODAY)
    yield ProfileForm()


@pytest.mark.django_db
@pytest.mark.parametrize("form", list(_forms()), ids=lambda f: type(f).__name__)
def test_every_field_of_the_dashboard_and_entry_forms_renders_the_same(form, django_user_model):
    form.is_bound and form.is_valid()
    for field in form:
        fast = field.as_widget()
        form.renderer = TEMPLATES
        slow = field.as_widget()
        form.renderer = FAST
        assert fast == slow, field.name


@pytest.mark.django_db
def test_the_entry_form_renders_the_same(django_user_model):
    user = django_user_model.objects.create_user(email="entry@example.com", password="pw-123456789")
    form = EntryForm(user=user)
    for field in form:
        form.renderer = TEMPLATES
        slow = field.as_widget()
        form.renderer = FAST
        assert field.as_widget() == slow, field.name


def test_the_site_draws_its_forms_with_it():
    assert isinstance(GoalForm(today=TODAY).renderer, FastRenderer)


def test_other_widgets_still_go_through_the_templates():
    field = forms.ChoiceField(choices=[("a", "A & B")])
    widget = field.widget
    assert widget.render("pick", "a", renderer=FAST) == widget.render("pick", "a", renderer=TEMPLATES)
    assert "<select" in widget.render("pick", "a", renderer=FAST)
