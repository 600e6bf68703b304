from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "opora.audit"
    label = "audit"

    def ready(self) -> None:
        from opora.access import Perm
        from opora.access.registry import on_denied
        from opora.audit.log import log_view_denied
        from opora.ui.registry import menu_entry

        # A look at a record out of the user's scope is written to the view log as refused.
        on_denied(log_view_denied)
        menu_entry(
            "audit",
            label=_("Audit trail"),
            url_name="audit:audit_changes",
            order=800,
            permission=Perm.AUDIT_VIEW,
            group="organisation",
        )
