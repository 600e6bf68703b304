"""The interface's components as template tags (docs/architecture.md, "Interface components").

``{% load ui %}`` and then:

- ``{% page_header title subtitle=… %}…actions…{% endpage_header %}``: the page's one ``h1``, a line under
  it and, on the right (under it on a phone), the buttons or links between the tags.
- ``{% state_badge value label %}``: the state of a case or a referral as a coloured badge.
- ``{% due_badge "overdue" %}`` (``due``, ``due_soon``, ``overdue``, ``immediate``): how near a time limit is.
- ``{% badge label tone="danger" %}``: any other badge (``info``, ``ok``, ``warning``, ``danger``).
- ``{% empty_state message action_url=… action_label=… %}``: a list with nothing in it, and the next step.
- ``{% breadcrumbs label url label url … label %}``: where the page sits; the last label is the page itself.

Every text passed in is escaped: nothing a user typed becomes markup.
"""

from typing import Any

from django import template
from django.template.base import FilterExpression, NodeList, Parser, Token
from django.template.context import Context
from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

register = template.Library()

TONES = {"neutral", "info", "ok", "warning", "danger"}


@register.simple_tag
def badge(label: Any, tone: str = "neutral") -> SafeString:
    """A badge in one of the tones; an unknown tone is the neutral one."""
    tone = tone if tone in TONES else "neutral"
    return format_html('<span class="badge badge-{}">{}</span>', tone, label)


@register.simple_tag
def state_badge(value: Any, label: Any) -> SafeString:
    """The state of a case (``CaseState``) or a referral (``ReferralStatus``); its colour follows the value."""
    return format_html('<span class="badge badge-state badge-state-{}">{}</span>', str(value), label)


def _due_labels() -> dict[str, str]:
    return {
        "due": pgettext("time limit", "due"),
        "due_soon": _("due soon"),
        "overdue": _("overdue"),
        "immediate": _("at once"),
    }


@register.simple_tag
def due_badge(kind: str, label: Any = None) -> SafeString:
    """How near a time limit is: due, due soon, overdue or to be done at once. The overdue badge keeps the
    class ``overdue`` that the pages and their tests know it by."""
    labels = _due_labels()
    if kind not in labels:
        raise template.TemplateSyntaxError(f"due_badge: unknown kind {kind!r}")
    extra = " overdue" if kind == "overdue" else ""
    return format_html(
        '<span class="badge badge-due badge-{}{}">{}</span>', kind.replace("_", "-"), extra, label or labels[kind]
    )


@register.simple_tag(takes_context=True)
def empty_state(
    context: Context, message: Any, action_url: str = "", action_label: Any = "", title: Any = ""
) -> SafeString:
    """Nothing to list, said plainly, with the next step as a button when the user may take it."""
    return SafeString(
        render_to_string(
            "ui/components/empty_state.html",
            {"title": title, "message": message, "action_url": action_url, "action_label": action_label},
            request=context.get("request"),
        )
    )


@register.simple_tag
def breadcrumbs(*parts: Any) -> SafeString:
    """``label, url`` pairs up to the page, then the page's own label (not a link)."""
    if not parts:
        return SafeString("")
    *trail, here = parts
    if len(trail) % 2:
        raise template.TemplateSyntaxError("breadcrumbs: give label and URL pairs, then the page's label")
    # Links and separators, not a list: the pages' lists (a case's history) stay the only ones in main.
    links = format_html_join(
        "",
        '<a href="{}">{}</a><span class="breadcrumbs-sep" aria-hidden="true">›</span>',
        ((trail[i + 1], trail[i]) for i in range(0, len(trail), 2)),
    )
    return format_html(
        '<nav class="breadcrumbs" aria-label="{}">{}<span aria-current="page">{}</span></nav>',
        _("Breadcrumb"),
        links,
        here,
    )


class PageHeaderNode(template.Node):
    def __init__(self, title: FilterExpression, kwargs: dict[str, FilterExpression], actions: NodeList) -> None:
        self.title = title
        self.kwargs = kwargs
        self.actions = actions

    def render(self, context: Context) -> str:
        values = {name: value.resolve(context) for name, value in self.kwargs.items()}
        return render_to_string(
            "ui/components/page_header.html",
            {
                "title": self.title.resolve(context),
                "subtitle": values.get("subtitle", ""),
                "subtitle_class": values.get("subtitle_class", ""),
                # Rendered by the template engine, so already escaped.
                "actions": SafeString(self.actions.render(context).strip()),
            },
        )


@register.tag
def page_header(parser: Parser, token: Token) -> PageHeaderNode:
    """``{% page_header title subtitle=… subtitle_class=… %}…actions…{% endpage_header %}``."""
    bits = token.split_contents()[1:]
    if not bits:
        raise template.TemplateSyntaxError("page_header needs a title")
    title = parser.compile_filter(bits[0])
    kwargs = {}
    for bit in bits[1:]:
        name, sep, value = bit.partition("=")
        if not sep or name not in {"subtitle", "subtitle_class"}:
            raise template.TemplateSyntaxError(f"page_header: unknown argument {bit!r}")
        kwargs[name] = parser.compile_filter(value)
    actions = parser.parse(("endpage_header",))
    parser.delete_first_token()
    return PageHeaderNode(title, kwargs, actions)
