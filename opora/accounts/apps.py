from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "opora.accounts"
    label = "accounts"
