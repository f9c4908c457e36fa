"""Small file helpers shared by every writer: atomic writes, spreadsheet-safe CSV cells."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._errors import InputFileError

if TYPE_CHECKING:
    import pandas as pd

#: A text cell starting with one of these runs as a formula in Excel / LibreOffice / Sheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def refuse_overwriting_inputs(outputs: dict[str, str | os.PathLike | None],
                              inputs: list[str | os.PathLike]) -> None:  # fmt: skip
    """Raise :class:`InputFileError` when an output path (``option -> path``) is one of the input files.

    A report written over the file it reports on loses the department's registry; the same file reached by
    another spelling (``./a.csv``, a symlink) counts as the same.
    """
    resolved = {}
    for p in inputs:
        with contextlib.suppress(OSError):
            resolved[Path(p).resolve()] = p
    for option, out in outputs.items():
        if out is None:
            continue
        with contextlib.suppress(OSError):
            hit = resolved.get(Path(out).resolve())
            if hit is not None:
                raise InputFileError(f"{option} {out}: this is the input file {hit}; writing there would replace "
                                     "it. Choose another output file.")


#: Suffix of the temporary files :func:`atomic_path` writes (``.<name>.<pid>.<random>.tmp``).
TEMP_SUFFIX = ".tmp"


def remove_stale_temps(folder: str | os.PathLike) -> list[Path]:
    """Delete the temporary files that :func:`atomic_path` left in ``folder`` when its process was killed.

    A temporary file names the process that writes it; files of processes still running are kept, so a
    concurrent writer is never disturbed. Returns the files removed.
    """
    removed = []
    for path in Path(folder).glob(f".*{TEMP_SUFFIX}"):
        parts = path.name.split(".")  # "", name..., pid, random, "tmp"
        pid = parts[-3] if len(parts) >= 5 else ""
        if not pid.isdigit() or process_alive(int(pid)):
            continue
        with contextlib.suppress(OSError):
            path.unlink()
            removed.append(path)
    return removed


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` exists (on this machine)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` only on success.

    An interrupted or failed write leaves the previous file intact and no partial file behind.
    """
    target = Path(target)
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, "is a folder: give a file name", str(target))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=TEMP_SUFFIX, dir=target.parent)
    except OSError as exc:  # name the file the user asked for, not the temp file
        raise OSError(exc.errno, f"cannot be written there ({exc.strerror})", str(target)) from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes 0600; published files must be readable
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text_atomic(target: str | os.PathLike, text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``target`` atomically and return the path."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding=encoding)
    return Path(target)


def write_bytes_atomic(target: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically and return the path."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def csv_cell(value: Any) -> Any:
    """Neutralise a spreadsheet formula in a text cell with a leading ``'`` (as Excel expects).

    Text that is a plain number ("-12.5") is left alone; anything else starting with
    ``= + - @``, a tab or a carriage return is prefixed, so a name from the registry or an input
    file cannot run as a formula when an operator opens the CSV.

    >>> print(csv_cell("=1+1"), csv_cell("-12.5"), csv_cell("Củ Chi"), csv_cell(3))
    '=1+1 -12.5 Củ Chi 3
    """
    if not isinstance(value, str) or not value.startswith(_FORMULA_START):
        return value
    try:
        float(value)
    except ValueError:
        return "'" + value
    return value


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell (and header) passed through :func:`csv_cell`."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or str(out[column].dtype) in {"string", "str"}:
            out[column] = out[column].map(csv_cell)
    out.columns = [csv_cell(c) for c in out.columns]
    return out
