from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "opora.accounts"
    label = "accounts"

    def ready(self) -> None:
        from opora.accounts import signals, totp
        from opora.ui.registry import menu_entry

        signals.connect()
        totp.install()
        # Every user's own two-factor authentication (allauth's page).
        menu_entry("security", label=_("My security"), url_name="mfa_index", order=1000, group="my_work")
