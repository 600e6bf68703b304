"""What intake tells the apps that build on it, so that ``cases`` need not know them: ``opora.deadlines``
starts the tasks the law attaches to a referral (its rules are defined there, once).

The signal is defined in the contract both apps import (``opora.core.due_facts``) and re-exported here for
the senders of this app."""

from opora.core.due_facts import referral_recorded

# Sent inside the transaction that records a referral, under its recorder as the actor: ``referral``, ``by``.
__all__ = ["referral_recorded"]
