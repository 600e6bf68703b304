"""The people register's permissions, who holds them, and how its records are scoped (read by opora.access)."""

from opora.access.registry import Perm, declare, grant, scope_path
from opora.organisation.models import Role

declare(
    PERSON_VIEW="person.view",
    PERSON_MANAGE="person.manage",
    IDENTIFIER_VIEW="identifier.view",
    PERSON_MERGE="person.merge",
)

# Every role that works with the children of a service registers and edits them; monitoring never sees a
# name and a volunteer only their own pairing (a later issue).
grant(
    [
        Role.ADMINISTRATOR,
        Role.HEAD,
        Role.SOCIAL_WORKER,
        Role.PSYCHOLOGIST,
        Role.PEDAGOGUE,
        Role.FOSTER_CARE,
        Role.VOLUNTEER_COORDINATOR,
    ],
    [Perm.PERSON_VIEW, Perm.PERSON_MANAGE],
)
# The full ЕГН or ЛНЧ: for the roles that deal with institutions in the person's name (referrals, reports
# to the child-protection department, contracts). Everyone else sees it masked.
grant([Role.ADMINISTRATOR, Role.HEAD, Role.SOCIAL_WORKER, Role.FOSTER_CARE], [Perm.IDENTIFIER_VIEW])
# Merging two records of one person: the head of the service and the administrator.
grant([Role.ADMINISTRATOR, Role.HEAD], [Perm.PERSON_MERGE])

# A record about one person (a relationship, a household membership), a record of several (a household),
# a merge (visible when the surviving record is).
scope_path("person", organisation="person__organisation_id", services="person__services__in", many=True)
scope_path("members", organisation="organisation_id", services="members__services__in", many=True)
scope_path("survivor", organisation="survivor__organisation_id", services="survivor__services__in", many=True)
