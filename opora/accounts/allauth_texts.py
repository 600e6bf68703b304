"""allauth's texts that our own catalogue translates again: its Bulgarian catalogue has typos ("Добяне на
е-mail адрес") and a spoken register ("Забрави си паролата?"). Django looks in ``LOCALE_PATHS`` before an
app's catalogue, so a msgid translated in opora/locale wins; naming them here keeps ``make messages`` from
dropping them as unused."""

from django.utils.translation import gettext_noop

ALLAUTH_TEXTS = (
    gettext_noop("Email Addresses"),
    gettext_noop("The following email addresses are associated with your account:"),
    gettext_noop("Add Email Address"),
    gettext_noop("Add Email"),
    gettext_noop("Forgot your password?"),
)
