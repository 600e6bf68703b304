"""Writes that touch several records or start background work."""

from typing import Any

from django.db import transaction

from opora.accounts.models import User
from opora.accounts.tasks import send_welcome_email
from opora.organisation.models import Membership, Organisation, Role, RolePolicy


@transaction.atomic
def staff_save(*, form: Any, formset: Any, password: str | None = None, login_url: str = "") -> User:
    """Save a staff member with their roles; a new member with an e-mail address is told by e-mail."""
    user: User = form.save(commit=False)
    creating = user.pk is None
    if password:
        user.set_password(password)
    user.full_clean()
    user.save()
    formset.instance = user
    formset.save()
    _set_administrator(user, form.cleaned_data.get("is_administrator", False))
    if creating and user.email:
        transaction.on_commit(lambda: send_welcome_email.enqueue(user.pk, login_url))
    return user


def _set_administrator(user: User, administrator: bool) -> None:
    existing = Membership.objects.filter(user=user, service__isnull=True)
    if administrator and not existing.exists():
        Membership.objects.create(user=user, service=None, role=Role.ADMINISTRATOR)
    elif not administrator:
        for membership in existing:
            membership.delete()


@transaction.atomic
def role_policies_set(*, organisation: Organisation, required_roles: set[str]) -> None:
    """Record, role by role, whether two-factor authentication is required."""
    for role in Role:
        policy, _ = RolePolicy.objects.get_or_create(organisation=organisation, role=role)
        if policy.mfa_required != (role in required_roles):
            policy.mfa_required = role in required_roles
            policy.save()
