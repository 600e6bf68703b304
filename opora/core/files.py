"""Where files about people are kept: ``STORAGES["private"]``, a directory the web server never serves.
Views hand a file out only after the access check (e.g. a referral's preliminary assessment)."""

from typing import Any

from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.utils.functional import LazyObject, empty


class PrivateStorage(LazyObject):
    """``storages["private"]``, looked up at first use rather than when a model field is defined."""

    _wrapped: object

    def _setup(self) -> None:
        self._wrapped = storages["private"]


private_storage = PrivateStorage()


def _forget_private_storage(*, setting: str, **kwargs: Any) -> None:
    # Django forgets its own storages when STORAGES changes (tests point it at a temporary directory);
    # this one must follow, as ``default_storage`` does.
    if setting == "STORAGES":
        private_storage._wrapped = empty


setting_changed.connect(_forget_private_storage, dispatch_uid="opora-private-storage")
