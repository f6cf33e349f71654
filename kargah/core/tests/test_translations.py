"""The Persian catalogue is complete, well-formed and actually loaded (rule 11).

The .po files are parsed here with a few lines of stdlib code (no polib). To update the
catalogue after changing a user-facing string:

    .venv/bin/python manage.py makemessages -l fa -l en \
        --ignore=.venv --ignore=node_modules --ignore=staticfiles --no-location

then translate every new or fuzzy entry in locale/fa/LC_MESSAGES/django.po and run
`manage.py compilemessages` (`make test` compiles before running pytest).
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
FA_PO = LOCALE_DIR / "fa" / "LC_MESSAGES" / "django.po"
EN_PO = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"
# What the makemessages command above skips, besides Django's own defaults (hidden dirs…).
IGNORED_DIRS = {".venv", "node_modules", "staticfiles"}
UPDATE_HINT = (
    "run `manage.py makemessages -l fa -l en --ignore=.venv --ignore=node_modules "
    "--ignore=staticfiles --no-location`, translate locale/fa/LC_MESSAGES/django.po, "
    "then `manage.py compilemessages`"
)


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def label(self) -> str:
        return f"[{self.msgctxt}] {self.msgid!r}" if self.msgctxt else repr(self.msgid)


_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")\s*$")


def parse_po(path: Path) -> list[Entry]:
    """Every entry of a .po file, the header (msgid "") first; obsolete ones are marked."""
    entries: list[Entry] = []
    entry = Entry()
    started = False
    target: tuple[str, int] | None = None

    def finish() -> None:
        nonlocal entry, started, target
        if started:
            entries.append(entry)
        entry, started, target = Entry(), False, None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            continue
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
            if line.startswith("|"):  # a previous msgid of an obsolete entry
                continue
        elif line.startswith("#"):
            if target is not None and target[0] == "msgstr":
                finish()
            if line.startswith("#,"):
                entry.flags.update(f.strip() for f in line[2:].split(","))
            continue
        match = _KEYWORD.match(line)
        if match:
            keyword, index, text = match.groups()
            if keyword in ("msgctxt", "msgid") and target is not None and target[0] == "msgstr":
                finish()
            started = True
            entry.obsolete = entry.obsolete or obsolete
            value = ast.literal_eval(text)
            if keyword.startswith("msgstr"):
                target = ("msgstr", int(index or 0))
                entry.msgstr[target[1]] = value
            else:
                target = (keyword, 0)
                setattr(entry, keyword, value)
        elif line.startswith('"') and target is not None:
            value = ast.literal_eval(line)
            if target[0] == "msgstr":
                entry.msgstr[target[1]] += value
            else:
                setattr(entry, target[0], getattr(entry, target[0]) + value)
        else:
            raise ValueError(f"{path}: cannot read line {raw!r}")
    finish()
    return entries


def live_entries(path: Path) -> list[Entry]:
    """The translatable entries: no header, no obsolete (#~) ones."""
    return [e for e in parse_po(path) if e.msgid and not e.obsolete]


_NAMED = re.compile(r"%\((\w+)\)[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
_POSITIONAL = re.compile(r"%(?!\()[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")
_BRACED = re.compile(r"\{\w*\}")
# Arabic letters that look like Persian ones but break search and sorting.
_ARABIC_LOOKALIKES = re.compile("[\u064a\u0643\u0649]")
# «می کنم», «نمی شود»: the verb prefix is joined with a ZWNJ (می‌کنم), never a space.
_DETACHED_MI = re.compile(r"(?:^|[\s(«])ن?می [\u0600-\u06ff]")
# «درخواست ها»: the plural suffix is joined with a ZWNJ (درخواست‌ها), never a space.
_DETACHED_HA = re.compile(r"[\u0600-\u06ff] (?:ها|های|هایی)(?=$|[\s.،؛:!؟)»])")


def _translations(entry: Entry) -> list[str]:
    return [entry.msgstr[i] for i in sorted(entry.msgstr)]


def test_catalogues_exist():
    assert FA_PO.is_file(), f"no Persian catalogue: {UPDATE_HINT}"
    assert EN_PO.is_file(), f"no English catalogue: {UPDATE_HINT}"


@pytest.mark.parametrize("po", [FA_PO, EN_PO], ids=["fa", "en"])
def test_catalogue_passes_msgfmt_check(po):
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "GNU gettext (msgfmt) is needed to compile the catalogues"
    result = subprocess.run(  # noqa: S603  (a fixed program on our own file)
        [msgfmt, "--check", "-o", os.devnull, str(po)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_persian_header_is_complete_and_not_fuzzy():
    header = parse_po(FA_PO)[0]
    assert header.msgid == ""
    assert "fuzzy" not in header.flags, "a fuzzy header is dropped by msgfmt"
    text = header.msgstr[0]
    assert "Language: fa\n" in text
    assert "charset=UTF-8" in text
    assert "Plural-Forms: nplurals=2; plural=(n > 1);" in text


def test_every_persian_entry_is_translated_and_not_fuzzy():
    entries = live_entries(FA_PO)
    assert entries
    fuzzy = [e.label for e in entries if "fuzzy" in e.flags]
    untranslated = [e.label for e in entries if not all(s.strip() for s in _translations(e))]
    assert not fuzzy, f"fuzzy entries in {FA_PO}: {fuzzy}"
    assert not untranslated, f"untranslated entries in {FA_PO}: {untranslated}"


def test_placeholders_are_kept():
    problems = []
    for entry in live_entries(FA_PO):
        sources = [entry.msgid] + ([entry.msgid_plural] if entry.msgid_plural else [])
        named = set().union(*(_NAMED.findall(s) for s in sources))
        braced = set().union(*(_BRACED.findall(s) for s in sources))
        for text in _translations(entry):
            # An extra %(name)s in a translation is a KeyError at run time; a missing one
            # loses the information.
            if set(_NAMED.findall(text)) != named:
                problems.append(f"{entry.label}: %(…)s placeholders {named} → {text!r}")
            if not braced <= set(_BRACED.findall(text)):
                problems.append(f"{entry.label}: {{…}} placeholders {braced} → {text!r}")
            if "python-format" in entry.flags:
                # "%%" is a literal percent sign, which Persian may write as "٪" instead;
                # every other conversion must be kept, and no lone "%" may remain.
                conversions = [c for c in _POSITIONAL.findall(text) if c != "%%"]
                if Counter(c for c in _POSITIONAL.findall(entry.msgid) if c != "%%") != Counter(
                    conversions
                ):
                    problems.append(f"{entry.label}: %s-style placeholders differ → {text!r}")
                if "%" in _POSITIONAL.sub("", _NAMED.sub("", text)):
                    problems.append(f"{entry.label}: a lone % → {text!r}")
            if entry.msgid.count("\n") and text.count("\n") != entry.msgid.count("\n"):
                problems.append(f"{entry.label}: line breaks differ → {text!r}")
    assert not problems, "\n".join(problems)


def test_persian_spelling():
    """Persian ی and ک (not the Arabic letters), and the ZWNJ in می‌ and ‌ها."""
    problems = []
    for entry in live_entries(FA_PO):
        for text in _translations(entry):
            for rule, pattern in (
                ("Arabic ي/ك/ى instead of Persian ی/ک", _ARABIC_LOOKALIKES),
                ("«می» needs a ZWNJ, not a space", _DETACHED_MI),
                ("«ها» needs a ZWNJ, not a space", _DETACHED_HA),
            ):
                if pattern.search(text):
                    problems.append(f"{entry.label}: {rule}: {text!r}")
    assert not problems, "\n".join(problems)


def test_compiled_persian_catalogue_is_loaded():
    sign_in = {e.msgid: e.msgstr[0] for e in live_entries(FA_PO)}["Sign in"]
    assert sign_in == "ورود"
    with translation.override("fa"):
        assert translation.gettext("Sign in") == sign_in
    with translation.override("en"):
        assert translation.gettext("Sign in") == "Sign in"


def test_compiled_catalogue_matches_the_po_file():
    """A stale .mo (the .po edited, not compiled) shows old or English text."""
    stale = []
    with translation.override("fa"):
        for entry in live_entries(FA_PO):
            if entry.msgid_plural is not None:
                got = [
                    translation.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
                    if entry.msgctxt is not None
                    else translation.ngettext(entry.msgid, entry.msgid_plural, n)
                    for n in (1, 2)
                ]
                want = [entry.msgstr.get(0), entry.msgstr.get(1)]
            elif entry.msgctxt is not None:
                got = [translation.pgettext(entry.msgctxt, entry.msgid)]
                want = [entry.msgstr[0]]
            else:
                got = [translation.gettext(entry.msgid)]
                want = [entry.msgstr[0]]
            if got != want:
                stale.append(entry.label)
    assert not stale, f"the compiled catalogue is stale; run `manage.py compilemessages`: {stale}"


def test_catalogue_has_every_string_of_the_code(tmp_path, monkeypatch):
    """makemessages, run on a copy of the sources, finds nothing the catalogue lacks."""
    root = Path(settings.BASE_DIR)
    copy = tmp_path / "src"
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in IGNORED_DIRS and not d.startswith(".")]
        for name in filenames:
            if name.endswith((".py", ".html", ".txt")):
                source = Path(dirpath) / name
                target = copy / source.relative_to(root)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
    po_copy = copy / "locale" / "fa" / "LC_MESSAGES" / "django.po"
    po_copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(FA_PO, po_copy)

    monkeypatch.chdir(copy)
    with override_settings(LOCALE_PATHS=[copy / "locale"]):
        call_command(
            "makemessages",
            locale=["fa"],
            ignore_patterns=sorted(IGNORED_DIRS),
            no_location=True,
            verbosity=0,
        )

    in_code = {e.key for e in live_entries(po_copy)}
    in_catalogue = {e.key for e in live_entries(FA_PO)}
    missing = sorted(msgid for _ctx, msgid in in_code - in_catalogue)
    stale = sorted(msgid for _ctx, msgid in in_catalogue - in_code)
    assert not missing, f"strings in the code but not in the catalogue ({UPDATE_HINT}): {missing}"
    assert not stale, f"strings in the catalogue no longer in the code ({UPDATE_HINT}): {stale}"
