from django.apps import AppConfig


class OrganisationConfig(AppConfig):
    name = "opora.organisation"
    label = "organisation"

    def ready(self) -> None:
        from opora.accounts.models import User
        from opora.audit.registry import register
        from opora.organisation.models import ActivityType, Membership, Organisation, Programme, RolePolicy, Service

        register(Service, choices={"activity_types": ActivityType.choices})
        for model in (Programme, RolePolicy):
            register(model)
        register(Organisation, organisation=lambda organisation: organisation.pk)
        register(Membership, organisation=lambda membership: membership.user.organisation_id)
        register(User, exclude=("last_login",))
