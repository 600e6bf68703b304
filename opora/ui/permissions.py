"""The start page, open to every role (read by opora.access)."""

from opora.access.registry import Perm, declare, grant
from opora.organisation.models import Role

declare(HOME="home.view")

grant([role.value for role in Role], [Perm.HOME])
