"""Every string Opora shows is translated into Bulgarian, and the Bulgarian is what Django serves.

The first test extracts the strings afresh from a copy of the code (the repository is never written
to), so a string added to a template or a form without its translation fails here, not in front of a
social worker. The others check the committed catalogue itself and that its compiled form is in use.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.conftest import World

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "opora"
PO_FILE = PACKAGE / "locale" / "bg" / "LC_MESSAGES" / "django.po"
GETTEXT_PROGRAMS = ("xgettext", "msguniq", "msgmerge", "msgattrib", "msgfmt")
NPLURALS = 2


def require_gettext() -> None:
    """Fail (never skip) without GNU gettext: `make test` installs it, so its absence is a broken setup."""
    missing = [program for program in GETTEXT_PROGRAMS if shutil.which(program) is None]
    if missing:
        pytest.fail(
            f"GNU gettext is not installed (missing: {', '.join(missing)}); "
            "run `make install` or install the `gettext` system package."
        )


def problems(catalogue: polib.POFile) -> list[str]:
    """One line per entry that is untranslated, partly translated (a plural form left empty) or fuzzy."""
    found = []
    for entry in catalogue:
        if entry.obsolete:
            continue
        if entry.msgid_plural:
            forms = [entry.msgstr_plural.get(index, "") for index in range(NPLURALS)]
            missing = not all(form.strip() for form in forms)
        else:
            missing = not entry.msgstr.strip()
        reasons = [reason for reason, present in (("untranslated", missing), ("fuzzy", entry.fuzzy)) if present]
        if reasons:
            context = f" [context {entry.msgctxt!r}]" if entry.msgctxt else ""
            found.append(f"{' and '.join(reasons)}: {entry.msgid!r}{context}")
    return found


def test_every_string_in_the_code_has_a_bulgarian_translation(tmp_path: Path) -> None:
    require_gettext()
    copy = tmp_path / "opora"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "*.pot"))
    # makemessages writes into settings.LOCALE_PATHS as well as into the locale folder of the directory
    # it runs in; a settings module that names only the copy's folder keeps the repository untouched.
    settings_dir = tmp_path / "settings"
    settings_dir.mkdir()
    (settings_dir / "translation_check_settings.py").write_text(
        f"from opora.settings import *  # noqa: F403\nLOCALE_PATHS = [{str(copy / 'locale')!r}]\n",
        encoding="utf-8",
    )
    committed = PO_FILE.read_bytes()
    environment = {
        **os.environ,
        "OPORA_ENVIRONMENT": "test",
        "DJANGO_SETTINGS_MODULE": "translation_check_settings",
        "PYTHONPATH": str(settings_dir),
    }
    result = subprocess.run(
        [sys.executable, str(REPO / "manage.py"), "makemessages", "-l", "bg", "--no-location", "--no-obsolete"],
        cwd=copy,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}"
    assert PO_FILE.read_bytes() == committed, "makemessages wrote into the repository instead of the copy"

    extracted = polib.pofile(str(copy / "locale" / "bg" / "LC_MESSAGES" / "django.po"))
    assert len(extracted) > 0, "makemessages found no strings: did it run in the copied package?"
    missing = problems(extracted)
    assert not missing, (
        f"{len(missing)} string(s) lack a Bulgarian translation; run `make messages`, translate them in "
        f"{PO_FILE.relative_to(PACKAGE.parent)} and remove the fuzzy flags:\n" + "\n".join(missing)
    )


def test_the_committed_catalogue_is_complete_and_valid(tmp_path: Path) -> None:
    require_gettext()
    catalogue = polib.pofile(str(PO_FILE))
    assert catalogue.metadata.get("Language") == "bg"
    assert "charset=UTF-8" in catalogue.metadata.get("Content-Type", "")
    assert catalogue.metadata.get("Plural-Forms", "").startswith(f"nplurals={NPLURALS};")
    assert not catalogue.metadata_is_fuzzy, "the catalogue's header is still marked fuzzy"
    missing = problems(catalogue)
    assert not missing, "untranslated or fuzzy entries in the committed catalogue:\n" + "\n".join(missing)

    result = subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "django.mo"), str(PO_FILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"msgfmt --check rejects {PO_FILE.name}:\n{result.stderr}"


def test_a_visitor_who_asks_for_no_language_reads_bulgarian(client: Client) -> None:
    response = client.get(reverse("account_login"))
    assert response["Content-Language"] == "bg"
    assert 'lang="bg"' in response.content.decode()


def test_django_serves_the_compiled_bulgarian_catalogue() -> None:
    assert (PO_FILE.parent / "django.mo").exists(), "django.mo is missing: run `make install` (compilemessages)"
    with translation.override("bg"):
        assert translation.gettext("Services") == "Услуги"
        # Every entry of the catalogue, as served: a stale .mo (the .po changed, the .mo was not rebuilt)
        # shows up here as a difference.
        stale = []
        for entry in polib.pofile(str(PO_FILE)):
            if entry.obsolete or entry.fuzzy or not entry.translated():
                continue  # reported by the test above
            if entry.msgid_plural:
                served = [
                    translation.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
                    if entry.msgctxt
                    else translation.ngettext(entry.msgid, entry.msgid_plural, n)
                    for n in (1, 5)
                ]
                expected = [entry.msgstr_plural.get(0, ""), entry.msgstr_plural.get(1, "")]
            else:
                served = [
                    translation.pgettext(entry.msgctxt, entry.msgid)
                    if entry.msgctxt
                    else translation.gettext(entry.msgid)
                ]
                expected = [entry.msgstr]
            if served != expected:
                stale.append(f"{entry.msgid!r}: served {served!r}, catalogue says {expected!r}")
    assert not stale, "the compiled catalogue is out of date; run `make install`:\n" + "\n".join(stale)
    with translation.override("en"):
        assert translation.gettext("Services") == "Services"


def test_allauth_pages_read_in_correct_bulgarian(world: World) -> None:
    """allauth's own catalogue has typos and a spoken register; ours translates those msgids again."""
    from django.test import Client
    from django.urls import reverse

    from opora.organisation.models import Role

    client = world.client_for(Role.SOCIAL_WORKER)
    email_page = client.get(reverse("account_email"), HTTP_ACCEPT_LANGUAGE="bg").content.decode()
    assert "Имейл адреси" in email_page
    assert "Добавяне на имейл адрес" in email_page
    assert "Добяне" not in email_page
    assert "E-mail адреси" not in email_page
    login_page = Client().get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="bg").content.decode()
    assert "Забравена парола?" in login_page
    assert "Забрави си паролата?" not in login_page


def test_deadline_sources_carry_no_notes_meant_for_developers() -> None:
    from django.utils import translation

    from opora.deadlines.rules import DEFINITIONS

    with translation.override("bg"):
        sources = [str(definition.legal_source) for definition in DEFINITIONS.values()]
    assert not [source for source in sources if "агенцията" in source or "непотвърдена" in source]
    assert all(source.strip() for source in sources)
