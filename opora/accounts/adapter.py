from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.db import transaction
from django.http import HttpRequest

from opora.accounts.tasks import send_prepared_email


class OporaAccountAdapter(DefaultAccountAdapter):
    """Staff accounts are made by an organisation administrator, never by signing up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Write the message now, in the user's language; let the task worker send it after commit."""
        message = self.render_mail(template_prefix, email, context)
        html = next(
            (content for content, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"), ""
        )
        transaction.on_commit(
            lambda: send_prepared_email.enqueue(message.subject, message.body, list(message.to), html)
        )
