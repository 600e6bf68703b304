"""Background work of the deadline app, run by the task worker (never inside a request)."""

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone, translation

from opora.accounts.models import User
from opora.deadlines.models import Notification
from opora.deadlines.selectors import notifications_of, reachable_keys
from opora.deadlines.stored import sync_organisation


@task()
def rebuild_due_items(organisation_id: int) -> None:
    """Work out every open case and task of the organisation again after its time limits changed
    (``deadline_rules_set`` enqueues it on commit): a change of a limit touches every open case, which is the
    worker's to do rather than the administrator's request's."""
    sync_organisation(organisation_id)


@task()
def send_deadline_email(user_id: int, notification_ids: list[int], base_url: str = "") -> None:
    """E-mail a member of staff the day's notifications about time limits, in the organisation's language.
    The text names cases by number only: e-mail leaves Opora, names stay in it. Only what the user may still
    see is sent."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return
    chosen = list(notifications_of(user).filter(pk__in=notification_ids).order_by("pk"))
    # Asked again now, not when the job wrote them: a worker who has left the service since gets nothing.
    reachable = reachable_keys(user, {n.item_key for n in chosen})
    notifications = [n for n in chosen if n.item_key in reachable]
    if not notifications:
        return
    with translation.override(settings.LANGUAGE_CODE):
        context = {"user": user, "notifications": notifications, "base_url": base_url.rstrip("/")}
        subject = render_to_string("deadlines/email/deadlines_subject.txt", context).strip()
        body = render_to_string("deadlines/email/deadlines_message.txt", context)
    send_mail(subject, body, None, [user.email])
    Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(emailed_at=timezone.now())
