"""Strings Django shows on our pages that its own Bulgarian catalogue does not translate yet.

Marking them here puts them into Opora's catalogue (opora/locale), which Django consults first.
"""

from django.utils.translation import gettext_noop

DJANGO_STRINGS_MISSING_IN_BULGARIAN = [
    gettext_noop("- Select an option -"),
]
