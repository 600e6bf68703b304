"""Forms only validate; views and services copy the cleaned data onto the records."""

from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.db.models.fields import BLANK_CHOICE_LABEL
from django.utils.translation import gettext_lazy as _

from opora.accounts.models import User
from opora.core.forms import IdChoiceField, IdMultipleChoiceField
from opora.core.formsets import TamperProofFormSetMixin
from opora.organisation.models import (
    SERVICE_ROLES,
    ActivityType,
    Membership,
    Organisation,
    Programme,
    Role,
    Service,
)


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "short_name", "eik", "municipality", "address", "email", "phone"]


class ServiceForm(forms.ModelForm):
    activity_types = forms.MultipleChoiceField(
        label=_("Activity types"),
        choices=ActivityType.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Service
        fields = ["name", "kind", "activity_types", "municipality", "address", "capacity", "is_active"]

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.organisation = organisation


class ProgrammeForm(forms.ModelForm):
    class Meta:
        model = Programme
        fields = ["name", "direction", "description", "services", "is_active"]
        field_classes = {"services": IdMultipleChoiceField}
        widgets = {"services": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.organisation = organisation
        self.fields["services"].queryset = organisation.services.all()  # type: ignore[attr-defined]


class StaffForm(forms.ModelForm):
    is_administrator = forms.BooleanField(
        label=_("Organisation administrator"),
        required=False,
        help_text=_("Manages the organisation, its services, staff and settings, and reads the audit trail."),
    )

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "job_title", "phone", "is_active"]

    def __init__(self, *args: Any, organisation: Organisation, editor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.organisation = organisation
        self.editor = editor
        self.fields["first_name"].required = True
        self.fields["last_name"].required = True

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # An administrator who could demote or deactivate themselves could leave nobody to undo it.
        if self.instance.pk is not None and self.instance.pk == self.editor.pk:
            if not cleaned.get("is_administrator"):
                self.add_error("is_administrator", _("You cannot remove your own administrator role."))
            if not cleaned.get("is_active"):
                self.add_error("is_active", _("You cannot deactivate your own account."))
        return cleaned


class NewStaffForm(StaffForm):
    password = forms.CharField(
        label=_("Initial password"),
        widget=forms.PasswordInput(render_value=True),
        help_text=_("At least 12 characters; give it to the person yourself."),
    )

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        validate_password(password, self.instance)
        return password


class MembershipForm(forms.ModelForm):
    # The blank first option matters: a browser always sends a select's value, so without it every
    # untouched extra row would arrive as "head of service" and fail for want of a service.
    role = forms.ChoiceField(
        label=_("Role"), choices=[("", BLANK_CHOICE_LABEL), *((r.value, r.label) for r in SERVICE_ROLES)]
    )

    class Meta:
        model = Membership
        fields = ["service", "role"]
        field_classes = {"service": IdChoiceField}

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = organisation.services.all()  # type: ignore[attr-defined]
        self.fields["service"].required = True


class BaseMembershipFormSet(TamperProofFormSetMixin, forms.BaseInlineFormSet):  # type: ignore[misc]
    def clean(self) -> None:
        super().clean()
        seen = set()
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            service = form.cleaned_data.get("service")
            if service in seen:
                form.add_error("service", _("A staff member has one role in a service."))
            seen.add(service)


MembershipFormSet = forms.inlineformset_factory(
    User,
    Membership,
    form=MembershipForm,
    formset=BaseMembershipFormSet,
    extra=2,
    can_delete=True,
)


class RolePoliciesForm(forms.Form):
    """One tick box per role: whether everyone in that role must use two-factor authentication."""

    def __init__(self, *args: Any, required_roles: set[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for role in Role:
            self.fields[role.value] = forms.BooleanField(
                label=role.label, required=False, initial=role.value in required_roles
            )

    def required_roles(self) -> set[str]:
        return {role for role, required in self.cleaned_data.items() if required}
