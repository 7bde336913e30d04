"""Every translation catalogue of the project is complete: no empty msgstr, no fuzzy
entry, text in NFC, and the same %(name)s parameters as the English original (a
missing parameter would drop a value, an unknown one would crash the page)."""

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIPPED_DIRS = {".venv", ".git", "var", "staticfiles", "node_modules", "test-artifacts"}
NAMED_PARAMETER = re.compile(r"%\((\w+)\)[sdif]")
KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (".*")$')


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    strings: dict[str, str] = field(default_factory=dict)

    @property
    def msgid(self) -> str:
        return self.strings.get("msgid", "")

    @property
    def translations(self) -> dict[str, str]:
        return {k: v for k, v in self.strings.items() if k.startswith("msgstr")}


def _unquote(quoted: str) -> str:
    body = quoted[1:-1]
    return re.sub(
        r"\\(.)",
        lambda m: {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}.get(m[1], m[0]),
        body,
    )


def parse_po(path: Path) -> list[Entry]:
    """The entries of a .po file; obsolete (#~) entries are left out."""
    entries: list[Entry] = []
    current: Entry | None = None
    key = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            current, key = None, None
            continue
        if current is None:
            current = Entry(line=number)
            entries.append(current)
        if line.startswith("#,"):
            current.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif match := KEYWORD.match(line):
            key = match[1]
            current.strings[key] = _unquote(match[2])
        elif line.startswith('"') and key:
            current.strings[key] += _unquote(line)
    return [e for e in entries if "msgid" in e.strings]


def catalogues() -> list[Path]:
    found = []
    for path in ROOT.rglob("*.po"):
        if not SKIPPED_DIRS.intersection(path.relative_to(ROOT).parts):
            found.append(path)
    return sorted(found)


def test_the_project_has_vietnamese_catalogues():
    names = {str(p.relative_to(ROOT)) for p in catalogues()}
    for expected in [
        "locale/vi/LC_MESSAGES/django.po",
        "directory/locale/vi/LC_MESSAGES/django.po",
        "workflow/locale/vi/LC_MESSAGES/django.po",
        "documents/locale/vi/LC_MESSAGES/django.po",
    ]:
        assert expected in names


@pytest.mark.parametrize("path", catalogues(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_catalogue_is_complete(path):
    problems = []
    for entry in parse_po(path):
        where = f"{path.relative_to(ROOT)}:{entry.line}"
        if "fuzzy" in entry.flags:
            problems.append(f"{where}: fuzzy {entry.msgid!r}")
        if entry.msgid == "":
            continue  # the header
        expected = set(NAMED_PARAMETER.findall(entry.msgid)) | set(
            NAMED_PARAMETER.findall(entry.strings.get("msgid_plural", ""))
        )
        for key, text in entry.translations.items():
            if not text.strip():
                problems.append(f"{where}: empty {key} for {entry.msgid!r}")
                continue
            if unicodedata.normalize("NFC", text) != text:
                problems.append(f"{where}: {key} is not NFC: {text!r}")
            found = set(NAMED_PARAMETER.findall(text))
            if not found <= expected or (
                "msgid_plural" not in entry.strings and found != expected
            ):
                problems.append(
                    f"{where}: parameters {sorted(found)} in {key}, "
                    f"{sorted(expected)} in {entry.msgid!r}"
                )
    assert not problems, "\n".join(problems)


def test_the_checker_catches_empty_and_fuzzy_entries(tmp_path):
    """The parser itself: a broken catalogue is reported, not silently passed."""
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: vi\\n"\n\n'
        '#, fuzzy, python-format\nmsgid "Hello %(name)s"\nmsgstr "Xin chào %(name)s"\n'
        '\nmsgid "Empty"\nmsgstr ""\n\n'
        'msgid ""\n"Long "\n"text"\nmsgstr ""\n"Văn bản "\n"dài"\n\n'
        '#~ msgid "Old"\n#~ msgstr ""\n',
        encoding="utf-8",
    )
    entries = parse_po(po)
    assert [e.msgid for e in entries] == ["", "Hello %(name)s", "Empty", "Long text"]
    assert "fuzzy" in entries[1].flags
    assert entries[2].translations == {"msgstr": ""}
    assert entries[3].translations == {"msgstr": "Văn bản dài"}
