"""Staff accounts."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A member of staff or a volunteer; what they may do comes from their memberships."""

    scope_by = "staff"
    is_person_level = True

    organisation = models.ForeignKey(
        "organisation.Organisation",
        on_delete=models.PROTECT,
        related_name="staff",
        null=True,
        blank=True,
        verbose_name=_("organisation"),
    )
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["first_name", "last_name"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class UsedTotpCode(models.Model):
    """A TOTP code already used to log in: refused if offered again while it is still valid.

    allauth keeps used codes in the cache, which is each process's own memory unless a shared one is
    configured; in the database the record holds with any number of app servers.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=20)
    used_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "code"], name="used_totp_code_once")]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.used_at:%Y-%m-%d %H:%M:%S}"
