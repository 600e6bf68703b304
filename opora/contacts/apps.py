from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactsConfig(AppConfig):
    """Direct work with a case's people: consultations, sessions, home visits, on a worker's calendar."""

    name = "opora.contacts"
    label = "contacts"

    def ready(self) -> None:
        from opora.access import Perm
        from opora.audit.registry import register
        from opora.cases.casework.timeline import timeline_source
        from opora.cases.sections import case_section
        from opora.contacts.models import Contact
        from opora.contacts.selectors import contact_events, contacts_section
        from opora.ui.registry import menu_entry

        register(Contact, organisation=lambda contact: contact.case.organisation_id)
        menu_entry(
            "calendar",
            label=_("Calendar"),
            url_name="contacts:calendar",
            order=30,
            permission=Perm.CASE_VIEW,
            group="my_work",
        )
        # A case's page links to its contacts; its timeline shows each of them.
        case_section("contacts", template="contacts/_case_section.html", order=50, context=contacts_section)
        timeline_source("contacts", contact_events)
