"""Forms only validate; ``opora.cases.services`` writes the records and enforces the rules that need the
database (capacity, the waiting list, who may be on a case). A rule a form can see on its own is checked
here too, so that the message appears next to the field at once."""

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from opora.accounts.models import User
from opora.cases.models import (
    SOURCES_WITHOUT_INSTITUTION,
    CaseState,
    Decision,
    DeclineGround,
    Referral,
    ReferralKind,
    ReferralSource,
)
from opora.organisation.models import Service
from opora.people.forms import MAX_CHOICES, person_label
from opora.people.models import Person, PersonKind
from opora.people.search import rank_people

# What a preliminary assessment may be: a scan (PDF or a picture) or a document; each kind is recognised by
# its first bytes, so that a file named "assessment.pdf" is a PDF.
ASSESSMENT_FILE_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF-",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    ".docx": (b"PK\x03\x04",),
    ".odt": (b"PK\x03\x04",),
}
MAX_ASSESSMENT_FILE_MB = 10
# A clock a few minutes fast on the user's computer is not a referral from the future.
FUTURE_TOLERANCE = datetime.timedelta(minutes=5)


class DateTimeInput(forms.DateTimeInput):
    """The browser's date and time picker; the value travels as YYYY-MM-DDTHH:MM in local time."""

    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def check_assessment_file(upload: UploadedFile) -> None:
    """Refuse a file too large, of a kind not accepted, or whose content is not what its name says."""
    name = upload.name or ""
    extension = name[name.rfind(".") :].lower() if "." in name else ""
    if extension not in ASSESSMENT_FILE_SIGNATURES:
        raise ValidationError(_("Attach a PDF, a picture (JPEG, PNG) or a document (DOC, DOCX, ODT)."))
    if (upload.size or 0) > MAX_ASSESSMENT_FILE_MB * 1024 * 1024:
        raise ValidationError(
            _("The file is larger than %(size)s MB: scan it at a lower resolution, or attach its first pages.")
            % {"size": MAX_ASSESSMENT_FILE_MB}
        )
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if not head.startswith(ASSESSMENT_FILE_SIGNATURES[extension]):
        raise ValidationError(
            _("The file's content is not a %(kind)s document, as its name says. Attach the file itself.")
            % {"kind": extension.lstrip(".").upper()}
        )


def offer_people(field: forms.ModelMultipleChoiceField, shown: QuerySet[Person] | list[Person], selected: Any) -> None:
    """Offer ``shown`` (at most MAX_CHOICES) and everyone already chosen, while the field still validates
    against its whole queryset: a choice among thousands is never rendered in full."""
    people = list(shown[:MAX_CHOICES])
    offered = {person.pk for person in people}
    chosen = [str(pk) for pk in (selected or []) if str(pk).isdigit() and int(pk) not in offered]
    if chosen:
        people = list(field.queryset.filter(pk__in=chosen)) + people  # type: ignore[union-attr]
    field.widget.choices = [(person.pk, person_label(person)) for person in people]


class ReferralForm(forms.ModelForm):
    """Record a referral or a request. Errors come back next to their fields, and nothing typed is lost."""

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
        widgets = {
            "kind": forms.RadioSelect,
            "received_at": DateTimeInput(),
            "people": forms.SelectMultiple(attrs={"size": 8}),
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
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        service_field = self.fields["service"]
        assert isinstance(service_field, forms.ModelChoiceField)
        service_field.queryset = services
        if len(services) == 1:
            service_field.initial = services[0].pk
        people_field = self.fields["people"]
        assert isinstance(people_field, forms.ModelMultipleChoiceField)
        people_field.queryset = people
        shown = rank_people(people, query, limit=MAX_CHOICES) if query else people.order_by("last_name", "first_name")
        selected = self["people"].value() if self.is_bound else preselected
        if not self.is_bound and preselected:
            self.initial["people"] = preselected
        offer_people(people_field, shown, selected)
        people_field.help_text = _(
            "Narrow the list by typing part of a name in the search above; hold Ctrl to choose several. "
            "Someone not yet registered is registered first under People."
        )
        if not self.is_bound:
            self.initial.setdefault("received_at", timezone.localtime().replace(second=0, microsecond=0))
        municipality = self.fields["home_municipality"]
        municipality.required = False
        municipality.help_text = format_lazy(
            "{} {}", municipality.help_text, _("Left empty, it is taken from the address of the first person chosen.")
        )

    def clean_received_at(self) -> datetime.datetime:
        received = self.cleaned_data["received_at"]
        if received > timezone.now() + FUTURE_TOLERANCE:
            raise ValidationError(_("This is in the future: type when the referral arrived."))
        return received

    def clean_preliminary_assessment_file(self) -> Any:
        upload = self.cleaned_data.get("preliminary_assessment_file")
        if isinstance(upload, UploadedFile):
            check_assessment_file(upload)
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind, source = cleaned.get("kind"), cleaned.get("source")
        if kind == ReferralKind.REFERRAL and source == ReferralSource.SELF:
            self.add_error(
                "kind",
                _("A person who asks for support themselves makes a request: choose “Request without a referral”."),
            )
        if source and source not in SOURCES_WITHOUT_INSTITUTION and not cleaned.get("referring_institution"):
            self.add_error("referring_institution", _("Name the institution that sends the referral."))
        has_assessment = cleaned.get("preliminary_assessment") or cleaned.get("preliminary_assessment_file")
        if kind == ReferralKind.REFERRAL and not has_assessment:
            self.add_error(
                "preliminary_assessment",
                _(
                    "Every referral carries a preliminary assessment (Social Services Act, art. 73): type it here "
                    "or attach the file."
                ),
            )
        self._clean_child_alone(cleaned)
        self._clean_home_municipality(cleaned)
        return cleaned

    def _clean_child_alone(self, cleaned: dict[str, Any]) -> None:
        if not cleaned.get("child_alone"):
            return
        if cleaned.get("source") and cleaned["source"] != ReferralSource.SELF:
            self.add_error("child_alone", _("A child who comes alone refers themselves: choose “Self-referral”."))
        people = cleaned.get("people")
        if people is not None and not any(person.kind == PersonKind.CHILD for person in people):
            self.add_error("child_alone", _("None of the people chosen is registered as a child."))

    def _clean_home_municipality(self, cleaned: dict[str, Any]) -> None:
        """Left empty, the municipality is that of the first chosen person with a known settlement."""
        if cleaned.get("home_municipality"):
            return
        for person in cleaned.get("people") or []:
            if person.settlement_id is not None:
                cleaned["home_municipality"] = person.settlement.municipality.name
                self.instance.home_municipality = cleaned["home_municipality"]
                return
        if cleaned.get("people"):
            self.add_error(
                "home_municipality",
                _("Type the municipality where the family lives: none of the people has an address in Opora."),
            )

    def ask_for_the_file_again(self) -> None:
        """A browser never sends a chosen file twice: after a refusal, say so next to the file field."""
        if self.files.get("preliminary_assessment_file") and "preliminary_assessment_file" not in self.errors:
            self.add_error(
                "preliminary_assessment_file",
                _("Choose the file again: it is not kept while the form has errors."),
            )


class TriageForm(forms.Form):
    """The head of service's decision about a referral; each decision asks for its own details."""

    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices, widget=forms.RadioSelect)
    case_manager = forms.ModelChoiceField(
        label=_("Case manager"), queryset=User.objects.none(), required=False, help_text=_("To accept.")
    )
    team = forms.ModelMultipleChoiceField(
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


class CaseMoveForm(forms.Form):
    """Move a case to its next state: the button pressed says where to, the text says why."""

    to = forms.ChoiceField(
        label=_("Move to"),
        choices=CaseState.choices,
        error_messages={"required": _("Press the button of the state the case moves to.")},
    )
    reason = forms.CharField(
        label=_("Reason or note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to close or to reopen the case."),
    )
    override_reason = forms.CharField(
        label=_("Why beyond capacity"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only to reopen the case when its service is full."),
    )

    def __init__(self, *args: Any, state: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if state != CaseState.CLOSED:
            del self.fields["override_reason"]


class TaskCompleteForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For a notification: who was told, when and how."),
        error_messages={"required": _("Say what was done: for a notification, who was told, when and how.")},
    )
