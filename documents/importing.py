"""Bulk import of incoming documents from an agency's old system
(`manage.py import_documents DIR`); the format is described in
docs/import-format.md.

A folder holds one PDF per document with a JSON metadata file beside it (`X.pdf`
and `X.json`; attachments are named in the JSON). Each document is registered
through `document_register_incoming`, in its own transaction, on behalf of a văn
thư of the organisation (actor None: the system acts; created_by: the clerk), so
it takes the next arrival number of this year's register like any other, and the
old system's number and date are kept in its notes.

Resumable: after each document the result is appended to a journal in the folder
(`.vanthu-import.jsonl`, one JSON object a line, flushed to disk with fsync, a torn
last line from a crash is ignored; compacted when the run ends), and a re-run skips
what the journal says is imported. A journal is used rather than rewriting one
JSON file, which would cost time in proportion to the folder for every document.
Without the journal (lost, or a crash between the commit and the journal line)
the duplicate check by file hash finds the document, and it is reported as
already imported. A lock file keeps two runs out of the same folder."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import DataError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from directory.models import Organisation, Role, User
from directory.selectors import roles_of

from .models import Document
from .services import document_find_duplicates, document_register_incoming

JOURNAL_NAME = ".vanthu-import.jsonl"
LOCK_NAME = ".vanthu-import.lock"
JOURNAL_FORMAT = 1

# The metadata keys passed to document_register_incoming as they are.
METADATA_KEYS = (
    "document_type",
    "organ_name",
    "organ_id",
    "code_number",
    "code_notation",
    "issued_date",
    "subject",
    "signer_full_name",
    "signer_position",
    "urgency",
    "secrecy",
    "due_date",
    "to_places",
    "description",
)
# Keys of the import itself.
IMPORT_KEYS = ("attachments", "old_arrival_number", "old_arrival_date")

IMPORTED = "imported"
SKIPPED = "skipped"
FAILED = "failed"
WOULD_IMPORT = "would_import"  # dry run


class ImportRefused(Exception):
    """The import cannot start (wrong organisation or clerk, folder in use)."""


@dataclass
class ItemResult:
    name: str  # the main PDF's path relative to the folder
    outcome: str
    reason: str = ""
    sha256: str = ""
    document_id: int | None = None
    arrival_number: int | None = None


@dataclass
class ImportReport:
    results: list[ItemResult] = field(default_factory=list)
    not_started: int = 0  # left for the next run by --limit
    dry_run: bool = False

    def _with(self, outcome: str) -> list[ItemResult]:
        return [r for r in self.results if r.outcome == outcome]

    @property
    def imported(self) -> list[ItemResult]:
        return self._with(WOULD_IMPORT if self.dry_run else IMPORTED)

    @property
    def skipped(self) -> list[ItemResult]:
        return self._with(SKIPPED)

    @property
    def failed(self) -> list[ItemResult]:
        return self._with(FAILED)


# ---------------------------------------------------------------------------
# Who imports


def import_clerk(
    *, organisation_code: str | None, username: str | None
) -> tuple[Organisation, User]:
    """The organisation and the văn thư on whose behalf documents are registered.

    Without `username`, the organisation's only văn thư; without
    `organisation_code`, the clerk's organisation."""
    if not organisation_code and not username:
        raise ImportRefused(
            _("Name the organisation (--organisation) or the clerk (--as).")
        )
    organisation = None
    if organisation_code:
        organisation = Organisation.objects.filter(
            code=organisation_code, is_active=True
        ).first()
        if organisation is None:
            raise ImportRefused(
                _("No active organisation has the identifier %(code)s.")
                % {"code": organisation_code}
            )
    if username:
        clerk = User.objects.filter(username=username, is_active=True).first()
        if clerk is None:
            raise ImportRefused(
                _("No active person has the login %(login)s.") % {"login": username}
            )
        organisation = organisation or clerk.organisation
    else:
        clerks = list(
            User.objects.filter(
                is_active=True,
                organisation=organisation,
                roles__organisation=organisation,
                roles__role=Role.VAN_THU,
            ).distinct()[:2]
        )
        if not clerks:
            raise ImportRefused(
                _("%(org)s has no records clerk (văn thư).")
                % {"org": organisation.name}
            )
        if len(clerks) > 1:
            raise ImportRefused(
                _("%(org)s has several records clerks: name one with --as.")
                % {"org": organisation.name}
            )
        clerk = clerks[0]
    if (
        organisation is None
        or clerk.organisation_id != organisation.pk
        or Role.VAN_THU not in roles_of(user=clerk)
    ):
        raise ImportRefused(
            _("%(login)s is not a records clerk (văn thư) of %(org)s.")
            % {
                "login": clerk.username,
                "org": organisation.name if organisation else "-",
            }
        )
    return organisation, clerk


# ---------------------------------------------------------------------------
# The folder


@dataclass
class _Item:
    name: str  # relative path of the main PDF (or of the JSON without one)
    pdf: Path | None
    meta: Path | None
    data: dict | None = None
    error: str = ""


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _read_json(path: Path) -> tuple[dict | None, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        return None, _("%(file)s is not UTF-8 text.") % {"file": path.name}
    except json.JSONDecodeError as exc:
        return None, _("%(file)s is not valid JSON (line %(line)d: %(msg)s).") % {
            "file": path.name,
            "line": exc.lineno,
            "msg": exc.msg,
        }
    except OSError as exc:
        return None, _("%(file)s cannot be read: %(error)s.") % {
            "file": path.name,
            "error": exc.strerror or exc,
        }
    if not isinstance(data, dict):
        return None, _("%(file)s must hold one JSON object.") % {"file": path.name}
    return data, ""


def _attachment_names(data: dict | None) -> list[str]:
    names = (data or {}).get("attachments") or []
    if not isinstance(names, list):
        return []
    return [n for n in names if isinstance(n, str)]


def scan_folder(folder: Path) -> list[_Item]:
    """The documents of the folder (and its subfolders), in path order: each
    `X.json` with its `X.pdf`; a PDF that is neither a main file nor an attachment
    named by a JSON is an item without metadata."""
    pdfs: dict[Path, Path] = {}  # path without suffix -> PDF
    metas: list[Path] = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or _hidden(path, folder):
            continue
        suffix = path.suffix.lower()
        if suffix == ".pdf":
            pdfs[path.with_suffix("")] = path
        elif suffix == ".json":
            metas.append(path)

    items: list[_Item] = []
    claimed: set[Path] = set()
    for meta in metas:
        data, error = _read_json(meta)
        pdf = pdfs.get(meta.with_suffix(""))
        for name in _attachment_names(data):
            claimed.add((meta.parent / name).resolve())
        if pdf is None:
            items.append(
                _Item(
                    name=meta.relative_to(folder).as_posix(),
                    pdf=None,
                    meta=meta,
                    error=_("There is no PDF %(file)s beside the metadata.")
                    % {"file": meta.with_suffix(".pdf").name},
                )
            )
            continue
        claimed.add(pdf.resolve())
        items.append(
            _Item(
                name=pdf.relative_to(folder).as_posix(),
                pdf=pdf,
                meta=meta,
                data=data,
                error=error,
            )
        )
    for pdf in pdfs.values():
        if pdf.resolve() not in claimed:
            items.append(
                _Item(
                    name=pdf.relative_to(folder).as_posix(),
                    pdf=pdf,
                    meta=None,
                    error=_(
                        "There is no metadata file %(json)s, and no metadata file "
                        "names it as an attachment."
                    )
                    % {"json": pdf.with_suffix(".json").name},
                )
            )
    items.sort(key=lambda item: item.name)
    return items


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ---------------------------------------------------------------------------
# The journal


class _Journal:
    """The results of earlier runs (the last line for a file wins) and the
    appending of new ones."""

    def __init__(self, folder: Path, organisation: Organisation, *, write: bool):
        self.path = folder / JOURNAL_NAME
        self.organisation = organisation.code
        self.write = write
        self.entries: dict[str, dict] = {}
        self._stream = None
        if self.path.exists():
            self._load()

    def _load(self) -> None:
        with self.path.open(encoding="utf-8") as stream:
            lines = stream.read().splitlines()
        for number, line in enumerate(lines):
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                if number == len(lines) - 1:
                    break  # torn by a crash while it was written
                raise ImportRefused(
                    _("The journal %(file)s is damaged at line %(line)d.")
                    % {"file": self.path, "line": number + 1}
                ) from None
            if number == 0:
                if (
                    record.get("format") != JOURNAL_FORMAT
                    or record.get("organisation") != self.organisation
                ):
                    raise ImportRefused(
                        _(
                            "The journal %(file)s belongs to an import into "
                            "%(code)s; import this folder into that organisation."
                        )
                        % {"file": self.path, "code": record.get("organisation")}
                    )
                continue
            self.entries[record["file"]] = record

    def done(self, name: str, sha256: str) -> dict | None:
        """The earlier record of `name` if it is in the system with these bytes."""
        record = self.entries.get(name)
        if (
            record
            and record.get("sha256") == sha256
            and record.get("result") in (IMPORTED, SKIPPED)
            and record.get("document_id")
        ):
            return record
        return None

    def _header(self) -> dict:
        return {"format": JOURNAL_FORMAT, "organisation": self.organisation}

    def record(self, result: ItemResult) -> None:
        entry = {
            "file": result.name,
            "sha256": result.sha256,
            "result": result.outcome,
            "reason": result.reason,
            "document_id": result.document_id,
            "arrival_number": result.arrival_number,
            "at": timezone.now().isoformat(timespec="seconds"),
        }
        self.entries[result.name] = entry
        if not self.write:
            return
        if self._stream is None:
            fresh = not self.path.exists() or self.path.stat().st_size == 0
            self._stream = self.path.open("a", encoding="utf-8")
            if fresh:
                self._stream.write(json.dumps(self._header()) + "\n")
            elif not self.path.read_bytes().endswith(b"\n"):
                self._stream.write("\n")  # end a torn line; it stays ignored
        self._stream.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self._stream.flush()
        os.fsync(self._stream.fileno())

    def close(self) -> None:
        """Rewrite the journal with one line per file, atomically."""
        if self._stream is not None:
            self._stream.close()
            self._stream = None
        if not self.write or not self.entries:
            return
        temporary = self.path.with_name(self.path.name + ".tmp")
        with temporary.open("w", encoding="utf-8") as stream:
            stream.write(json.dumps(self._header()) + "\n")
            for name in sorted(self.entries):
                stream.write(json.dumps(self.entries[name], ensure_ascii=False) + "\n")
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, self.path)


@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    with (folder / LOCK_NAME).open("a") as lock:
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ImportRefused(
                _("Another import is running in %(folder)s.") % {"folder": folder}
            ) from None
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


# ---------------------------------------------------------------------------
# One document


class _DryRun(Exception):
    def __init__(self, document: Document):
        self.document = document


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return "; ".join(
                f"{name}: {' '.join(messages)}"
                if name != "__all__"
                else " ".join(messages)
                for name, messages in exc.message_dict.items()
            )
        return " ".join(exc.messages)
    return str(exc)


def _parse_date(value, key: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(
            {key: _("Write the date as YYYY-MM-DD, e.g. 2025-12-31.")}
        ) from None


def _metadata(data: dict) -> dict:
    """The service's metadata from the JSON, with the old system's arrival number
    and date put in front of the notes."""
    unknown = sorted(set(data) - set(METADATA_KEYS) - set(IMPORT_KEYS))
    if unknown:
        raise ValidationError(
            _("Unknown keys: %(keys)s.") % {"keys": ", ".join(unknown)}
        )
    metadata = {key: data[key] for key in METADATA_KEYS if key in data}
    old_number = data.get("old_arrival_number")
    old_date = _parse_date(data.get("old_arrival_date"), "old_arrival_date")
    if old_date and old_date > timezone.localdate():
        raise ValidationError(
            {"old_arrival_date": _("The old arrival date is in the future.")}
        )
    if old_number not in (None, "") and not (
        isinstance(old_number, int | str) and str(old_number).strip().isdigit()
    ):
        raise ValidationError(
            {"old_arrival_number": _("The old arrival number must be digits only.")}
        )
    old = []
    if old_number not in (None, ""):
        old.append(f"số đến {str(old_number).strip()}")
    if old_date:
        old.append(f"ngày đến {old_date:%d/%m/%Y}")
    if old:
        note = "Hệ thống cũ: " + ", ".join(old) + "."
        description = str(metadata.get("description") or "").strip()
        metadata["description"] = f"{note} {description}" if description else note
    return metadata


def _attachments(item: _Item, folder: Path) -> list[Path]:
    names = (item.data or {}).get("attachments") or []
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ValidationError(
            {"attachments": _('List the attachments\' file names, e.g. ["a.pdf"].')}
        )
    paths = []
    for name in names:
        path = (item.meta.parent / name).resolve()
        if not path.is_relative_to(folder.resolve()) or not path.is_file():
            raise ValidationError(
                {"attachments": _("%(file)s is not in the folder.") % {"file": name}}
            )
        paths.append(path)
    return paths


def _import_one(
    item: _Item,
    *,
    folder: Path,
    organisation: Organisation,
    clerk: User,
    sha256: str,
    dry_run: bool,
) -> ItemResult:
    result = ItemResult(name=item.name, outcome=FAILED, sha256=sha256)
    already = document_find_duplicates(
        organisation=organisation,
        organ_name="",
        organ_id="",
        code_number="",
        code_notation="",
        issued_date=None,
        sha256s=[sha256],
    )
    if already:
        result.outcome = SKIPPED
        result.document_id = already[0].pk
        result.arrival_number = already[0].register_number
        result.reason = _("already imported (arrival number %(n)s)") % {
            "n": already[0].register_number
        }
        return result
    try:
        metadata = _metadata(item.data or {})
        attachments = _attachments(item, folder)
        try:
            secrecy = int(metadata.get("secrecy") or 0)
        except (TypeError, ValueError):
            secrecy = 0  # the service names the bad value
        if secrecy > clerk.clearance:
            raise PermissionDenied(
                _("%(login)s's clearance does not allow documents of this secrecy.")
                % {"login": clerk.username}
            )
        with contextlib.ExitStack() as files:
            main = File(files.enter_context(item.pdf.open("rb")), name=item.pdf.name)
            extra = [
                File(files.enter_context(path.open("rb")), name=path.name)
                for path in attachments
            ]
            try:
                with transaction.atomic():
                    document = document_register_incoming(
                        organisation=organisation,
                        main_file=main,
                        attachments=extra,
                        metadata=metadata,
                        actor=None,
                        created_by=clerk,
                    )
                    audit_record(
                        actor=None,
                        action="document.import",
                        obj=document,
                        on_behalf_of=clerk,
                        details={
                            "file": item.name,
                            "sha256": sha256,
                            "old_arrival_number": str(
                                (item.data or {}).get("old_arrival_number") or ""
                            ),
                            "old_arrival_date": str(
                                (item.data or {}).get("old_arrival_date") or ""
                            ),
                        },
                    )
                    if dry_run:
                        raise _DryRun(document)
            except _DryRun as rolled_back:
                document = rolled_back.document
    except (
        ValidationError,
        PermissionDenied,
        OSError,
        DataError,
        IntegrityError,
    ) as exc:
        # A data error of the database is this document's; a lost connection is
        # not caught and stops the run (the journal lets it resume).
        result.reason = _reason(exc)
        return result
    result.outcome = WOULD_IMPORT if dry_run else IMPORTED
    result.document_id = None if dry_run else document.pk
    result.arrival_number = document.register_number
    return result


# ---------------------------------------------------------------------------
# The folder, document by document


def import_folder(
    *,
    folder: Path,
    organisation: Organisation,
    clerk: User,
    dry_run: bool = False,
    limit: int | None = None,
    progress: Callable[[int], Any] | None = None,
) -> ImportReport:
    """Register every document of `folder` as incoming to `organisation` on
    behalf of `clerk`; see the module docstring. `limit` stops after that many
    documents were tried in this run (those skipped as already imported do not
    count); `progress(total)` makes a progress bar (tqdm): its `update(1)` is
    called after each document and `close()` at the end."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ImportRefused(_("%(folder)s is not a folder.") % {"folder": folder})
    report = ImportReport(dry_run=dry_run)
    lock = contextlib.nullcontext() if dry_run else _folder_lock(folder)
    with lock:
        journal = _Journal(folder, organisation, write=not dry_run)
        items = scan_folder(folder)
        bar = progress(len(items)) if progress else None
        tried = 0
        try:
            for position, item in enumerate(items):
                if limit is not None and tried >= limit:
                    report.not_started = len(items) - position
                    break
                result = _process(
                    item,
                    folder=folder,
                    organisation=organisation,
                    clerk=clerk,
                    journal=journal,
                    dry_run=dry_run,
                )
                if result.outcome != SKIPPED:
                    tried += 1
                report.results.append(result)
                if result.outcome != SKIPPED or not journal.done(
                    result.name, result.sha256
                ):
                    journal.record(result)
                if bar is not None:
                    bar.update(1)
        finally:
            journal.close()
            if bar is not None:
                bar.close()
    return report


def _process(
    item: _Item,
    *,
    folder: Path,
    organisation: Organisation,
    clerk: User,
    journal: _Journal,
    dry_run: bool,
) -> ItemResult:
    if item.error:
        return ItemResult(name=item.name, outcome=FAILED, reason=item.error)
    try:
        sha256 = _sha256(item.pdf)
    except OSError as exc:
        return ItemResult(name=item.name, outcome=FAILED, reason=str(exc))
    earlier = journal.done(item.name, sha256)
    if earlier is not None:
        return ItemResult(
            name=item.name,
            outcome=SKIPPED,
            reason=_("already imported (arrival number %(n)s)")
            % {"n": earlier.get("arrival_number")},
            sha256=sha256,
            document_id=earlier.get("document_id"),
            arrival_number=earlier.get("arrival_number"),
        )
    return _import_one(
        item,
        folder=folder,
        organisation=organisation,
        clerk=clerk,
        sha256=sha256,
        dry_run=dry_run,
    )
