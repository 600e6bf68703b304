"""``{% show_when form "name" %}``: the attributes that let ``conditional.js`` show a field's wrapper only while
the field applies (``opora.core.forms.ShowWhenMixin``); nothing for a field that always applies."""

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def show_when(form: Any, name: str) -> SafeString:
    rule = getattr(form, "show_when", {}).get(name)
    if rule is None:
        return SafeString("")
    controlling, values = rule
    return format_html(' data-show-when="{}" data-show-values="{}"', controlling, " ".join(values))
