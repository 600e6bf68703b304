"""Who is acting now: set per request by the middleware, read when a change is recorded.

A context variable (not a thread-local) so that it is right under threads and async alike; outside a
request (management commands, the task worker) the actor is None and the change is the system's.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_current_actor: ContextVar[Any] = ContextVar("opora_audit_actor", default=None)


def current_actor() -> Any:
    return _current_actor.get()


@contextmanager
def acting_as(user: Any) -> Iterator[None]:
    token = _current_actor.set(user if getattr(user, "is_authenticated", False) else None)
    try:
        yield
    finally:
        _current_actor.reset(token)
