"""Background work for staff accounts, run by the task worker (never inside a request)."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, send_mail
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import translation

from opora.accounts.models import User


@task()
def send_welcome_email(user_id: int, login_url: str) -> None:
    """Tell a new staff member that their account exists and where to log in (no password is sent)."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return
    with translation.override(settings.LANGUAGE_CODE):
        context = {"user": user, "login_url": login_url}
        subject = render_to_string("accounts/email/welcome_subject.txt", context).strip()
        body = render_to_string("accounts/email/welcome_message.txt", context)
    send_mail(subject, body, None, [user.email])


@task()
def send_prepared_email(subject: str, body: str, to: list[str], html: str = "") -> None:
    """Send a message that was written (and translated) in the request that asked for it."""
    message = EmailMultiAlternatives(subject, body, None, to)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
