"""Case work: the case (the work of one or more services with a child or a family), the states it moves
through and every move (``CaseTransition``, append-only), and the tasks a rule of law starts (``CaseTask``).

How each is scoped (``opora.access``): a case by its services, a transition by its case, a task by the service
it is assigned to. All of them are about people: never reached through a monitoring role. A case's referral
and a task's referral are intake's model, named by string (``"cases.Referral"``) so that case work imports no
other package of the app.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from opora.audit.models import AppendOnlyError
from opora.organisation.models import Organisation, Service, ServiceKind
from opora.people.models import Person


class AppendOnly(models.Model):
    """A record of something that happened: written once, never changed or deleted (like the audit trail)."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} records cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError(f"{type(self).__name__} records cannot be deleted")


# --- Cases --------------------------------------------------------------------------------------------


class CaseState(models.TextChoices):
    """The stages of a case."""

    ACCEPTED = "accepted", pgettext_lazy("case", "Accepted")
    ASSESSMENT = "assessment", _("Needs assessment")
    PLAN = "plan", _("Support plan")
    SUPPORT = "support", _("Support")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")


# Where a case may go from each state; anything else is refused. A case may be closed at any stage (the
# family moves, refuses the service); a reopened case starts again with a needs assessment. Nothing moves
# back to "accepted": only a triage decision creates a case in that state.
CASE_MOVES: dict[str, tuple[str, ...]] = {
    CaseState.ACCEPTED: (CaseState.ASSESSMENT, CaseState.CLOSED),
    CaseState.ASSESSMENT: (CaseState.PLAN, CaseState.CLOSED),
    CaseState.PLAN: (CaseState.SUPPORT, CaseState.CLOSED),
    CaseState.SUPPORT: (CaseState.CLOSED,),
    CaseState.CLOSED: (CaseState.REOPENED,),
    CaseState.REOPENED: (CaseState.ASSESSMENT, CaseState.CLOSED),
}
# A general-access service is not asked for the needs assessment and the plan (ЗСУ чл. 80 asks them of the
# specialised services; чл. 12): a case whose services are all general-access may also start support at once,
# when it is accepted or reopened. A case with one specialised service keeps the chain above.
GENERAL_ACCESS_MOVES: dict[str, tuple[str, ...]] = {
    CaseState.ACCEPTED: (CaseState.SUPPORT,),
    CaseState.REOPENED: (CaseState.SUPPORT,),
}
OPEN_STATES = tuple(state for state in CaseState if state != CaseState.CLOSED)


class CaseOutcome(models.TextChoices):
    """How a case ended (the product specification's list; the statistics count them)."""

    ABANDONMENT_PREVENTED = "abandonment_prevented", _("Abandonment prevented")
    REINTEGRATED = "reintegrated", _("Reintegrated in the family")
    FOSTER_CARE = "foster_care", _("Placed in foster care")
    ADOPTED = "adopted", _("Adopted")
    RETURNED_TO_SCHOOL = "returned_to_school", _("Returned to school")
    GOALS_ACHIEVED = "goals_achieved", _("Goals achieved")
    MOVED = "moved", _("Moved away")
    REFUSED = "refused", _("Refused the service")
    OTHER = "other", pgettext_lazy("case outcome", "Other")


class Case(models.Model):
    """The work of one or more services with a child and/or a family, led by a case manager (ЗСУ чл. 84)
    with a multidisciplinary team (чл. 80). Its state moves only through ``opora.cases.casework.services``."""

    scope_by = "services"
    is_person_level = True

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="cases", verbose_name=_("organisation")
    )
    services = models.ManyToManyField(Service, related_name="cases", verbose_name=_("services"))
    people = models.ManyToManyField(
        Person, related_name="cases", verbose_name=_("people"), help_text=_("The child and family members.")
    )
    case_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="managed_cases", verbose_name=_("case manager")
    )
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="case_teams", blank=True, verbose_name=_("multidisciplinary team")
    )
    state = models.CharField(
        _("state"), max_length=12, choices=CaseState.choices, default=CaseState.ACCEPTED, editable=False
    )
    referral = models.OneToOneField(
        "cases.Referral",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="case",
        verbose_name=_("referral"),
    )
    from_other_municipality = models.BooleanField(_("from another municipality"), default=False, editable=False)
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)
    # The outcome of the latest closure (empty while open); every closure's outcome stays on its transition.
    outcome = models.CharField(_("outcome"), max_length=30, choices=CaseOutcome.choices, blank=True, editable=False)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-opened_at", "-pk"]
        indexes = [
            models.Index(fields=["state"], name="case_state"),
            # The case list's order: its page is read along the index, never sorted from the whole table.
            models.Index(fields=["-opened_at", "-id"], name="case_list_order"),
            # The case list sorted by state (opora.core.sorting: every order ends with the id).
            models.Index(fields=["state", "id"], name="case_list_by_state"),
        ]

    def __str__(self) -> str:
        return str(_("Case %(number)s") % {"number": self.pk or "—"})

    @property
    def is_open(self) -> bool:
        return self.state != CaseState.CLOSED

    @property
    def is_general_access(self) -> bool:
        """Whether every service of the case is general-access (as ``opora.deadlines.engine.case_kind`` says):
        then the law asks it no needs assessment or plan. Reads the services prefetched, if they are."""
        kinds = {service.kind for service in self.services.all()}
        return kinds == {ServiceKind.GENERAL_ACCESS}


class CaseTransition(AppendOnly):
    """One move of a case from a state to another: who, when and why. The first one (from no state) is
    the acceptance."""

    scope_by = "case"
    is_person_level = True

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="transitions", verbose_name=_("case"))
    from_state = models.CharField(_("state before"), max_length=12, choices=CaseState.choices, blank=True)
    to_state = models.CharField(_("state after"), max_length=12, choices=CaseState.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("moved by")
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)
    reason = models.TextField(_("reason"), blank=True)
    override_reason = models.TextField(_("why beyond capacity"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=30, choices=CaseOutcome.choices, blank=True)

    class Meta:
        verbose_name = _("case transition")
        verbose_name_plural = _("case transitions")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case}: {self.get_from_state_display() or '—'} → {self.get_to_state_display()}"


# --- Tasks --------------------------------------------------------------------------------------------


class NotifiedHow(models.TextChoices):
    """How someone was told (a task of law is a notification or a coordination)."""

    PHONE = "phone", _("by phone")
    EMAIL = "email", _("by e-mail")
    LETTER = "letter", _("by letter")
    IN_PERSON = "in_person", _("in person")
    OTHER = "other", pgettext_lazy("notified how", "other")


class CaseTask(models.Model):
    """Something a service must do by a time, started by a rule of law (its source is kept with it), shown
    until it is done. Minimal for now: a title, the time it is due, who it is for, when and how it was done."""

    scope_by = "service"
    is_person_level = True

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("service"))
    # The code of the deadline rule that started it (``opora.deadlines.rules.RuleCode``).
    kind = models.CharField(_("kind"), max_length=30)
    title = models.CharField(_("task"), max_length=300)
    legal_source = models.CharField(_("legal source"), max_length=200, blank=True)
    due_at = models.DateTimeField(_("due"), db_index=True)
    # When the period counts from (the referral or the signal was received).
    signal_at = models.DateTimeField(_("signal received"), null=True, blank=True, editable=False)
    # Due at once by law: ``due_at`` is then the end of the organisation's grace, after which it is overdue.
    immediate = models.BooleanField(_("at once"), default=False, editable=False)
    referral = models.ForeignKey(
        "cases.Referral",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("referral"),
    )
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="tasks", verbose_name=_("case")
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_tasks",
        verbose_name=_("assigned to"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    done_at = models.DateTimeField(_("done on"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
    )
    done_note = models.TextField(_("what was done"), blank=True)
    # Who was told, when and how: three facts, each checked, rather than one sentence.
    notified_whom = models.CharField(_("who was notified"), max_length=300, blank=True)
    notified_at = models.DateTimeField(_("when they were notified"), null=True, blank=True)
    notified_how = models.CharField(_("how"), max_length=20, choices=NotifiedHow.choices, blank=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["due_at", "pk"]
        indexes = [models.Index(fields=["service", "done_at", "due_at"], name="task_open_by_due")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    @property
    def is_overdue(self) -> bool:
        return not self.is_done and self.due_at < timezone.now()
