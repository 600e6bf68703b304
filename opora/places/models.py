"""Places by EKATTE, the national register of settlements kept by the National Statistical Institute.

Regions (области), municipalities (общини) and settlements (населени места) are reference data: they
are the same for every organisation and change only by ``manage.py import_ekatte``. Addresses point at
settlements, so a settlement that leaves the register is deactivated, never deleted.
"""

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

REGION_CODE = r"^[A-Z]{3}$"
MUNICIPALITY_CODE = r"^[A-Z]{3}\d{2}$"
EKATTE_CODE = r"^\d{5}$"


class SettlementKind(models.TextChoices):
    """The register's three kinds of settlement (the column ``t_v_m``)."""

    TOWN = "town", pgettext_lazy("settlement kind", "town")
    VILLAGE = "village", pgettext_lazy("settlement kind", "village")
    MONASTERY = "monastery", pgettext_lazy("settlement kind", "monastery")


# The register's own abbreviations. A Bulgarian address is written with them whatever the interface
# language ("гр. Русе"), so they are part of the name, not text to translate.
ABBREVIATIONS: dict[str, str] = {
    SettlementKind.TOWN: "гр.",
    SettlementKind.VILLAGE: "с.",
    SettlementKind.MONASTERY: "ман.",
}


class Region(models.Model):
    """A region (област), e.g. RSE for Ruse; 28 in all."""

    # No ``scope_by``: reference data that every user reads. Query it directly, never through
    # ``opora.access.scope()``, which returns nothing for a model without a scope.

    code = models.CharField(
        _("code"), max_length=3, unique=True, validators=[RegexValidator(REGION_CODE, _("Three capital letters."))]
    )
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    """A municipality (община), e.g. RSE27 for Ruse: the region's code and its number in the region."""

    # No ``scope_by``: reference data, see Region.

    code = models.CharField(
        _("code"),
        max_length=5,
        unique=True,
        validators=[RegexValidator(MUNICIPALITY_CODE, _("Three capital letters and two digits."))],
    )
    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="municipalities", verbose_name=_("region")
    )

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name"]
        indexes = [models.Index(fields=["name"], name="places_municipality_name")]

    def __str__(self) -> str:
        return self.name


class SettlementQuerySet(models.QuerySet["Settlement"]):
    def active(self) -> "SettlementQuerySet":
        """Settlements still in the register: the only ones a new address may use."""
        return self.filter(is_active=True)


class Settlement(models.Model):
    """A town, village or monastery, identified by its EKATTE code (five digits, leading zeros kept)."""

    # No ``scope_by``: reference data, see Region.

    ekatte = models.CharField(
        _("EKATTE code"),
        max_length=5,
        unique=True,
        validators=[RegexValidator(EKATTE_CODE, _("The EKATTE code has 5 digits."))],
    )
    kind = models.CharField(_("kind"), max_length=10, choices=SettlementKind.choices)
    name = models.CharField(_("name"), max_length=100)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="settlements", verbose_name=_("municipality")
    )
    is_active = models.BooleanField(
        pgettext_lazy("settlement", "active"),
        default=True,
        help_text=_("Off when the settlement has left the register; addresses that use it keep it."),
    )

    objects = SettlementQuerySet.as_manager()

    class Meta:
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        ordering = ["name", "ekatte"]
        indexes = [
            models.Index(fields=["name"], name="places_settlement_name"),
            models.Index(fields=["municipality", "name"], name="places_settlement_muni_name"),
        ]

    def __str__(self) -> str:
        return f"{ABBREVIATIONS[self.kind]} {self.name}"

    @property
    def full_name(self) -> str:
        """The name with its municipality and region, as on a Bulgarian address: "гр. Русе, общ. Русе, обл. Русе".

        Reads the municipality and its region: select_related("municipality__region") for a list.
        """
        municipality = self.municipality
        return f"{self}, общ. {municipality.name}, обл. {municipality.region.name}"
