"""Cached roles, role policies and authenticators are forgotten when their rows change, on any app server."""

from typing import Any

from allauth.mfa.models import Authenticator
from django.db.models.signals import post_delete, post_save

from opora.access import forget_cached_memberships
from opora.accounts.mfa import forget_has_totp, forget_mfa_roles
from opora.accounts.models import User
from opora.organisation.models import Membership, RolePolicy


def _membership_changed(sender: Any, instance: Membership, **kwargs: Any) -> None:
    forget_cached_memberships(instance.user_id)


def _user_changed(sender: Any, instance: User, **kwargs: Any) -> None:
    forget_cached_memberships(instance.pk)
    forget_has_totp(instance.pk)


def _policy_changed(sender: Any, instance: RolePolicy, **kwargs: Any) -> None:
    forget_mfa_roles(instance.organisation_id)


def _authenticator_changed(sender: Any, instance: Authenticator, **kwargs: Any) -> None:
    forget_has_totp(instance.user_id)


def connect() -> None:
    for signal in (post_save, post_delete):
        signal.connect(_membership_changed, sender=Membership, dispatch_uid="opora-forget-memberships")
        signal.connect(_user_changed, sender=User, dispatch_uid="opora-forget-user")
        signal.connect(_policy_changed, sender=RolePolicy, dispatch_uid="opora-forget-mfa-roles")
        signal.connect(_authenticator_changed, sender=Authenticator, dispatch_uid="opora-forget-totp")
