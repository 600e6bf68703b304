"""People and families: the children, parents, relatives, candidates and young people the services work
with, how they are related, and the households they live in.

This app is the hub the later ones (referrals, cases, foster care…) point at; it imports nothing of theirs.
"""

import datetime
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from opora.audit.models import AppendOnlyError
from opora.core.crypto import decrypt, encrypt, lookup_digest
from opora.core.identifiers import mask_egn
from opora.core.transliteration import search_key, transliterate
from opora.organisation.models import Organisation, Service
from opora.places.models import Settlement

# Letters of the Bulgarian alphabet (with the accented ѝ and ѐ), words joined by a hyphen, an apostrophe
# or a space: "Анна-Мария", "Д'Артанян", "Мария Магдалена".
_CYRILLIC_WORD = "[\u0400-\u0481\u048a-\u04ff]+"
_LATIN_WORD = r"[A-Za-z\u00C0-\u024F]+"
_JOINERS = "[-'’ ]"
CYRILLIC_NAME = re.compile(rf"^{_CYRILLIC_WORD}(?:{_JOINERS}+{_CYRILLIC_WORD})*$")
LATIN_NAME = re.compile(rf"^{_LATIN_WORD}(?:{_JOINERS}+{_LATIN_WORD})*$")

validate_cyrillic_name = RegexValidator(
    CYRILLIC_NAME,
    _("Type the name in Cyrillic letters; a hyphen, an apostrophe and a space between words are allowed."),
    code="invalid_name",
)
validate_latin_name = RegexValidator(
    LATIN_NAME,
    _("Type the name in Latin letters; a hyphen, an apostrophe and a space between words are allowed."),
    code="invalid_name",
)

MASK_CHARACTER = "•"

# How ``Person.clean`` and its helpers collect errors: field name, message.
ErrorAdder = Callable[[str, Any], None]


class PersonKind(models.TextChoices):
    """Who the person is to the services."""

    CHILD = "child", _("Child")
    UNBORN = "unborn", _("Unborn child (pregnancy)")
    PARENT = "parent", _("Parent")
    RELATIVE = "relative", _("Relative")
    CANDIDATE = "candidate", _("Foster or adoptive candidate")
    CARE_LEAVER = "care_leaver", _("Young person leaving care")
    OTHER = "other", pgettext_lazy("person kind", "Other")


class IdentityKind(models.TextChoices):
    """How the person is identified."""

    EGN = "egn", _("EGN (Bulgarian personal number)")
    LNCH = "lnch", _("LNCh (personal number of a foreigner)")
    FOREIGN = "foreign", _("Foreign identity document")
    NONE = "none", _("No identifier")


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


def normalise_identifier(kind: str, value: str) -> str:
    """The one stored form of an identifier, so that equal numbers give equal lookup digests.

    An ЕГН or ЛНЧ is its ten digits (validated elsewhere, only surrounding spaces forgiven); a foreign
    document number is compared without spaces and hyphens and in capitals, as it is printed.
    """
    value = value.strip()
    if kind == IdentityKind.FOREIGN:
        return re.sub(r"[\s-]+", "", value).upper()
    return value


def identifier_digest(kind: str, value: str) -> str:
    """The keyed hash under which an identifier is found again (exact lookup without decrypting)."""
    return lookup_digest(normalise_identifier(kind, value))


class NameWord(models.Model):
    """Every word of every name in the register, once: the vocabulary against which the words of a search
    are matched, typos and all, before people are looked up by their exact words (opora.people.search).

    Words are only added, never removed: a word nobody bears any longer only costs a look-up that finds
    no one. It holds no more than the names themselves, and is never shown.
    """

    word = models.CharField(_("word"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("name word")
        verbose_name_plural = _("name words")

    def __str__(self) -> str:
        return self.word

    @staticmethod
    def add_words_of(key: str) -> None:
        words = {word[:100] for word in key_words(key)}
        NameWord.objects.bulk_create([NameWord(word=word) for word in sorted(words)], ignore_conflicts=True)


def key_words(key: str) -> list[str]:
    """The words of a stored search key (both spellings, " / " between them)."""
    return [word for word in re.split(r"[ /]+", key) if word]


class PersonQuerySet(models.QuerySet["Person"]):
    def active(self) -> "PersonQuerySet":
        """Without the records merged into another one (kept for the trail, never listed or chosen)."""
        return self.filter(merged_into__isnull=True)


class Person(models.Model):
    """A person the services work with: a child (also one not yet born), a parent, a relative, a foster or
    adoptive candidate, a young person leaving care.

    The identifier (ЕГН, ЛНЧ or a foreign document's number) is never stored in plain text: only
    encrypted, and as a keyed digest for exact lookup. A person is visible to the staff of the services
    that work with them (``services``) and to the organisation's administrator.
    """

    scope_by = "services"
    is_person_level = True

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="people", verbose_name=_("organisation")
    )
    services = models.ManyToManyField(
        Service,
        related_name="people",
        verbose_name=_("services"),
        help_text=_("The services that work with the person; their staff can see the record."),
    )
    kind = models.CharField(_("registered as"), max_length=20, choices=PersonKind.choices, default=PersonKind.CHILD)

    first_name = models.CharField(_("first name"), max_length=100, blank=True, validators=[validate_cyrillic_name])
    middle_name = models.CharField(_("middle name"), max_length=100, blank=True, validators=[validate_cyrillic_name])
    last_name = models.CharField(_("last name"), max_length=100, blank=True, validators=[validate_cyrillic_name])
    latin_from_passport = models.BooleanField(
        _("Latin spelling from the passport"),
        default=False,
        help_text=_("Tick to type the Latin names as in the passport; otherwise they follow the Transliteration Act."),
    )
    first_name_latin = models.CharField(
        _("first name in Latin"), max_length=100, blank=True, validators=[validate_latin_name]
    )
    middle_name_latin = models.CharField(
        _("middle name in Latin"), max_length=100, blank=True, validators=[validate_latin_name]
    )
    last_name_latin = models.CharField(
        _("last name in Latin"), max_length=100, blank=True, validators=[validate_latin_name]
    )

    identity_kind = models.CharField(
        _("identified by"), max_length=10, choices=IdentityKind.choices, default=IdentityKind.EGN
    )
    # Never a plain column: the number encrypted (Fernet) and its keyed digest for exact lookup.
    identifier_encrypted = models.TextField(_("identifier (encrypted)"), blank=True, editable=False)
    identifier_digest = models.CharField(
        _("identifier lookup digest"), max_length=64, blank=True, db_index=True, editable=False
    )
    document_country = models.CharField(
        _("country of the document"), max_length=100, blank=True, help_text=_("For a foreign identity document.")
    )
    no_identifier_reason = models.CharField(
        _("why there is no identifier"),
        max_length=300,
        blank=True,
        help_text=_("For example: not known yet, the person refuses to give it, no documents."),
    )

    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True, help_text=_("For an unborn child."))
    mother = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="expected_children",
        verbose_name=_("mother"),
        help_text=_("For an unborn child: the pregnant mother."),
    )

    settlement = models.ForeignKey(
        Settlement, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("settlement")
    )
    address = models.CharField(
        _("address"), max_length=300, blank=True, help_text=_("Street, number, block, entrance, flat.")
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="merged_records",
        verbose_name=_("merged into"),
        help_text=_("A duplicate record of the same person: every link has moved to this one."),
    )

    # The Cyrillic and the Latin full names, normalised for search; kept in step by save().
    search_key = models.TextField(_("search key"), blank=True, editable=False)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["last_name", "first_name", "middle_name", "pk"]
        indexes = [
            models.Index(fields=["organisation", "last_name", "first_name"], name="people_person_name"),
            # The selective key of the duplicate check: a day has a few hundred births in the whole country.
            models.Index(fields=["organisation", "birth_date"], name="people_person_birth_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind=PersonKind.UNBORN) | Q(due_date__isnull=False, mother__isnull=False),
                name="people_unborn_has_due_date_and_mother",
            ),
            models.CheckConstraint(
                condition=Q(identity_kind=IdentityKind.NONE) | ~Q(identifier_digest=""),
                name="people_identifier_present_unless_none",
            ),
            # The form says who holds a number already; this is the backstop for two registrations at once.
            models.UniqueConstraint(
                fields=["organisation", "identifier_digest"],
                condition=~Q(identifier_digest=""),
                name="people_one_person_per_identifier",
            ),
        ]

    def __str__(self) -> str:
        if self.full_name:
            return self.full_name
        if self.kind == PersonKind.UNBORN and self.due_date:
            return str(_("Unborn child (due %(date)s)") % {"date": self.due_date.strftime("%d.%m.%Y")})
        return str(_("Person without a name"))

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Derived columns, kept in step here so that every way of saving (forms, imports, the demo) agrees.
        self.fill_latin_names()
        self.refresh_search_key()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], *_DERIVED_FIELDS}
        super().save(*args, **kwargs)
        NameWord.add_words_of(self.search_key)

    # --- Names ---

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.middle_name, self.last_name) if part)

    @property
    def full_name_latin(self) -> str:
        return " ".join(part for part in (self.first_name_latin, self.middle_name_latin, self.last_name_latin) if part)

    def fill_latin_names(self) -> None:
        """The Latin names by the Transliteration Act, unless the passport's spelling was typed."""
        if self.latin_from_passport:
            return
        self.first_name_latin = transliterate(self.first_name)
        self.middle_name_latin = transliterate(self.middle_name)
        self.last_name_latin = transliterate(self.last_name)

    def refresh_search_key(self) -> None:
        keys = []
        for name in (self.full_name, self.full_name_latin):
            key = search_key(name)
            if key and key not in keys:
                keys.append(key)
        # A separator no search key contains, so that a query never matches across the two names.
        self.search_key = " / ".join(keys)

    # --- The identifier ---

    def set_identifier(self, value: str) -> None:
        """Store ``value`` (already validated) encrypted, with its lookup digest; an empty value clears both."""
        number = normalise_identifier(self.identity_kind, value)
        self.identifier_encrypted = encrypt(number) if number else ""
        self.identifier_digest = lookup_digest(number) if number else ""

    @property
    def identifier(self) -> str:
        """The identifier in plain text: show it only to a user with ``Perm.IDENTIFIER_VIEW``."""
        return decrypt(self.identifier_encrypted) if self.identifier_encrypted else ""

    @property
    def masked_identifier(self) -> str:
        """The identifier for a user who must not see it: an ЕГН keeps its birth date, anything else nothing."""
        number = self.identifier
        if self.identity_kind == IdentityKind.EGN:
            return mask_egn(number)
        return MASK_CHARACTER * len(number)

    # --- Dates ---

    @property
    def age(self) -> int | None:
        """Full years today (in Bulgaria), or None without a birth date."""
        if self.birth_date is None:
            return None
        today = timezone.localdate()
        birthday_passed = (today.month, today.day) >= (self.birth_date.month, self.birth_date.day)
        return today.year - self.birth_date.year - (0 if birthday_passed else 1)

    @property
    def is_unborn(self) -> bool:
        return self.kind == PersonKind.UNBORN

    def clean(self) -> None:
        """The rules that hold between the fields whatever the form (the identifier's own checks, which need
        the plain number, are in ``opora.people.forms`` and ``opora.people.services``)."""
        errors: dict[str, list[ValidationError]] = {}

        def error(field: str, message: Any) -> None:
            errors.setdefault(field, []).append(ValidationError(message))

        if self.kind == PersonKind.UNBORN:
            self._clean_unborn(error)
        else:
            if not self.first_name:
                error("first_name", _("Enter the first name."))
            if not self.last_name:
                error("last_name", _("Enter the last name."))
            if self.due_date is not None:
                error("due_date", _("A due date is only for an unborn child."))
            if self.mother_id is not None:
                error("mother", _("The mother is recorded here only for an unborn child; add a relation instead."))
        if self.birth_date and self.birth_date > timezone.localdate():
            error("birth_date", _("The birth date cannot be in the future."))
        if self.latin_from_passport:
            if self.first_name and not self.first_name_latin:
                error("first_name_latin", _("Type the first name as in the passport."))
            if self.last_name and not self.last_name_latin:
                error("last_name_latin", _("Type the last name as in the passport."))
        self._clean_identity(error)
        if errors:
            raise ValidationError(errors)

    def _clean_unborn(self, error: ErrorAdder) -> None:
        if self.due_date is None:
            error("due_date", _("Enter the expected due date."))
        elif self.due_date > timezone.localdate() + datetime.timedelta(days=300):
            error("due_date", _("A due date is at most ten months away: check the date."))
        if self.mother_id is None:
            error("mother", _("Choose the mother of the unborn child."))
        elif self.mother_id == self.pk:
            error("mother", _("A person cannot be their own mother."))
        elif self.mother is not None:
            if self.mother.organisation_id != self.organisation_id:
                error("mother", _("The mother must be registered in the same organisation."))
            if self.mother.kind == PersonKind.UNBORN:
                error("mother", _("The mother cannot be an unborn child."))
        if self.birth_date is not None:
            error("birth_date", _("An unborn child has a due date, not a birth date."))
        if self.identity_kind != IdentityKind.NONE:
            error("identity_kind", _("An unborn child has no identifier yet: choose “No identifier”."))

    def _clean_identity(self, error: ErrorAdder) -> None:
        if self.identity_kind == IdentityKind.NONE:
            if self.identifier_digest:
                error("identity_kind", _("Choose the kind of identifier for the number typed."))
            if not self.no_identifier_reason.strip() and self.kind != PersonKind.UNBORN:
                error("no_identifier_reason", _("Say why the person has no identifier."))
        elif not self.identifier_digest:
            error("identifier", _("Enter the number, or choose “No identifier” and say why."))
        if self.identity_kind == IdentityKind.FOREIGN and not self.document_country.strip():
            error("document_country", _("Enter the country that issued the document."))


_DERIVED_FIELDS = ("first_name_latin", "middle_name_latin", "last_name_latin", "search_key")


class RelationshipKind(models.TextChoices):
    """What ``relative`` is to ``person``: Мария is Мартин's mother."""

    MOTHER = "mother", _("Mother")
    FATHER = "father", _("Father")
    GUARDIAN = "guardian", _("Guardian")
    GRANDPARENT = "grandparent", _("Grandparent")
    SIBLING = "sibling", _("Sibling")
    PARTNER = "partner", _("Partner")
    FOSTER_PARENT = "foster_parent", _("Foster parent")
    OTHER = "other", pgettext_lazy("relationship", "Other")


# What ``person`` is to ``relative``, read from the relative's side.
INVERSE_LABELS = {
    RelationshipKind.MOTHER: _("Child"),
    RelationshipKind.FATHER: _("Child"),
    RelationshipKind.GUARDIAN: _("Ward"),
    RelationshipKind.GRANDPARENT: _("Grandchild"),
    RelationshipKind.SIBLING: _("Sibling"),
    RelationshipKind.PARTNER: _("Partner"),
    RelationshipKind.FOSTER_PARENT: _("Foster child"),
    RelationshipKind.OTHER: pgettext_lazy("relationship", "Other"),
}
SYMMETRIC_KINDS = {RelationshipKind.SIBLING, RelationshipKind.PARTNER}


class Relationship(models.Model):
    """How two people are related: ``relative`` is ``person``'s ``kind`` (his mother, her guardian), from
    ``start_date`` to ``end_date`` when known. Visible when ``person`` is."""

    scope_by = "person"
    is_person_level = True

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="relationships", verbose_name=_("person"))
    relative = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="relationships_as_relative", verbose_name=_("relative")
    )
    kind = models.CharField(_("relation"), max_length=20, choices=RelationshipKind.choices)
    start_date = models.DateField(_("from"), null=True, blank=True)
    end_date = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("relation")
        verbose_name_plural = _("relations")
        ordering = ["kind", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(person=models.F("relative")), name="people_relationship_not_self"),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="people_relationship_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["person", "relative", "kind"],
                condition=Q(end_date__isnull=True),
                name="people_relationship_one_current",
            ),
        ]

    def __str__(self) -> str:
        return str(
            _("%(relative)s — %(kind)s of %(person)s")
            % {"relative": self.relative, "kind": self.get_kind_display().lower(), "person": self.person}
        )

    @property
    def inverse_label(self) -> str:
        return str(INVERSE_LABELS[RelationshipKind(self.kind)])

    @property
    def is_current(self) -> bool:
        return self.end_date is None or self.end_date >= timezone.localdate()

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.person_id is not None and self.person_id == self.relative_id:
            errors["relative"] = _("A person cannot be their own relative.")
        elif self.person_id is not None and self.relative_id is not None:
            if self.person.organisation_id != self.relative.organisation_id:
                errors["relative"] = _("Both people must be registered in the same organisation.")
            elif self.kind and self._duplicates().exists():
                errors["kind"] = _("This relation is already recorded.")
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("The end date cannot be before the start date.")
        if errors:
            raise ValidationError(errors)

    def _duplicates(self) -> "models.QuerySet[Relationship]":
        """The same relation, still open, already recorded (a sibling or a partner from either side)."""
        if self.end_date is not None:
            return Relationship.objects.none()
        same = Q(person_id=self.person_id, relative_id=self.relative_id)
        if self.kind in SYMMETRIC_KINDS:
            same |= Q(person_id=self.relative_id, relative_id=self.person_id)
        return Relationship.objects.filter(same, kind=self.kind, end_date__isnull=True).exclude(pk=self.pk)


class Household(models.Model):
    """People who live together at one address (a family's home, a foster family's home). Visible when one
    of its members is."""

    scope_by = "members"
    is_person_level = True

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="households", verbose_name=_("organisation")
    )
    name = models.CharField(_("name"), max_length=200, help_text=_("For example: the Kolevi family."))
    settlement = models.ForeignKey(
        Settlement, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("settlement")
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    members = models.ManyToManyField(
        Person, through="HouseholdMember", related_name="households", verbose_name=_("members")
    )
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class HouseholdMember(models.Model):
    """A person's membership of a household, from ``start_date`` to ``end_date``. Visible when the person is."""

    scope_by = "person"
    is_person_level = True

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("household")
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="household_memberships", verbose_name=_("person")
    )
    start_date = models.DateField(_("from"), null=True, blank=True)
    end_date = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("household member")
        verbose_name_plural = _("household members")
        ordering = ["start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="people_household_member_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["household", "person"],
                condition=Q(end_date__isnull=True),
                name="people_household_member_one_current",
            ),
        ]

    def __str__(self) -> str:
        return str(_("%(person)s in %(household)s") % {"person": self.person, "household": self.household})

    @property
    def is_current(self) -> bool:
        return self.end_date is None or self.end_date >= timezone.localdate()

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("The end date cannot be before the start date.")
        if self.household_id is not None and self.person_id is not None:
            if self.household.organisation_id != self.person.organisation_id:
                errors["person"] = _("The person and the household must be in the same organisation.")
            elif (
                self.end_date is None
                and HouseholdMember.objects.filter(
                    household_id=self.household_id, person_id=self.person_id, end_date__isnull=True
                )
                .exclude(pk=self.pk)
                .exists()
            ):
                errors["household"] = _("The person already lives in this household.")
        if errors:
            raise ValidationError(errors)


class PersonMerge(models.Model):
    """Two records of one person made one: ``merged`` (the duplicate, kept) into ``survivor``, which every
    link moved to. ``moved`` says what moved, so that the merge can be explained later. Append-only, like
    the audit trail. Visible when the survivor is."""

    scope_by = "survivor"
    is_person_level = True

    survivor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges", verbose_name=_("merged into"))
    merged = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="merges_as_duplicate", verbose_name=_("merged record")
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("merged by")
    )
    at = models.DateTimeField(_("merged on"), auto_now_add=True)
    reason = models.TextField(_("reason"))
    moved = models.JSONField(_("what moved"), default=dict)

    class Meta:
        verbose_name = _("merge of two records")
        verbose_name_plural = _("merges of two records")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return str(_("%(merged)s merged into %(survivor)s") % {"merged": self.merged, "survivor": self.survivor})

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} records cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError(f"{type(self).__name__} records cannot be deleted")
