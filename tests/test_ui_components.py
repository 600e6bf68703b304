"""The interface's components (opora/ui/templatetags/ui.py): what they render, and that what they are
given is text, never markup."""

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.utils import translation

SCRIPT = "<script>alert(1)</script>"


def render(source: str, **context: object) -> str:
    with translation.override("en"):
        return Template("{% load ui %}" + source).render(Context(context))


def test_a_state_badge_is_coloured_by_its_state_and_escapes_its_label() -> None:
    html = render("{% state_badge state label %}", state="assessment", label=SCRIPT)
    assert html == '<span class="badge badge-state badge-state-assessment">&lt;script&gt;alert(1)&lt;/script&gt;</span>'


def test_an_overdue_badge_keeps_the_class_the_pages_know_it_by() -> None:
    assert render('{% due_badge "overdue" %}') == '<span class="badge badge-due badge-overdue overdue">overdue</span>'
    assert render('{% due_badge "due_soon" %}') == '<span class="badge badge-due badge-due-soon">due soon</span>'


def test_a_due_badge_of_an_unknown_kind_is_an_error_in_the_template() -> None:
    with pytest.raises(TemplateSyntaxError):
        render('{% due_badge "someday" %}')


def test_a_badge_of_an_unknown_tone_is_neutral() -> None:
    assert render('{% badge "x" tone="purple" %}') == '<span class="badge badge-neutral">x</span>'


def test_the_page_header_escapes_its_title_and_keeps_the_actions_markup() -> None:
    html = render(
        '{% page_header title subtitle=sub %}<a class="button" href="/x/">Go</a>{% endpage_header %}',
        title=SCRIPT,
        sub="Line & more",
    )
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>" in html
    assert '<p class="page-header-subtitle">Line &amp; more</p>' in html
    assert '<div class="page-actions"><a class="button" href="/x/">Go</a></div>' in html


def test_a_page_header_without_actions_has_no_actions_box() -> None:
    assert "page-actions" not in render("{% page_header 'Title' %}{% endpage_header %}")


def test_breadcrumbs_link_each_step_and_name_the_page_itself() -> None:
    html = render("{% breadcrumbs 'People' '/people/' name %}", name=SCRIPT)
    assert html.startswith('<nav class="breadcrumbs" aria-label="Breadcrumb"><a href="/people/">People</a>')
    assert html.endswith('<span aria-current="page">&lt;script&gt;alert(1)&lt;/script&gt;</span></nav>')


def test_breadcrumbs_without_a_url_for_a_step_are_an_error() -> None:
    with pytest.raises(TemplateSyntaxError):
        render("{% breadcrumbs 'People' 'Here' 'There' 'Now' %}")


def test_an_empty_state_names_the_next_step_only_when_it_has_one() -> None:
    with_action = render(
        "{% empty_state 'Nobody yet.' title='Empty' action_url='/people/new/' action_label='Register' %}"
    )
    assert '<p class="empty-state-title">Empty</p>' in with_action
    assert '<a class="button" href="/people/new/">Register</a>' in with_action
    assert "button" not in render("{% empty_state 'Nobody yet.' %}")
