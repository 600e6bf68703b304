"""What intake tells the apps that build on it, so that ``cases`` need not know them: ``opora.deadlines``
starts the tasks the law attaches to a referral (its rules are defined there, once)."""

from django.dispatch import Signal

# Sent inside the transaction that records a referral, under its recorder as the actor: ``referral``, ``by``.
referral_recorded = Signal()
