"""Intake's and case work's permissions, who holds them, and how their records are scoped (read by
opora.access)."""

from opora.access.registry import Perm, declare, grant, scope_path
from opora.organisation.models import Role

declare(
    REFERRAL_VIEW="referral.view",
    REFERRAL_MANAGE="referral.manage",
    REFERRAL_TRIAGE="referral.triage",
    CASE_VIEW="case.view",
    CASE_WORK="case.work",
    CASE_APPROVE="case.approve",
)

# Reading referrals and cases: everyone who works with the children of the service (psychologists and
# pedagogues are on the multidisciplinary teams). Recording referrals and moving a case through assessment
# and plan: the roles that manage cases. Triage, the start of support (the plan in force), closing and
# reopening: the head of the service, who answers for capacity and the waiting list (ЗСУ чл. 79–80).
HEADS = [Role.ADMINISTRATOR, Role.HEAD]
CASE_MANAGERS = [*HEADS, Role.SOCIAL_WORKER, Role.FOSTER_CARE]
grant([*CASE_MANAGERS, Role.PSYCHOLOGIST, Role.PEDAGOGUE], [Perm.REFERRAL_VIEW, Perm.CASE_VIEW])
grant(CASE_MANAGERS, [Perm.REFERRAL_MANAGE, Perm.CASE_WORK])
grant(HEADS, [Perm.REFERRAL_TRIAGE, Perm.CASE_APPROVE])

# A record about a referral (a triage decision) and a record about a case (a transition, a document).
scope_path(
    "referral", organisation="referral__service__organisation_id", services="referral__service_id__in", many=False
)
scope_path("case", organisation="case__organisation_id", services="case__services__in", many=True)
