from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UiConfig(AppConfig):
    """The shell around the apps' pages: the start page and the menu, filled by the apps' registrations."""

    name = "opora.ui"
    label = "ui"

    def ready(self) -> None:
        from opora.ui.registry import menu_entry, menu_group

        # The menu's groups, as a social worker thinks of her day; the apps put their entries in them.
        menu_group("my_work", label=_("My work"), order=0)
        menu_group("people", label=_("People"), order=100)
        menu_group("intake", label=_("Intake"), order=200)
        menu_group("cases", label=_("Cases"), order=300)
        menu_group("organisation", label=_("Organisation"), order=400)
        menu_entry("home", label=_("Home"), url_name="ui:home", order=0, group="my_work")
