"""Checks of the gettext catalogues and of the script that builds them.

The catalogue checks read the committed files: the template ``tilaapp/locale/tilaapp.pot``
and the compiled ``tilaapp/locale/<lang>/LC_MESSAGES/tilaapp.mo`` that the application
loads. Each failure lists the messages involved and the command that fixes the files.
"""

from __future__ import annotations

import gettext
import importlib.util
import io
import re
import string
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from tilaapp import i18n

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCRIPT_PATH = PROJECT_ROOT / "scripts" / "update_translations.py"
TEMPLATE_PATH = i18n.LOCALE_DIR / f"{i18n.DOMAIN}.pot"
UPDATE_COMMAND = "python scripts/update_translations.py"
LANGUAGES = ("fi", "sv")
PLURAL_FORMS = "nplurals=2; plural=(n != 1);"

# Words written the same in English, Finnish and Swedish: names and units. A message made
# only of these, placeholders, digits and punctuation may keep its English text.
SAME_IN_EVERY_LANGUAGE = frozenset(
    {"DVV", "Ryhti", "SYKE", "tilaapp", "Excel", "xlsx", "csv", "m²", "m³", "kWh", "EUR"}
)
# Whole messages (or singular forms) whose correct translation is the English text.
SAME_AS_SOURCE = {
    "fi": frozenset[str](),
    "sv": frozenset(
        {"Gas", "{count} problem:", "Format: {format}.", "Import", "Problem", "id {id}", "Index"}
    ),
}

# printf-style conversions such as %s, %d or %(name)s. The project formats with {name}.
PERCENT_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0+]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")

MessageKey = tuple[str | None, str]


# Helpers


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("update_translations", SCRIPT_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_template(path: Path = TEMPLATE_PATH) -> Catalog:
    with path.open("rb") as template_file:
        return read_po(template_file)


def read_compiled(language: str) -> Catalog:
    with mo_path(language).open("rb") as mo_file:
        return read_mo(mo_file)


def mo_path(language: str) -> Path:
    return i18n.LOCALE_DIR / language / "LC_MESSAGES" / f"{i18n.DOMAIN}.mo"


def po_path(language: str) -> Path:
    return mo_path(language).with_suffix(".po")


def messages_of(catalog: Catalog) -> list[Message]:
    """Return the messages of ``catalog`` without its header entry."""
    return [message for message in catalog if message.id]


def key_of(message: Message) -> MessageKey:
    """Return the context and English singular, which identify a message in a catalogue."""
    singular = message.id if isinstance(message.id, str) else message.id[0]
    return message.context, singular


def sources_of(message: Message) -> list[str]:
    """Return the English text of each plural form: singular first, then plural."""
    return [message.id] if isinstance(message.id, str) else list(message.id)


def forms_of(message: Message) -> list[str]:
    """Return the translation of each plural form (one form for a simple message)."""
    if isinstance(message.string, str):
        return [message.string]
    return list(message.string or [])


def describe(key: MessageKey) -> str:
    context, singular = key
    return f"  {singular!r}" if context is None else f"  {singular!r} (context {context!r})"


def report(title: str, lines: list[str]) -> str:
    return "\n".join([title, *lines, f"Fix the catalogues, then run: {UPDATE_COMMAND}"])


def source_of_form(message: Message, form: int) -> str:
    """Return the English text that plural form ``form`` of the translation renders.

    Finnish and Swedish have English's two forms (one, other), so form 0 renders the
    singular and every further form renders the plural.
    """
    sources = sources_of(message)
    return sources[min(form, len(sources) - 1)]


def placeholders(text: str) -> set[str]:
    """Return the ``{name}`` placeholders of ``text`` with conversion and format spec."""
    found = set()
    for _literal, name, format_spec, conversion in string.Formatter().parse(text):
        if name is None:
            continue
        conversion_part = f"!{conversion}" if conversion else ""
        spec_part = f":{format_spec}" if format_spec else ""
        found.add(f"{{{name}{conversion_part}{spec_part}}}")
    return found


def format_problems(text: str) -> list[str]:
    """List what makes ``text`` unfit for ``str.format`` with named placeholders only."""
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError as error:
        return [f"unbalanced braces ({error})"]

    problems = [
        f"positional placeholder {{{name}}}"
        for name in fields
        if name == "" or name.split(".")[0].split("[")[0].isdigit()
    ]
    problems += [f"printf-style placeholder {match}" for match in PERCENT_PLACEHOLDER.findall(text)]
    return problems


def may_equal_source(text: str, language: str) -> bool:
    """Tell whether ``text`` may stay in English in the catalogue of ``language``."""
    if text in SAME_AS_SOURCE[language]:
        return True
    without_placeholders = re.sub(r"\{[^{}]*\}", " ", text)
    words = re.findall(r"\w+", without_placeholders)
    return all(word in SAME_IN_EVERY_LANGUAGE for word in words if any(ch.isalpha() for ch in word))


def compiled_content(catalog: Catalog) -> dict[MessageKey, tuple[str, ...]]:
    return {key_of(message): tuple(forms_of(message)) for message in messages_of(catalog)}


# Fixtures


@pytest.fixture(scope="module")
def template() -> Catalog:
    return read_template()


@pytest.fixture
def restore_language() -> Iterator[None]:
    previous = i18n.current_language()
    yield
    i18n.set_language(previous)


# The committed catalogues


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_header_plural_forms(language: str) -> None:
    with mo_path(language).open("rb") as mo_file:
        headers = gettext.GNUTranslations(mo_file).info()

    assert headers.get("plural-forms") == PLURAL_FORMS


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_header_charset(language: str) -> None:
    with mo_path(language).open("rb") as mo_file:
        headers = gettext.GNUTranslations(mo_file).info()

    assert headers.get("content-type") == "text/plain; charset=utf-8"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_translates_every_message(language: str, template: Catalog) -> None:
    compiled = read_compiled(language)

    missing = []
    for message in messages_of(template):
        context, singular = key_of(message)
        translated = compiled.get(singular, context)
        forms = forms_of(translated) if translated is not None else []
        expected_forms = 1 if isinstance(message.id, str) else 2
        if len(forms) != expected_forms or not all(forms):
            missing.append(describe(key_of(message)))

    assert not missing, report(
        f"{language}: {len(missing)} messages have no translation in the compiled catalogue "
        "(a fuzzy entry is not compiled: review it and remove the fuzzy flag):",
        missing,
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_po_translates_every_plural_form(language: str) -> None:
    # Babel compiles an empty plural form as the English text, so the .mo cannot show it.
    with po_path(language).open("rb") as po_file:
        catalog = read_po(po_file, locale=language, domain=i18n.DOMAIN)

    incomplete = [
        describe(key_of(message))
        for message in messages_of(catalog)
        if not isinstance(message.id, str) and not all(forms_of(message))
    ]

    assert not incomplete, report(
        f"{language}: {len(incomplete)} plural messages lack a translated form:",
        incomplete,
    )


def test_template_matches_source(tmp_path: Path, template: Catalog) -> None:
    script = load_script()
    extracted_path = tmp_path / "tilaapp.pot"
    extracted_path.write_bytes(script.render_po(script.extract_template()))

    in_source = {key_of(message) for message in messages_of(read_template(extracted_path))}
    in_template = {key_of(message) for message in messages_of(template)}

    new = sorted(in_source - in_template, key=str)
    assert not new, report(
        f"{len(new)} messages in the source are missing from {TEMPLATE_PATH.name}:",
        [describe(key) for key in new],
    )
    stale = sorted(in_template - in_source, key=str)
    assert not stale, report(
        f"{len(stale)} messages of {TEMPLATE_PATH.name} are no longer in the source:",
        [describe(key) for key in stale],
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_matches_po(language: str) -> None:
    with po_path(language).open("rb") as po_file:
        catalog = read_po(po_file, locale=language, domain=i18n.DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)

    expected = compiled_content(read_mo(buffer))
    actual = compiled_content(read_compiled(language))

    differing = sorted(
        (key for key in expected.keys() | actual.keys() if expected.get(key) != actual.get(key)),
        key=str,
    )
    assert not differing, report(
        f"The compiled {language} catalogue ({mo_path(language).name}) differs from its .po "
        "file for:",
        [describe(key) for key in differing],
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_translation_differs_from_source(language: str) -> None:
    unchanged = []
    for message in messages_of(read_compiled(language)):
        for form, translation in enumerate(forms_of(message)):
            source = source_of_form(message, form)
            if translation == source and not may_equal_source(source, language):
                unchanged.append(f"  {source!r}")

    assert not unchanged, report(
        f"{language}: {len(unchanged)} translations are the English text. Translate them, or "
        "add a message that is right as it is to SAME_AS_SOURCE (a name or unit that is the "
        "same in every language to SAME_IN_EVERY_LANGUAGE):",
        unchanged,
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_translation_keeps_placeholders(language: str) -> None:
    mismatched = []
    for message in messages_of(read_compiled(language)):
        for form, translation in enumerate(forms_of(message)):
            source = source_of_form(message, form)
            try:
                expected, actual = placeholders(source), placeholders(translation)
            except ValueError:
                continue  # unbalanced braces, which test_*_named_placeholders_only reports
            if expected != actual:
                mismatched.append(
                    f"  {source!r}: expected {sorted(expected)}, found {sorted(actual)}"
                )

    assert not mismatched, report(
        f"{language}: {len(mismatched)} translations change the placeholders:", mismatched
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_translation_named_placeholders_only(language: str) -> None:
    problems = [
        f"  {translation!r}: {problem}"
        for message in messages_of(read_compiled(language))
        for translation in forms_of(message)
        for problem in format_problems(translation)
    ]

    assert not problems, report(f"{language}: translations unfit for str.format:", problems)


def test_source_named_placeholders_only(template: Catalog) -> None:
    problems = [
        f"  {source!r}: {problem}"
        for message in messages_of(template)
        for source in sources_of(message)
        for problem in format_problems(source)
    ]

    assert not problems, (
        "Source messages must use named placeholders such as {file} (rewrite them in the "
        "code, then run " + UPDATE_COMMAND + "):\n" + "\n".join(problems)
    )


# Loading at run time


@pytest.mark.usefixtures("restore_language")
def test_set_language_finnish() -> None:
    i18n.set_language("fi")

    assert i18n.gettext("Gross floor area") == "Kerrosala"


@pytest.mark.usefixtures("restore_language")
def test_set_language_swedish() -> None:
    i18n.set_language("sv")

    assert i18n.gettext("Gross floor area") == "Våningsyta"


@pytest.mark.usefixtures("restore_language")
def test_set_language_english_returns_source() -> None:
    i18n.set_language("fi")
    i18n.set_language("en")

    assert i18n.gettext("Gross floor area") == "Gross floor area"


def test_script_paths_match_i18n() -> None:
    script = load_script()

    assert (script.DOMAIN, script.LOCALE_DIR) == (i18n.DOMAIN, i18n.LOCALE_DIR)


# The update script, run on a small project in tmp_path

SAMPLE_SOURCE = """\
from tilaapp.i18n import N_, gettext, ngettext, pgettext
from tilaapp.i18n import gettext as _

LABEL = N_("Volume")


def describe(count: int) -> list[str]:
    return [
        _("The file {file} is empty."),
        gettext("Notes"),
        ngettext("{count} building", "{count} buildings", count),
        # Translators: the month, not the word May.
        pgettext("month", "May"),
    ]
"""


@pytest.fixture
def sample_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Point the update script at a copy of the config and one sample source file."""
    (tmp_path / "tilaapp").mkdir()
    (tmp_path / "tilaapp" / "sample.py").write_text(SAMPLE_SOURCE, encoding="utf-8")
    (tmp_path / "babel.cfg").write_bytes((PROJECT_ROOT / "babel.cfg").read_bytes())
    (tmp_path / "pyproject.toml").write_text('[project]\nversion = "9.9"\n', encoding="utf-8")

    script = load_script()
    locale_dir = tmp_path / "tilaapp" / "locale"
    monkeypatch.setattr(script, "PROJECT_ROOT", tmp_path)
    monkeypatch.setattr(script, "MAPPING_FILE", tmp_path / "babel.cfg")
    monkeypatch.setattr(script, "LOCALE_DIR", locale_dir)
    monkeypatch.setattr(script, "TEMPLATE_FILE", locale_dir / "tilaapp.pot")
    return script


def find(catalog: Catalog, singular: str, context: str | None = None) -> Message:
    message = catalog.get(singular, context)
    assert message is not None, f"{singular!r} is missing from the catalogue"
    return message


def sample_po(script: ModuleType, language: str) -> Catalog:
    with script.po_path(language).open("rb") as po_file:
        return read_po(po_file, locale=language)


def translate_sample(script: ModuleType, language: str, translations: dict[str, str]) -> None:
    catalog = sample_po(script, language)
    for message in messages_of(catalog):
        if isinstance(message.id, str) and message.id in translations:
            message.string = translations[message.id]
    script.po_path(language).write_bytes(script.render_po(catalog))


def test_script_extracts_every_keyword(sample_project: ModuleType) -> None:
    sample_project.main([])

    keys = {key_of(message) for message in messages_of(read_template(sample_project.TEMPLATE_FILE))}
    assert keys == {
        (None, "Volume"),
        (None, "The file {file} is empty."),
        (None, "Notes"),
        (None, "{count} building"),
        ("month", "May"),
    }


def test_script_extracts_plural(sample_project: ModuleType) -> None:
    sample_project.main([])

    plural = find(read_template(sample_project.TEMPLATE_FILE), "{count} building")
    assert plural.id == ("{count} building", "{count} buildings")


def test_script_extracts_translator_comment(sample_project: ModuleType) -> None:
    sample_project.main([])

    message = find(read_template(sample_project.TEMPLATE_FILE), "May", "month")
    assert message.auto_comments == ["the month, not the word May."]


@pytest.mark.parametrize("language", LANGUAGES)
def test_script_writes_plural_forms(sample_project: ModuleType, language: str) -> None:
    sample_project.main([])

    assert sample_po(sample_project, language).plural_forms == PLURAL_FORMS


def test_script_second_run_changes_nothing(sample_project: ModuleType) -> None:
    sample_project.main([])
    written = sorted(sample_project.LOCALE_DIR.rglob("*.*"))
    before = {path: path.read_bytes() for path in written}

    sample_project.main([])

    assert {path: path.read_bytes() for path in written} == before


def test_script_compiles_translation(sample_project: ModuleType) -> None:
    sample_project.main([])
    translate_sample(sample_project, "fi", {"Volume": "Tilavuus"})

    sample_project.main([])

    with (sample_project.LOCALE_DIR / "fi" / "LC_MESSAGES" / "tilaapp.mo").open("rb") as mo:
        assert gettext.GNUTranslations(mo).gettext("Volume") == "Tilavuus"


def test_script_keeps_translation_of_kept_message(sample_project: ModuleType) -> None:
    sample_project.main([])
    translate_sample(sample_project, "sv", {"Notes": "Anteckningar"})
    source = sample_project.PROJECT_ROOT / "tilaapp" / "sample.py"
    source.write_text(SAMPLE_SOURCE + '\nEXTRA = N_("Lessee")\n', encoding="utf-8")

    sample_project.main([])

    assert find(sample_po(sample_project, "sv"), "Notes").string == "Anteckningar"


def test_script_adds_new_message_untranslated(sample_project: ModuleType) -> None:
    sample_project.main([])
    source = sample_project.PROJECT_ROOT / "tilaapp" / "sample.py"
    source.write_text(SAMPLE_SOURCE + '\nEXTRA = N_("Lessee")\n', encoding="utf-8")

    sample_project.main([])

    assert find(sample_po(sample_project, "fi"), "Lessee").string == ""


def test_script_drops_removed_message(sample_project: ModuleType) -> None:
    sample_project.main([])
    translate_sample(sample_project, "fi", {"Volume": "Tilavuus"})
    source = sample_project.PROJECT_ROOT / "tilaapp" / "sample.py"
    source.write_text(SAMPLE_SOURCE.replace('N_("Volume")', '"volume"'), encoding="utf-8")

    sample_project.main([])

    assert "Volume" not in sample_po(sample_project, "fi")
