"""Route specs as code, edited in the studio: open a ``data/routes/*.toml`` file, change fields, save it back.

The file stays the department's: its comments, order and layout are kept (tomlkit edits the document in place),
only the fields that changed are rewritten, so opening a spec and saving it without a change gives the same bytes.
Every save is checked first by the spec parser (:func:`ocop_geo.spec.parse_spec`, POI names resolved) and refused
with every problem listed; a save names the version it edits (a hash of the file as it was read) and is refused
when the file changed since (another tab, another officer, an editor), so nobody overwrites anyone silently.

Files are named by their stem only (``cu_chi_food_day``), checked against :data:`NAME`, and resolved inside the
routes folder: no path from a browser reaches the file system.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError

from ._errors import InputFileError, ValidationError
from .fileio import write_text_atomic
from .spec import PoiIndex, RouteSpec, known_districts, parse_spec

__all__ = ["NAME", "RouteFile", "list_routes", "plain", "read_route", "route_path", "save_route", "version_of"]

#: A route file's name (its stem): lower-case letters, digits, ``_`` and ``-``.
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")

_NEW_HEADER = ("Created in the route studio (ocop-geo studio). Plan it with:  ocop-geo plan "
               "data/routes/{name}.toml -o maps/plans")  # fmt: skip


class RouteFile(dict):
    """A route file as the studio shows it: ``name``, ``version``, ``data`` (plain values), ``title``."""


def version_of(text: str) -> str:
    """The version of a file's text: the first 16 hex digits of its SHA-256 (``"new"`` for no file)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def route_path(routes_dir: Path, name: str) -> Path:
    """The file of route ``name`` inside ``routes_dir``.

    Raises
    ------
    ValidationError
        ``name`` is not a plain file name (:data:`NAME`): no folders, no dots, no other characters.
    """
    if not isinstance(name, str) or not NAME.match(name):
        raise ValidationError(f"{name!r} is not a route file name: use lower-case letters, digits, '_' and '-'",
                              ["name: use lower-case letters, digits, '_' and '-'"])  # fmt: skip
    path = (routes_dir / f"{name}.toml").resolve()
    if path.parent != routes_dir.resolve():
        raise ValidationError(f"{name!r} is outside the routes folder", ["name: outside the routes folder"])
    return path


def plain(value: Any) -> Any:
    """TOML values as JSON can carry them: dates as ISO text, tomlkit containers as dicts and lists."""
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "unwrap"):
        return plain(value.unwrap())
    return value


def list_routes(routes_dir: Path) -> list[dict[str, str]]:
    """Every route file of ``routes_dir``: ``name``, ``id`` and ``title`` (vi), sorted by name; a file that does
    not parse is listed with its error as ``problem``."""
    out = []
    for path in sorted(routes_dir.glob("*.toml")):
        if not NAME.match(path.stem):
            continue
        item = {"name": path.stem, "id": "", "title": "", "problem": ""}
        try:
            data = tomlkit.parse(path.read_text(encoding="utf-8")).unwrap()
            item.update(id=str(data.get("id", "")), title=str(data.get("title_vi", "")))
        except (OSError, UnicodeDecodeError, TOMLKitError) as exc:
            item["problem"] = str(exc)
        out.append(item)
    return out


def read_route(routes_dir: Path, name: str) -> RouteFile:
    """Open route ``name``: its plain data and version.

    Raises
    ------
    InputFileError
        No such file, or it is not valid TOML (the message names the line).
    """
    path = route_path(routes_dir, name)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputFileError(f"no route file {name}.toml in {routes_dir.name}/") from None
    try:
        data = tomlkit.parse(text)
    except TOMLKitError as exc:
        raise InputFileError(f"{name}.toml is not valid TOML: {exc}; fix it in a text editor") from None
    return RouteFile(name=name, version=version_of(text), data=plain(data.unwrap()))


def _merge(table: Any, new: Mapping[str, Any]) -> None:
    """Make the tomlkit ``table`` hold ``new``: keys whose value is unchanged are not touched (their layout and
    comments stay), changed ones are replaced, missing ones removed, new ones appended."""
    for key in [k for k in table if k not in new]:
        del table[key]
    for key, value in new.items():
        if key in table and plain(table[key]) == plain(value):
            continue
        old = table.get(key)
        if isinstance(value, Mapping) and isinstance(old, Mapping) and not isinstance(old, tomlkit.items.InlineTable):
            _merge(old, value)
        elif isinstance(value, Mapping) and key not in table:
            sub = tomlkit.table()
            for k, v in value.items():
                sub[k] = v
            table[key] = sub
        else:
            item = tomlkit.item(value)
            trivia = getattr(old, "trivia", None)
            if trivia is not None and trivia.comment and hasattr(item, "trivia"):  # keep "# a Saturday"
                item.trivia.comment_ws, item.trivia.comment = trivia.comment_ws, trivia.comment
            table[key] = item


def save_route(routes_dir: Path, name: str, data: Mapping[str, Any], *, version: str | None,
               pois: PoiIndex | None = None) -> tuple[RouteFile, RouteSpec]:  # fmt: skip
    """Check ``data`` as a route spec and write it to route ``name``, keeping the file's layout.

    Parameters
    ----------
    routes_dir
        The routes folder (``data/routes``).
    name
        The file's stem; a new name creates the file.
    data
        The spec's fields as plain values (what :func:`read_route` gives, edited).
    version
        The version the caller opened (``"new"`` or None for a file that must not exist yet).
    pois
        POI index for place names (default: the bundled POI layer).

    Returns
    -------
    RouteFile, RouteSpec
        The file as written (its new version) and the parsed spec.

    Raises
    ------
    ValidationError
        The spec has problems (all listed, each naming the field), or the file changed since ``version`` (or
        exists already when creating one).
    """
    path = route_path(routes_dir, name)
    text = path.read_text(encoding="utf-8") if path.exists() else None
    current = "new" if text is None else version_of(text)
    if (version or "new") != current:
        why = (f"{name}.toml already exists; open it, or save under another name" if version in (None, "new")
               else f"{name}.toml changed since you opened it (in another tab or editor); reopen it and redo the "
               "change")  # fmt: skip
        raise ValidationError(why, [f"version: {why}"])
    spec = parse_spec(dict(data), source=f"{name}.toml", pois=pois, districts=known_districts())
    if text is None:
        doc = tomlkit.document()
        doc.add(tomlkit.comment(_NEW_HEADER.format(name=name)))
        _merge(doc, data)
    else:
        doc = tomlkit.parse(text)
        _merge(doc, data)
    out = tomlkit.dumps(doc)
    if out != text:
        write_text_atomic(path, out)
    return RouteFile(name=name, version=version_of(out), data=plain(tomlkit.parse(out).unwrap())), spec
