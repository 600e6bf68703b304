from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "opora.accounts"
    label = "accounts"

    def ready(self) -> None:
        from opora.accounts import signals, totp

        signals.connect()
        totp.install()
