"""Files kept between the two steps of tiếp nhận văn bản đến: the clerk uploads the
files, sees what they contain (pages, PDF/A, signatures) and then confirms the
metadata; nothing is registered before that confirmation.

The checked files wait in a private folder named by a random token, and the token
is kept in the clerk's session: another person, or another session of the same
clerk, cannot reach them. Registering or starting over deletes the folder; a
folder left behind (an abandoned registration) is deleted after `MAX_AGE` by the
next upload. The files are not put in the blob store at this step, because that
store is write-once: a wrong file uploaded by mistake would stay there forever.

The folder is `settings.VANTHU_UPLOAD_STAGING` when set, else `VAR_DIR/uploads`.
It must be shared by the web processes that serve one session (one host here;
several hosts need a shared volume or sticky sessions)."""

import contextlib
import dataclasses
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from django.core.files import File

SESSION_KEY = "documents.staged_uploads"
MAX_AGE_SECONDS = 24 * 3600
MAX_PER_SESSION = 5
CHUNK = 1024 * 1024
_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{20,64}")


@dataclass(frozen=True)
class StagedFile:
    index: int
    name: str
    size: int
    sha256: str
    facts: dict


def facts_as_json(facts) -> dict:
    """PdfFacts as plain JSON (dates as ISO text), the form FileVersion.facts has."""

    def plain(value):
        if isinstance(value, datetime | date):
            return value.isoformat()
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return value

    return plain(dataclasses.asdict(facts))


def staging_root() -> Path:
    configured = getattr(settings, "VANTHU_UPLOAD_STAGING", None)
    return Path(configured) if configured else Path(settings.VAR_DIR) / "uploads"


def _folder(token: str) -> Path:
    if not _TOKEN_RE.fullmatch(token or ""):
        raise KeyError(token)
    return staging_root() / token


def _prune(root: Path) -> None:
    """Delete folders of abandoned registrations."""
    limit = time.time() - MAX_AGE_SECONDS
    for child in root.iterdir() if root.exists() else ():
        try:
            if child.is_dir() and child.stat().st_mtime < limit:
                shutil.rmtree(child, ignore_errors=True)
        except OSError:
            continue


def stage(session, files: list[tuple[object, dict]]) -> str:
    """Keep `files` (upload, facts as JSON) for this session; return the token."""
    root = staging_root()
    root.mkdir(parents=True, exist_ok=True)
    _prune(root)
    token = secrets.token_urlsafe(24)
    folder = root / token
    folder.mkdir(mode=0o700)
    records = []
    for index, (upload, facts) in enumerate(files):
        upload.seek(0)
        with open(folder / f"{index}.pdf", "xb") as out:
            for chunk in iter(lambda u=upload: u.read(CHUNK), b""):
                out.write(chunk)
        upload.seek(0)
        records.append(
            {
                "name": (getattr(upload, "name", "") or f"{index}.pdf")[-255:],
                "size": facts.get("size"),
                "sha256": facts.get("sha256"),
                "facts": facts,
            }
        )
    staged = dict(session.get(SESSION_KEY) or {})
    staged[token] = {"created": time.time(), "files": records}
    # A session keeps its last few uploads only; older folders go.
    for old in sorted(staged, key=lambda t: staged[t]["created"])[:-MAX_PER_SESSION]:
        discard(session, old, staged=staged)
    session[SESSION_KEY] = staged
    return token


def staged_files(session, token: str) -> list[StagedFile] | None:
    """The files staged under `token` by this session, or None."""
    entry = (session.get(SESSION_KEY) or {}).get(token)
    if entry is None or not _TOKEN_RE.fullmatch(token):
        return None
    if time.time() - entry["created"] > MAX_AGE_SECONDS:
        return None
    if not _folder(token).is_dir():
        return None
    return [
        StagedFile(i, f["name"], f["size"], f["sha256"], f["facts"])
        for i, f in enumerate(entry["files"])
    ]


def open_staged(token: str, staged: StagedFile) -> File:
    """A staged file opened for reading, named as uploaded (the caller closes it)."""
    handle = open(_folder(token) / f"{staged.index}.pdf", "rb")  # noqa: SIM115
    return File(handle, name=staged.name)


def discard(session, token: str, *, staged: dict | None = None) -> None:
    """Forget the token and delete its folder."""
    entries = staged if staged is not None else dict(session.get(SESSION_KEY) or {})
    entries.pop(token, None)
    if staged is None:
        session[SESSION_KEY] = entries
    with contextlib.suppress(KeyError):
        shutil.rmtree(_folder(token), ignore_errors=True)
