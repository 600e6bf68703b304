"""Intake's forms: recording a referral, the triage, the link to a person. Forms only validate; the services
write the records and enforce the rules (capacity, the waiting list, what a referral must carry). A form asks
the service's own check where it can (``check_referral``), so that the message appears next to the field."""

from pathlib import Path
from typing import Any, ClassVar

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.forms.models import construct_instance
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from opora.accounts.models import User
from opora.cases.intake.models import Decision, DeclineGround, Referral, assessment_upload_to, private_storage
from opora.cases.intake.services import ASSESSMENT_FILE_SIGNATURES, check_assessment_file, check_referral
from opora.core.forms import (
    IdChoiceField,
    IdMultipleChoiceField,
    PastDateTimeField,
    ShowWhenMixin,
    parse_ids,
)
from opora.core.widgets import DateTimeInput, PickMany
from opora.organisation.models import Service
from opora.people.forms import MAX_CHOICES, person_label
from opora.people.models import Person
from opora.people.search import rank_people

# A file chosen on a form that comes back with errors is kept in the private storage, under a random name
# carried back in a signed token (never a path the browser chose), for the same user, for a day.
KEPT_FILE_SALT = "opora.cases.kept-assessment-file"
KEPT_FILE_MAX_AGE = 24 * 3600


def keep_file(upload: UploadedFile, user: User) -> tuple[str, str, str]:
    """Store ``upload`` (already checked) until the form is saved: (token, name on disk, the user's name)."""
    filename = Path(upload.name or "").name[-255:]
    stored = private_storage().save(assessment_upload_to(Referral(), filename), upload)
    return signing.dumps({"file": stored, "name": filename, "user": user.pk}, salt=KEPT_FILE_SALT), stored, filename


def kept_file(token: str, user: User) -> tuple[str, str] | None:
    """(name on disk, the user's name) of the file a token keeps, or None for a token that is not one of
    ``user``'s, is too old, or names no stored referral file."""
    try:
        kept = signing.loads(token, salt=KEPT_FILE_SALT, max_age=KEPT_FILE_MAX_AGE)
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(kept, dict) or kept.get("user") != user.pk:
        return None
    stored, filename = str(kept.get("file", "")), str(kept.get("name", ""))
    if not stored.startswith("referrals/") or ".." in stored or not private_storage().exists(stored):
        return None
    return stored, filename


class ReceivedAtField(PastDateTimeField):
    too_late = _("This is in the future: type when the referral arrived.")


def offer_people(field: forms.ModelMultipleChoiceField, shown: QuerySet[Person] | list[Person], selected: Any) -> None:
    """Offer ``shown`` (at most MAX_CHOICES) and everyone already chosen, while the field still validates
    against its whole queryset: a choice among thousands is never rendered in full."""
    people = list(shown[:MAX_CHOICES])
    offered = {person.pk for person in people}
    chosen = [pk for pk in parse_ids(selected) if pk not in offered]
    if chosen:
        people = list(field.queryset.filter(pk__in=chosen)) + people  # type: ignore[union-attr]
    field.widget.choices = [(person.pk, person_label(person)) for person in people]


class ReferralForm(forms.ModelForm):
    """Record a referral or a request. Errors come back next to their fields, and nothing typed is lost."""

    edit_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=2**31)
    kept_file = forms.CharField(widget=forms.HiddenInput, required=False, max_length=1000)

    class Meta:
        model = Referral
        fields = [
            "service",
            "kind",
            "source",
            "referring_institution",
            "referring_person",
            "document_number",
            "received_at",
            "people",
            "home_municipality",
            "reasons",
            "urgent",
            "violence_concern",
            "child_alone",
            "preliminary_assessment",
            "preliminary_assessment_file",
        ]
        field_classes = {"service": IdChoiceField, "people": IdMultipleChoiceField, "received_at": ReceivedAtField}
        widgets = {
            "kind": forms.RadioSelect,
            "received_at": DateTimeInput(),
            "people": PickMany("people:person_pick"),
            "reasons": forms.Textarea(attrs={"rows": 4}),
            "preliminary_assessment": forms.Textarea(attrs={"rows": 6}),
            "preliminary_assessment_file": forms.FileInput(
                attrs={"accept": ",".join(sorted(ASSESSMENT_FILE_SIGNATURES))}
            ),
        }

    def __init__(
        self,
        *args: Any,
        services: QuerySet[Service],
        people: QuerySet[Person],
        query: str = "",
        preselected: list[int] | None = None,
        user: User,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.kept: tuple[str, str] | None = None
        service_field = self.fields["service"]
        assert isinstance(service_field, forms.ModelChoiceField)
        service_field.queryset = services
        if self.instance.pk:
            # A correction keeps the service: moving a referral to another service is a redirection.
            service_field.disabled = True
            self.initial["edit_version"] = self.instance.edit_version
        else:
            del self.fields["edit_version"]
        if len(services) == 1:
            service_field.initial = services[0].pk
        people_field = self.fields["people"]
        assert isinstance(people_field, forms.ModelMultipleChoiceField)
        people_field.queryset = people
        # Without script the search above offers the people it finds; with it, the picker asks as one types.
        shown = rank_people(people, query, limit=MAX_CHOICES) if query else []
        selected = self["people"].value() if self.is_bound else preselected
        if not self.is_bound and preselected:
            self.initial["people"] = preselected
        offer_people(people_field, shown, selected)
        people_field.help_text = _(
            "Type part of a name, or the EGN, and choose each child and family member. "
            "Someone not yet registered is registered first under People."
        )
        if not self.is_bound:
            self.initial.setdefault("received_at", timezone.localtime().replace(second=0, microsecond=0))
        municipality = self.fields["home_municipality"]
        municipality.required = False
        municipality.help_text = format_lazy(
            "{} {}", municipality.help_text, _("Left empty, it is taken from the address of the first person chosen.")
        )

    def clean_preliminary_assessment_file(self) -> Any:
        upload = self.cleaned_data.get("preliminary_assessment_file")
        if isinstance(upload, UploadedFile):
            check_assessment_file(upload)
        return upload

    def clean_kept_file(self) -> str:
        token = self.cleaned_data.get("kept_file", "")
        if token:
            self.kept = kept_file(token, self.user)
            if self.kept is None:
                raise ValidationError(_("The file chosen before is no longer kept: choose it again."))
        return token

    def clean(self) -> dict[str, Any]:
        """The rules of ``referral_record`` (``check_referral``), shown next to their fields at once."""
        cleaned = super().clean() or {}
        if "kept_file" in self.errors:
            self.add_error("preliminary_assessment_file", self.errors.pop("kept_file"))
        referral = construct_instance(self, Referral(service_id=self.instance.service_id), exclude=["people"])
        if self.kept is not None and not isinstance(cleaned.get("preliminary_assessment_file"), UploadedFile):
            # No other file chosen: the one kept from the last try is the referral's.
            self.instance.preliminary_assessment_file.name, self.instance.preliminary_assessment_filename = self.kept
            referral.preliminary_assessment_file = self.instance.preliminary_assessment_file
        elif self.instance.preliminary_assessment_file and not cleaned.get("preliminary_assessment_file"):
            referral.preliminary_assessment_file = self.instance.preliminary_assessment_file  # a correction's file
        try:
            check_referral(referral, cleaned.get("people") if "people" in cleaned else None)
        except ValidationError as refused:
            for name, errors in refused.error_dict.items():
                if name not in self.errors and (name in cleaned or name not in self.fields):
                    self.add_error(name if name in self.fields else None, errors)
        if referral.home_municipality and not cleaned.get("home_municipality") and "home_municipality" in cleaned:
            # Left empty: taken from the address of the first person with one.
            cleaned["home_municipality"] = self.instance.home_municipality = referral.home_municipality
        return cleaned

    def keep_the_file(self) -> None:
        """After a refusal, keep a new file that passed its checks, so that it need not be chosen again: the
        form comes back carrying its token, and shows "kept: name"."""
        upload = getattr(self, "cleaned_data", {}).get("preliminary_assessment_file")
        if not isinstance(upload, UploadedFile) or "preliminary_assessment_file" in self.errors:
            return
        token, stored, filename = keep_file(upload, self.user)
        self.kept = (stored, filename)
        data = self.data.copy()  # type: ignore[attr-defined]  # the request's QueryDict
        data["kept_file"] = token
        self.data = data


class PersonLinkForm(forms.Form):
    """The head of service links a person registered by another service to her own, saying why."""

    service = IdChoiceField(label=_("Service"), queryset=Service.objects.none())
    reason = forms.CharField(
        label=_("Why this is the same person"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("E.g. the same name and birth date, and the referral's address. The other service is told."),
    )

    def __init__(self, *args: Any, services: QuerySet[Service], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["service"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = services
        if len(services) == 1:
            field.initial = services[0].pk


class TriageForm(ShowWhenMixin, forms.Form):
    """The head of service's decision about a referral; each decision asks for its own details (and the page
    shows only those of the decision chosen)."""

    show_when: ClassVar[dict[str, tuple[str, tuple[str, ...]]]] = {
        "case_manager": ("decision", (Decision.ACCEPT,)),
        "team": ("decision", (Decision.ACCEPT,)),
        "override_reason": ("decision", (Decision.ACCEPT,)),
        "partner": ("decision", (Decision.REDIRECT,)),
        "decline_ground": ("decision", (Decision.DECLINE,)),
    }

    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices, widget=forms.RadioSelect)
    case_manager = IdChoiceField(
        label=_("Case manager"), queryset=User.objects.none(), required=False, help_text=_("To accept.")
    )
    team = IdMultipleChoiceField(
        label=_("Multidisciplinary team"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("To accept: who works on the case with the case manager."),
    )
    override_reason = forms.CharField(
        label=_("Why beyond capacity or out of turn"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only to accept when the service is full or others are ahead on the waiting list."),
    )
    partner = forms.CharField(
        label=_("Partner"),
        max_length=300,
        required=False,
        help_text=_("To redirect: the provider or institution the referral goes to."),
    )
    decline_ground = forms.ChoiceField(
        label=_("Ground for declining"), choices=[("", "---------"), *DeclineGround.choices], required=False
    )
    reason = forms.CharField(
        label=_("Ground in words, or a note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to decline: the referring institution and the family are told."),
    )

    def __init__(self, *args: Any, staff: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("case_manager", "team"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = staff

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        decision = cleaned.get("decision")
        if decision == Decision.ACCEPT and not cleaned.get("case_manager"):
            self.add_error("case_manager", _("Name the case manager."))
        if decision == Decision.REDIRECT and not cleaned.get("partner", "").strip():
            self.add_error("partner", _("Name the partner the referral goes to."))
        if decision == Decision.DECLINE:
            if not cleaned.get("decline_ground"):
                self.add_error("decline_ground", _("Choose the ground for declining."))
            if not cleaned.get("reason", "").strip():
                self.add_error("reason", _("Explain the ground: the referring institution and the family are told."))
        return cleaned
