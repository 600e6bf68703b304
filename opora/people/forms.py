"""Forms only validate; ``opora.people.services`` writes the records.

The identifier is not a model field (only its encrypted form and digest are stored), so the person form
carries it as an extra field, checks it, and derives the birth date and sex from an ЕГН.
"""

import re
from typing import Any, ClassVar

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from opora.core.forms import BirthDateField, DueDateField, IdChoiceField, LifeDateField, ShowWhenMixin, parse_id
from opora.core.identifiers import egn_info, validate_lnch
from opora.core.phones import format_phone, normalise_phone
from opora.core.widgets import PickOne, use_picker
from opora.organisation.models import Organisation, Service
from opora.people.models import (
    Household,
    HouseholdMember,
    IdentityKind,
    Person,
    PersonKind,
    Relationship,
    Sex,
    identifier_digest,
    normalise_identifier,
)
from opora.people.search import rank_people
from opora.places.models import Settlement

# A select of people shows at most this many; the rest are found by typing part of a name.
MAX_CHOICES = 200

NAME_FIELDS = ("first_name", "middle_name", "last_name", "first_name_latin", "middle_name_latin", "last_name_latin")


class SettlementChoiceField(IdChoiceField):
    """A settlement from EKATTE, shown with its municipality so that two villages of one name differ."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            queryset=Settlement.objects.active().select_related("municipality"),
            required=False,
            label=_("Settlement"),
            **kwargs,
        )

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj} ({obj.municipality.name})"


def show_choices(field: forms.ModelChoiceField, shown: QuerySet[Person] | list[Person], selected: Any = None) -> None:
    """Offer only ``shown`` (at most MAX_CHOICES) and the selected one, while the field still validates
    against its whole queryset: a choice among thousands is never rendered in full. A picker offers "no one"
    only where the field may stay empty (a select always has its empty line)."""
    people = list(shown[:MAX_CHOICES])
    chosen = parse_id(selected)
    if chosen is not None and all(person.pk != chosen for person in people):
        people += list(field.queryset.filter(pk=chosen))  # type: ignore[union-attr]
    offered = [(person.pk, person_label(person)) for person in people]
    if not isinstance(field.widget, PickOne):
        field.widget.choices = [("", "---------"), *offered]
    else:
        field.widget.choices = offered if field.required else [("", _("No one")), *offered]


def mother_candidates(people: QuerySet[Person]) -> QuerySet[Person]:
    """Who may be an unborn child's mother, among ``people``: a born person, not a man."""
    return people.exclude(kind=PersonKind.UNBORN).exclude(sex=Sex.MALE)


def person_label(person: Person) -> str:
    born = person.birth_date.strftime("%Y") if person.birth_date else ""
    return f"{person} ({born})" if born else str(person)


class ModelErrorsMixin:
    """How a model's own validation errors reach a form that does not show every model field.

    ``FIELD_FOR`` names the form field that stands for a model field (a relation's "relative" is the form's
    "other"); an error on a field the form does not show goes to the top. A field the form has already
    complained about keeps its one message instead of getting the model's repetition of it.
    """

    FIELD_FOR: dict[str, str] = {}

    def add_error(self, field: str | None, error: Any) -> None:
        if field is None and isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            fields: dict[str, Any] = self.fields  # type: ignore[attr-defined]
            reported = self.errors  # type: ignore[attr-defined]
            routed: dict[str, list[ValidationError]] = {}
            for name, messages in error.error_dict.items():
                target = self.FIELD_FOR.get(name, name)
                if target not in fields:
                    target = NON_FIELD_ERRORS
                if target != NON_FIELD_ERRORS and target in reported:
                    continue
                routed.setdefault(target, []).extend(messages)
            if not routed:
                return
            error = ValidationError(routed)
        super().add_error(field, error)  # type: ignore[misc]


class PersonForm(ShowWhenMixin, ModelErrorsMixin, forms.ModelForm):
    """Register or edit a person. Errors come back next to their fields and nothing typed is lost. An unborn
    child's due date and mother show only for an unborn child; the document's country only for a foreign
    document, the reason for having no number only without one."""

    show_when: ClassVar[dict[str, tuple[str, tuple[str, ...]]]] = {
        "due_date": ("kind", (PersonKind.UNBORN,)),
        "mother": ("kind", (PersonKind.UNBORN,)),
        "document_country": ("identity_kind", (IdentityKind.FOREIGN,)),
        "no_identifier_reason": ("identity_kind", (IdentityKind.NONE,)),
    }

    identifier = forms.CharField(
        label=_("Number"),
        required=False,
        max_length=30,
        help_text=_("The EGN, the LNCh or the number of the foreign document."),
    )
    version = forms.CharField(widget=forms.HiddenInput, required=False)
    # Shown only when the registration found people who may be the same one (see ``person_create``).
    different_person = forms.BooleanField(
        label=_("This is a different person"),
        required=False,
        help_text=_("Tick after checking the people listed above; the person is then registered."),
    )

    class Meta:
        model = Person
        fields = [
            "kind",
            "first_name",
            "middle_name",
            "last_name",
            "latin_from_passport",
            "first_name_latin",
            "middle_name_latin",
            "last_name_latin",
            "identity_kind",
            "identifier",
            "document_country",
            "no_identifier_reason",
            "birth_date",
            "sex",
            "due_date",
            "mother",
            "settlement",
            "address",
            "phone",
        ]
        field_classes = {
            "birth_date": BirthDateField,
            "due_date": DueDateField,
            "mother": IdChoiceField,
            "settlement": IdChoiceField,  # replaced by SettlementChoiceField in __init__
        }
        widgets = {
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        }

    def __init__(
        self,
        *args: Any,
        organisation: Organisation,
        people: QuerySet[Person],
        can_see_identifier: bool,
        services: QuerySet[Service] | None = None,
        **kwargs: Any,
    ) -> None:
        """``people``: whom the user may see (the mother is chosen among them); ``services``: where the user may
        register a person (a new person only); ``can_see_identifier``: whether the stored number is shown."""
        super().__init__(*args, **kwargs)
        self.instance.organisation = organisation
        self.organisation = organisation
        self.people = people
        self.can_see_identifier = can_see_identifier
        self.creating = self.instance.pk is None
        self.fields["settlement"] = SettlementChoiceField()
        self.fields["identifier"].widget.attrs["autocomplete"] = "off"
        self.fields["identifier"].widget.attrs["inputmode"] = "text"
        self._setup_mother(people)
        if services is not None:
            self._setup_service(services)
        if self.creating:
            del self.fields["version"]
        else:
            del self.fields["different_person"]
            self.initial["version"] = self.instance.updated_at.isoformat()
            if self.instance.phone:
                self.initial["phone"] = format_phone(self.instance.phone)
            self._setup_identifier_for_edit()

    def _setup_mother(self, people: QuerySet[Person]) -> None:
        field = self.fields["mother"]
        assert isinstance(field, forms.ModelChoiceField)
        candidates = mother_candidates(people)
        if self.instance.pk is not None:
            candidates = candidates.exclude(pk=self.instance.pk)
        field.queryset = candidates
        use_picker(field, PickOne("people:person_pick", params={"who": "mother"}))
        field.help_text = _(
            "For an unborn child: type part of the mother's name. "
            "Or open the mother's page and choose “Register an expected child”."
        )
        # Offered: only the mother chosen (the picker finds the others; without script, the mother's page).
        show_choices(field, [], self["mother"].value())

    def _setup_service(self, services: QuerySet[Service]) -> None:
        self.fields["service"] = IdChoiceField(
            queryset=services,
            label=_("Service"),
            help_text=_("The service that registers the person; its staff will see the record."),
        )
        # The service comes first on the page.
        self.order_fields(["service", *self.Meta.fields])
        if len(services) == 1:
            self.initial.setdefault("service", services[0].pk)

    def _setup_identifier_for_edit(self) -> None:
        if not self.instance.identifier_encrypted:
            return
        if self.can_see_identifier:
            self.initial["identifier"] = self.instance.identifier
        else:
            self.fields["identifier"].help_text = _(
                "Stored: %(masked)s. Leave empty to keep it; type a number only to correct it."
            ) % {"masked": self.instance.masked_identifier}

    # --- Field by field ---

    def clean_phone(self) -> str:
        phone = self.cleaned_data.get("phone", "").strip()
        return normalise_phone(phone) if phone else ""

    def _clean_name(self, name: str) -> str:
        # Spaces typed twice or around a hyphen are a slip, not part of the name.
        value = re.sub(r"\s+", " ", self.cleaned_data.get(name) or "").strip()
        return re.sub(r"\s*([-'’])\s*", r"\1", value)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in NAME_FIELDS:
            if name in cleaned:
                cleaned[name] = self._clean_name(name)
        kind = cleaned.get("kind")
        if kind == PersonKind.UNBORN:
            self._clean_unborn(cleaned)
        else:
            cleaned["due_date"] = None
            cleaned["mother"] = None
            self._clean_identity(cleaned)
        if not cleaned.get("latin_from_passport"):
            for name in ("first_name_latin", "middle_name_latin", "last_name_latin"):
                cleaned[name] = ""  # filled by transliteration when saved
        return cleaned

    def _clean_unborn(self, cleaned: dict[str, Any]) -> None:
        """An unborn child has a due date and a mother, and no birth date or identifier yet."""
        if cleaned.get("identifier"):
            self.add_error("identifier", _("An unborn child has no identifier yet: leave the number empty."))
        cleaned["identity_kind"] = IdentityKind.NONE
        cleaned["identifier"] = ""
        cleaned["document_country"] = ""
        self.instance.set_identifier("")

    def _clean_identity(self, cleaned: dict[str, Any]) -> None:
        kind = cleaned.get("identity_kind")
        if kind is None:
            return
        number = self._identifier_number(cleaned, kind)
        if kind != IdentityKind.FOREIGN:
            cleaned["document_country"] = ""
        if kind != IdentityKind.NONE:
            cleaned["no_identifier_reason"] = ""
        if kind == IdentityKind.NONE:
            if number:
                self.add_error("identifier", _("Choose the kind of identifier for this number, or leave it empty."))
            self.instance.set_identifier("")
            return
        if not number:
            self.add_error("identifier", _("Enter the number, or choose “No identifier” and say why."))
            return
        try:
            self._check_number(cleaned, kind, number)
        except ValidationError as error:
            self.add_error("identifier", error)
            return
        self._check_not_registered_twice(kind, number)
        self.instance.identity_kind = kind
        self.instance.set_identifier(number)

    def _identifier_number(self, cleaned: dict[str, Any], kind: str) -> str:
        """The number typed, or, when a user who sees it masked leaves it empty, the one stored."""
        typed = normalise_identifier(kind, cleaned.get("identifier") or "")
        keeps_stored = (
            not typed
            and not self.creating
            and not self.can_see_identifier
            and self.instance.identifier_encrypted
            and self.initial_identity_kind == kind
        )
        return self.instance.identifier if keeps_stored else typed

    @property
    def initial_identity_kind(self) -> str:
        return str(self.initial.get("identity_kind", ""))

    def _check_number(self, cleaned: dict[str, Any], kind: str, number: str) -> None:
        if kind == IdentityKind.EGN:
            info = egn_info(number)
            self._agree_with_egn(cleaned, info.birth_date, info.sex)
        elif kind == IdentityKind.LNCH:
            validate_lnch(number)
        elif not re.fullmatch(r"[A-Z0-9]{4,20}", number):
            raise ValidationError(_("A document number has 4 to 20 letters and digits."), code="invalid_document")

    def _agree_with_egn(self, cleaned: dict[str, Any], birth_date: Any, sex: str) -> None:
        """A birth date or sex typed by hand must be the ЕГН's; left empty, they are taken from it."""
        typed_date, typed_sex = cleaned.get("birth_date"), cleaned.get("sex")
        if typed_date and typed_date != birth_date:
            self.add_error(
                "birth_date",
                _("The EGN gives the birth date %(date)s: correct the birth date or the EGN.")
                % {"date": birth_date.strftime("%d.%m.%Y")},
            )
        elif "birth_date" not in self.errors:
            cleaned["birth_date"] = birth_date
        if typed_sex and typed_sex != sex:
            if sex == Sex.MALE:
                message = _("The EGN is a male person's: correct the sex or the EGN.")
            else:
                message = _("The EGN is a female person's: correct the sex or the EGN.")
            self.add_error("sex", message)
        else:
            cleaned["sex"] = sex

    def refuse_taken_identifier(self) -> None:
        """A colleague registered the same number at the same moment, after this form checked it: the form's
        own message, next to the number, with everything typed kept."""
        kind = self.cleaned_data.get("identity_kind") or IdentityKind.NONE
        self._check_not_registered_twice(kind, self._identifier_number(self.cleaned_data, kind))
        if "identifier" not in self.errors:
            self.add_error("identifier", _("This number is already registered."))

    def _check_not_registered_twice(self, kind: str, number: str) -> None:
        """One identifier, one person in the organisation: say who it is when the user may see them."""
        same = Person.objects.filter(
            organisation=self.organisation, identifier_digest=identifier_digest(kind, number)
        ).exclude(pk=self.instance.pk)
        first = same.first()
        if first is None:
            return
        message: Any
        if self.people.filter(pk=first.pk).exists():
            message = _("This number is already registered, for %(name)s.") % {"name": first}
        else:
            message = _(
                "This number is already registered by another service of the organisation. "
                "Ask that service to share the person's record with yours."
            )
        self.add_error("identifier", message)


class RelationshipForm(ModelErrorsMixin, forms.ModelForm):
    """Add a relation between the person of the page and another person the user can see."""

    FIELD_FOR = {"person": "other", "relative": "other"}

    DIRECTION_RELATIVE = "relative_is"
    DIRECTION_PERSON = "person_is"

    other = IdChoiceField(queryset=Person.objects.none(), label=_("Person"))
    direction = forms.ChoiceField(
        label=_("Which way"),
        choices=[
            (DIRECTION_RELATIVE, _("The chosen person is this person's …")),
            (DIRECTION_PERSON, _("This person is the chosen person's …")),
        ],
        initial=DIRECTION_RELATIVE,
        widget=forms.RadioSelect,
    )

    class Meta:
        model = Relationship
        fields = ["kind", "start_date", "end_date"]
        labels = {"kind": _("Relation")}
        field_classes = {"start_date": LifeDateField, "end_date": LifeDateField}

    def __init__(self, *args: Any, person: Person, people: QuerySet[Person], query: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person = person
        field = self.fields["other"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = people.exclude(pk=person.pk)
        use_picker(field, PickOne("people:person_pick"))
        # Without script the search above offers the people it finds; with it, the picker asks as one types.
        shown = rank_people(field.queryset, query, limit=MAX_CHOICES) if query else []
        show_choices(field, shown, self["other"].value())
        field.help_text = _("Type part of the name, or the EGN, and choose the person.")
        self.order_fields(["other", "direction", "kind", "start_date", "end_date"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # Which of the two is ``person`` and which ``relative``, so that the model's rules (no relation to
        # oneself, one organisation, no duplicate) check the relation as it will be saved.
        other = cleaned.get("other")
        if other is not None:
            if cleaned.get("direction") == self.DIRECTION_PERSON:
                self.instance.person, self.instance.relative = other, self.person
            else:
                self.instance.person, self.instance.relative = self.person, other
        return cleaned


class RelationshipEditForm(ModelErrorsMixin, forms.ModelForm):
    """Correct the kind or the dates of a relation; mostly, record when it ended."""

    class Meta:
        model = Relationship
        fields = ["kind", "start_date", "end_date"]
        labels = {"kind": _("Relation")}
        field_classes = {"start_date": LifeDateField, "end_date": LifeDateField}


class HouseholdMemberForm(forms.Form):
    """Add the person to a household of their family, or to a new one."""

    # The households of the person's relatives are a few: each is a choice to tap, not a list to scroll.
    household = IdChoiceField(
        queryset=Household.objects.none(),
        required=False,
        label=_("An existing household"),
        help_text=_("A household of the person's relatives, or a new one named below."),
        widget=forms.RadioSelect,
        empty_label=_("A new household"),
    )
    name = forms.CharField(
        label=_("Name of a new household"),
        required=False,
        max_length=200,
        help_text=_("For example: the Kolevi family."),
    )
    address = forms.CharField(label=_("Address"), required=False, max_length=300)
    start_date = LifeDateField(label=_("Lives there since"), required=False)

    def __init__(self, *args: Any, households: QuerySet[Household], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = households  # type: ignore[attr-defined]
        self.fields["settlement"] = SettlementChoiceField()
        self.order_fields(["household", "name", "settlement", "address", "start_date"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        household, name = cleaned.get("household"), cleaned.get("name")
        if household is None and not name and "household" not in self.errors:
            self.add_error("name", _("Choose an existing household or name a new one."))
        if household is not None:
            for field in ("name", "settlement", "address"):
                if cleaned.get(field):
                    self.add_error(field, _("Leave this empty when joining an existing household."))
        return cleaned


class HouseholdMemberEditForm(ModelErrorsMixin, forms.ModelForm):
    """Correct the dates of a membership; mostly, record when the person moved out."""

    class Meta:
        model = HouseholdMember
        fields = ["start_date", "end_date"]
        field_classes = {"start_date": LifeDateField, "end_date": LifeDateField}


class PersonMergeForm(forms.Form):
    """Confirm that two records are one person, and say why."""

    reason = forms.CharField(
        label=_("Why are the two records the same person?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: the same EGN on both documents, registered twice by two services."),
    )
