from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "opora.people"
    label = "people"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from opora.access import Perm
        from opora.audit.registry import register
        from opora.people.find import find_people
        from opora.people.search_index import after_migrate
        from opora.ui.registry import menu_entry, search_provider

        post_migrate.connect(after_migrate, sender=self, dispatch_uid="people_search_index")
        from opora.people.models import Household, HouseholdMember, Person, PersonMerge, Relationship

        # The identifier's value never enters the trail: neither the encrypted value (it changes at every
        # save and could be decrypted with the key) nor the digest (which would let anyone with the lookup
        # key confirm a guessed ЕГН). The digest is compared, so the trail shows *that* it changed, masked.
        # The search key only repeats the names, and the time of the last change is the event's own time.
        register(
            Person,
            exclude=("identifier_encrypted", "search_key", "updated_at"),
            secret=("identifier_digest",),
        )
        register(Household, exclude=("updated_at",))
        register(Relationship, organisation=lambda relationship: relationship.person.organisation_id)
        register(HouseholdMember, organisation=lambda member: member.household.organisation_id)
        register(PersonMerge, organisation=lambda merge: merge.survivor.organisation_id)
        menu_entry(
            "people",
            label=_("People"),
            url_name="people:person_list",
            order=100,
            permission=Perm.PERSON_VIEW,
            group="people",
        )
        search_provider("people", label=_("People"), order=100, permission=Perm.PERSON_VIEW, search=find_people)
