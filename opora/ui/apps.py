from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UiConfig(AppConfig):
    """The shell around the apps' pages: the start page and the menu, filled by the apps' registrations."""

    name = "opora.ui"
    label = "ui"

    def ready(self) -> None:
        from opora.ui.registry import menu_entry

        menu_entry("home", label=_("Home"), url_name="ui:home", order=0)
