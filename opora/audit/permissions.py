"""Who reads the audit trail (read by opora.access)."""

from opora.access.registry import Perm, declare, grant
from opora.organisation.models import Role

declare(AUDIT_VIEW="audit.view")

grant([Role.ADMINISTRATOR], [Perm.AUDIT_VIEW])
