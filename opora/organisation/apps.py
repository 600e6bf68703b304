from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationConfig(AppConfig):
    name = "opora.organisation"
    label = "organisation"

    def ready(self) -> None:
        from opora.access import Perm
        from opora.accounts.models import User
        from opora.audit.registry import register
        from opora.organisation.models import ActivityType, Membership, Organisation, Programme, RolePolicy, Service
        from opora.organisation.panels import home_roles
        from opora.ui.registry import home_panel, menu_entry

        register(Service, choices={"activity_types": ActivityType.choices})
        for model in (Programme, RolePolicy):
            register(model)
        register(Organisation, organisation=lambda organisation: organisation.pk)
        register(Membership, organisation=lambda membership: membership.user.organisation_id)
        register(User, exclude=("last_login",))

        menu_entry(
            "services",
            label=_("Services"),
            url_name="organisation:service_list",
            order=400,
            permission=Perm.SERVICE_VIEW,
            group="organisation",
        )
        menu_entry(
            "programmes",
            label=_("Programmes"),
            url_name="organisation:programme_list",
            order=500,
            permission=Perm.PROGRAMME_VIEW,
            group="organisation",
        )
        menu_entry(
            "staff",
            label=_("Staff"),
            url_name="organisation:staff_list",
            order=600,
            permission=Perm.STAFF_VIEW,
            group="organisation",
        )
        menu_entry(
            "organisation",
            label=_("Organisation"),
            url_name="organisation:organisation_edit",
            order=700,
            permission=Perm.ORGANISATION_MANAGE,
            group="organisation",
        )
        # The user's roles, below what the other apps put on the start page.
        home_panel("roles", template="organisation/_home_roles.html", order=1000, context=home_roles)
