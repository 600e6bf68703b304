"""``{% sort_header sorted "key" label %}``: a column header that sorts its list (``opora.core.sorting``)."""

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def sort_header(sorted_list: Any, key: str, label: Any) -> SafeString:
    header = sorted_list.header(key)
    if header["aria_sort"] is None:
        return format_html('<th scope="col"><a class="sort" href="{}">{}</a></th>', header["url"], label)
    return format_html(
        '<th scope="col" aria-sort="{}"><a class="sort is-sorted" href="{}">{}</a></th>',
        header["aria_sort"],
        header["url"],
        label,
    )
