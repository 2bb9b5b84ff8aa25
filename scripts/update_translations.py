"""Extract tilaapp's messages, update the Finnish and Swedish catalogues and compile them.

Run it from any folder after adding or changing a translatable message:

    python scripts/update_translations.py

It writes ``tilaapp/locale/tilaapp.pot``, updates ``tilaapp/locale/{fi,sv}/LC_MESSAGES/
tilaapp.po`` from it and compiles each ``.po`` into the ``tilaapp.mo`` beside it. A file is
rewritten only when its content changes, so a second run leaves the work tree as it was.
English is the source language and has no catalogue.
"""

from __future__ import annotations

import argparse
import datetime
import io
import logging
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.util import LOCALTZ

logger = logging.getLogger("update_translations")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_NAME = "tilaapp"
MAPPING_FILE = PROJECT_ROOT / "babel.cfg"
# DOMAIN and LOCALE_DIR must match tilaapp.i18n, which loads the compiled catalogues.
DOMAIN = "tilaapp"
LOCALE_DIR = PROJECT_ROOT / PACKAGE_NAME / "locale"
TEMPLATE_FILE = LOCALE_DIR / f"{DOMAIN}.pot"
LANGUAGES = ("fi", "sv")
KEYWORD_SPECS = ("_", "gettext", "ngettext:1,2", "pgettext:1c,2", "N_")
# A source comment that starts with this tag, on the line of a message or just above it,
# reaches the catalogues as a note to translators.
TRANSLATOR_COMMENT_TAG = "Translators:"
HEADER_COMMENT = (
    "# {title}\n# This file is distributed under the same license as the tilaapp package.\n#"
)
MAX_LISTED_MESSAGES = 10


def main(argv: Sequence[str] | None = None) -> int:
    """Run the whole pipeline: extract, update and compile."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s")

    template = update_template(extract_template())

    for language in LANGUAGES:
        update_catalog(language, template)
        catalog = compile_catalog(language)
        report_progress(language, catalog)
    return 0


def extract_template() -> Catalog:
    """Extract every translatable message of the tilaapp package into a new template."""
    with MAPPING_FILE.open(encoding="utf-8") as mapping:
        # Babel 2.19 ships this parser without type annotations.
        method_map, options_map = parse_mapping_cfg(  # type: ignore[no-untyped-call]
            mapping, str(MAPPING_FILE)
        )

    template = Catalog(
        domain=DOMAIN,
        header_comment=HEADER_COMMENT.format(title="Translation template for tilaapp."),
        project=PACKAGE_NAME,
        version=read_project_version(),
        charset="utf-8",
        fuzzy=False,
    )
    extracted = extract_from_dir(
        PROJECT_ROOT / PACKAGE_NAME,
        method_map,
        options_map,
        keywords=parse_keywords(KEYWORD_SPECS),
        comment_tags=(TRANSLATOR_COMMENT_TAG,),
        strip_comment_tags=True,
    )
    for filename, lineno, message, comments, context in extracted:
        template.add(
            message,
            None,
            [(f"{PACKAGE_NAME}/{filename}", lineno)],
            auto_comments=comments,
            context=context,
        )
    return template


def update_template(extracted: Catalog) -> Catalog:
    """Write ``extracted`` to the .pot file unless only its creation date would change."""
    if TEMPLATE_FILE.exists():
        previous = read_catalog(TEMPLATE_FILE)
        extracted.creation_date = previous.creation_date
        if render_po(extracted) == TEMPLATE_FILE.read_bytes():
            logger.info("%s is up to date", relative(TEMPLATE_FILE))
            return extracted
        extracted.creation_date = datetime.datetime.now(LOCALTZ)

    write_if_changed(TEMPLATE_FILE, render_po(extracted))
    return extracted


def update_catalog(language: str, template: Catalog) -> None:
    """Merge ``template`` into the .po file of ``language``, creating the file if needed.

    Messages gone from the template are dropped. A new message close to a dropped one
    gets the old translation marked fuzzy, which is not compiled until a translator
    reviews it and removes the flag.
    """
    path = po_path(language)
    catalog = read_catalog(path, language) if path.exists() else new_catalog(language)

    catalog.update(template, update_creation_date=True)

    write_if_changed(path, render_po(catalog))


def compile_catalog(language: str) -> Catalog:
    """Compile the .po file of ``language`` into the .mo file beside it."""
    catalog = read_catalog(po_path(language), language)
    write_if_changed(po_path(language).with_suffix(".mo"), render_mo(catalog))
    return catalog


def report_progress(language: str, catalog: Catalog) -> None:
    """Log how much of ``catalog`` is translated, the first untranslated messages and errors."""
    messages = [message for message in catalog if message.id]
    untranslated = [message for message in messages if not is_translated(message)]
    logger.info(
        "%s: %d of %d messages translated",
        language,
        len(messages) - len(untranslated),
        len(messages),
    )

    for message in untranslated[:MAX_LISTED_MESSAGES]:
        state = "fuzzy" if message.fuzzy else "untranslated"
        logger.warning("%s: %s: %r", language, state, source_text(message))
    if len(untranslated) > MAX_LISTED_MESSAGES:
        logger.warning(
            "%s: %d more messages to translate", language, len(untranslated) - MAX_LISTED_MESSAGES
        )

    for message, errors in catalog.check():
        for error in errors:
            logger.warning("%s: %r: %s", language, source_text(message), error)


def new_catalog(language: str) -> Catalog:
    """Create an empty catalogue for ``language``, to be filled in by ``Catalog.update``."""
    locale = Locale.parse(language)
    title = f"{locale.english_name} translations for tilaapp."
    logger.info("creating the %s catalogue %s", locale.english_name, relative(po_path(language)))
    return Catalog(
        locale=locale,
        domain=DOMAIN,
        header_comment=HEADER_COMMENT.format(title=title),
        project=PACKAGE_NAME,
        version=read_project_version(),
        revision_date=datetime.datetime.now(LOCALTZ),
        last_translator="tilaapp developers",
        language_team=locale.english_name,
        charset="utf-8",
        fuzzy=False,
    )


def is_translated(message: Message) -> bool:
    """Tell whether ``message`` has a reviewed translation for every plural form."""
    forms = [message.string] if isinstance(message.string, str) else list(message.string or [""])
    return not message.fuzzy and all(forms)


def source_text(message: Message) -> str:
    """Return the English singular of ``message``, the form a developer searches for."""
    return message.id if isinstance(message.id, str) else message.id[0]


def read_catalog(path: Path, language: str | None = None) -> Catalog:
    with path.open("rb") as po_file:
        return read_po(po_file, locale=language, domain=DOMAIN, abort_invalid=True)


def render_po(catalog: Catalog) -> bytes:
    # Line numbers are left out so that moving code does not rewrite every catalogue.
    buffer = io.BytesIO()
    write_po(buffer, catalog, ignore_obsolete=True, include_lineno=False)
    return buffer.getvalue()


def render_mo(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def write_if_changed(path: Path, content: bytes) -> None:
    if path.exists() and path.read_bytes() == content:
        logger.info("%s is up to date", relative(path))
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    logger.info("wrote %s", relative(path))


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_project_version() -> str:
    with (PROJECT_ROOT / "pyproject.toml").open("rb") as pyproject:
        version: str = tomllib.load(pyproject)["project"]["version"]
    return version


def relative(path: Path) -> str:
    return path.relative_to(PROJECT_ROOT).as_posix()


if __name__ == "__main__":
    sys.exit(main())
