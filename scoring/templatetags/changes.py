"""Changes as the pages show them: one decimal, and 0.0 is neither up nor down."""

from django import template

from scoring.summary import tenth as _tenth

register = template.Library()


@register.filter
def tenth(value):
    return _tenth(value)
