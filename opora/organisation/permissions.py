"""The organisation's permissions, who holds them, and how its records are scoped (read by opora.access)."""

from opora.access.registry import Perm, declare, grant, scope_path
from opora.organisation.models import Role

declare(
    SERVICE_VIEW="service.view",
    SERVICE_MANAGE="service.manage",
    PROGRAMME_VIEW="programme.view",
    PROGRAMME_MANAGE="programme.manage",
    STAFF_VIEW="staff.view",
    STAFF_MANAGE="staff.manage",
    ORGANISATION_MANAGE="organisation.manage",
    # Counts and reports without a name (the reports of a later issue).
    AGGREGATE_VIEW="aggregate.view",
)

# Everyone who works in a service sees the organisation's services and programmes; monitoring too.
grant(
    [
        Role.ADMINISTRATOR,
        Role.HEAD,
        Role.SOCIAL_WORKER,
        Role.PSYCHOLOGIST,
        Role.PEDAGOGUE,
        Role.FOSTER_CARE,
        Role.VOLUNTEER_COORDINATOR,
        Role.MONITORING,
    ],
    [Perm.SERVICE_VIEW, Perm.PROGRAMME_VIEW],
)
grant(
    [Role.ADMINISTRATOR],
    [Perm.SERVICE_MANAGE, Perm.PROGRAMME_MANAGE, Perm.STAFF_MANAGE, Perm.ORGANISATION_MANAGE],
)
grant([Role.ADMINISTRATOR, Role.HEAD], [Perm.STAFF_VIEW])
grant([Role.ADMINISTRATOR, Role.HEAD, Role.MONITORING], [Perm.AGGREGATE_VIEW])

# A service (its own id is the service), a record with a ``service`` key, a record run in ``services``,
# a member of staff through their memberships, and a membership.
scope_path("self", organisation="organisation_id", services="pk__in", many=False)
scope_path("service", organisation="service__organisation_id", services="service_id__in", many=False)
scope_path("services", organisation="organisation_id", services="services__in", many=True)
scope_path("staff", organisation="organisation_id", services="memberships__service_id__in", many=True)
scope_path("membership", organisation="user__organisation_id", services="service_id__in", many=False)
