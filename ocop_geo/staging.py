"""Publishing a whole folder at once: build it beside the old one, swap it in when complete, one writer at a time.

A site is many files that link to each other, so writing them in place leaves a mix when a run fails or is killed
half way (new route pages linking to producer pages never written) and keeps the pages of routes that no longer
exist. :func:`staged_folder` instead:

1. takes ``.<name>.lock`` beside the folder (``fcntl.flock``): a second run into the same folder waits for the first,
   saying so, so two runs never mix their files;
2. gives the caller an empty sibling folder ``.<name>.staging-<pid>`` to write everything into;
3. on success, writes a manifest of the files it holds (``.ocop-files.json``), carries over files the department put
   in the folder itself (any file outside the manifest of the previous run and outside ocop_geo's own folders),
   and swaps the folders with two renames; the files of the previous run that the new one does not have are
   listed in :attr:`Staging.removed`;
4. on failure (an exception, or the process killed), leaves the previous folder untouched; the next run removes
   the staging folders of dead processes and, if a run died between the two renames, puts the previous folder back.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import shutil
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ._errors import OcopGeoError
from .fileio import process_alive

__all__ = ["MANIFEST", "Staging", "staged_folder"]

log = logging.getLogger(__name__)

#: The manifest a published folder carries: the files the run wrote, relative to the folder.
MANIFEST = ".ocop-files.json"


@dataclass
class Staging:
    """The folder being built (``path``), where it goes (``target``) and, after the swap, the files of the previous
    run that are gone (``removed``) and the department's own files carried over (``kept``)."""

    path: Path
    target: Path
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def _files(root: Path) -> list[str]:
    """Every file under ``root``, as sorted POSIX paths relative to it."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() or p.is_symlink())


@contextlib.contextmanager
def _lock(target: Path, wait_s: float) -> Iterator[None]:
    """Hold ``.<name>.lock`` beside ``target``; wait (saying so) while another process holds it."""
    path = target.parent / f".{target.name}.lock"
    with path.open("a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            fh.seek(0)
            holder = fh.read().strip() or "?"
            log.warning("another run (pid %s) is publishing into %s: waiting for it to finish", holder, target)
            deadline = time.monotonic() + wait_s
            while True:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise OcopGeoError(
                            f"{target}: another run (pid {holder}) has been publishing into this folder for more "
                            f"than {wait_s:.0f} s; wait for it to finish, or publish into another folder"
                        ) from None
                    time.sleep(0.2)
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _sweep(target: Path) -> None:
    """Remove staging folders of dead runs; put back the previous folder if a run died between the renames."""
    for pattern in (f".{target.name}.staging-*", f".{target.name}.old-*"):
        for stale in sorted(target.parent.glob(pattern)):
            pid = stale.name.rsplit("-", 1)[-1]
            if not pid.isdigit() or process_alive(int(pid)) and int(pid) != os.getpid():
                continue
            if ".old-" in stale.name and not target.exists():
                os.replace(stale, target)  # the previous site, from a run killed between its two renames
                log.warning("%s was restored from %s (a run was stopped while swapping it)", target, stale.name)
            else:
                shutil.rmtree(stale, ignore_errors=True)


def _previous_files(target: Path, own_dirs: Iterable[str]) -> tuple[set[str], list[str]]:
    """The previous run's files (its manifest; without one, everything in ocop_geo's own folders and root files)
    and the department's files to carry over."""
    if not target.is_dir():
        return set(), []
    on_disk = _files(target)
    try:
        listed = set(json.loads((target / MANIFEST).read_text(encoding="utf-8"))["files"])
    except (OSError, ValueError, KeyError, TypeError):
        listed = None
    own = tuple(f"{d.rstrip('/')}/" for d in own_dirs)
    ours = {f for f in on_disk if (listed is not None and f in listed) or f.startswith(own) or f == MANIFEST}
    if listed is None:  # a folder published before manifests: its root pages are ocop_geo's too
        ours |= {f for f in on_disk if "/" not in f and f.endswith((".html", ".js", ".webmanifest", ".json"))}
    return ours, [f for f in on_disk if f not in ours]


@contextlib.contextmanager
def staged_folder(target: str | os.PathLike, *, own_dirs: Iterable[str] = (), wait_s: float = 600.0) -> Iterator[Staging]:
    """Build a folder beside ``target`` and swap it in only when the ``with`` block succeeds.

    Parameters
    ----------
    target
        The folder to (re)publish.
    own_dirs
        Sub-folders that only ocop_geo writes (``routes``, ``static``…): files there that the new run does not
        write are removed even when the previous run left no manifest.
    wait_s
        How long to wait for another run publishing into the same folder.

    Yields
    ------
    Staging
        Write everything into ``staging.path``; after the block, ``removed`` and ``kept`` say what changed.
    """
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "is a file, not a folder: choose a folder for the site", str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    own_dirs = tuple(own_dirs)
    with _lock(target, wait_s):
        _sweep(target)
        staging = Staging(path=target.parent / f".{target.name}.staging-{os.getpid()}", target=target)
        shutil.rmtree(staging.path, ignore_errors=True)
        staging.path.mkdir()
        try:
            yield staging
            new_files = _files(staging.path)
            ours, theirs = _previous_files(target, own_dirs)
            for rel in theirs:  # the department's own files (an about page, a logo) stay in the folder
                if rel not in new_files:
                    dest = staging.path / rel
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(target / rel, dest)
                    staging.kept.append(rel)
            staging.removed = sorted(ours - set(new_files) - {MANIFEST})
            (staging.path / MANIFEST).write_text(json.dumps({"files": new_files}, indent=0), encoding="utf-8")
            old = target.parent / f".{target.name}.old-{os.getpid()}"
            if target.exists():
                os.replace(target, old)
            os.replace(staging.path, target)
            shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(staging.path, ignore_errors=True)
            raise
