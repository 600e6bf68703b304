from django.apps import AppConfig


class OrganisationConfig(AppConfig):
    name = "opora.organisation"
    label = "organisation"

    def ready(self) -> None:
        from opora.accounts.models import User
        from opora.audit.registry import register
        from opora.organisation.models import Membership, Organisation, Programme, RolePolicy, Service

        for model in (Organisation, Service, Programme, Membership, RolePolicy):
            register(model)
        register(User, exclude=("last_login",))
