"""The department's corrections to the registry, kept in an overlay file beside it (never in the registry itself).

The tourism department knows things its registry files do not: a producer's real opening hours, how long a visit
takes, where the farm gate actually is, a note for the next officer. The route studio saves each such edit to
``registry_overlay.json`` in the folder of the registry's first file (``data/registry/`` for the bundled one),
with who made it, when and why; :func:`ocop_geo.registry.load_registry` applies the overlay after reading and
placing the rows, so ``ocop-geo validate``, ``plan``, ``publish`` and ``demo`` all see the corrected registry,
and the registry files stay as the sources gave them. The file is an append-only log (an edit is never rewritten;
a later edit of the same field wins), so the history of every correction stays readable::

    {"schema": "ocop_geo.overlay/1",
     "edits": [{"kind": "producer", "id": "HCM-P04", "field": "opening_hours", "value": "Sa,Su 08:00-16:00",
                "who": "Lan (Sở Du lịch)", "when": "2026-11-20T09:14:03+07:00", "why": "phoned the farm"}]}

Fields (:data:`EDITABLE`): ``opening_hours`` (OSM syntax, checked), ``visit_minutes`` (producers, 5-480),
``location`` (``[lat, lon]`` inside the merged city; the place becomes ``exact`` and its ward, district and 2025
unit are looked up again), ``notes``. An edit that no longer applies (its producer left the registry, a bad
value written by hand) is skipped and named in the registry's notices.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from . import settings
from ._errors import InputFileError, ValidationError
from .fileio import write_text_atomic
from .geocode import reverse_geocode
from .i18n import gettext as _
from .opening_hours import parse_opening_hours

__all__ = ["EDITABLE", "OVERLAY_NAME", "SCHEMA", "OverlayEdit", "add_edit", "apply_overlay", "check_edit",
           "overlay_path", "read_overlay"]  # fmt: skip

#: File name of the overlay, beside the registry's first file.
OVERLAY_NAME = "registry_overlay.json"
#: Schema tag of the overlay file.
SCHEMA = "ocop_geo.overlay/1"
#: Fields the department may correct, per kind of registry row.
EDITABLE: dict[str, tuple[str, ...]] = {
    "producer": ("opening_hours", "visit_minutes", "location", "notes"),
    "venue": ("opening_hours", "location", "notes"),
}
_ID_COLUMN = {"producer": "producer_id", "venue": "venue_id"}
_TZ = dt.timezone(dt.timedelta(hours=7))


@dataclass(frozen=True)
class OverlayEdit:
    """One correction: which row (``kind``, ``id``), which ``field``, the new ``value``, and who / when / why."""

    kind: str
    id: str
    field: str
    value: object
    who: str
    when: str
    why: str


def overlay_path(registry_paths: Sequence[str | os.PathLike]) -> Path:
    """Where the overlay of a registry read from ``registry_paths`` lives: beside the first file."""
    first = Path(registry_paths[0]) if registry_paths else settings.registry_producers
    return first.parent / OVERLAY_NAME


def check_edit(kind: str, field: str, value: object) -> tuple[object, list[str]]:
    """The value as stored (normalised) and every problem with it, each saying what to write instead.

    Parameters
    ----------
    kind
        ``{"producer", "venue"}``.
    field
        One of :data:`EDITABLE` ``[kind]``.
    value
        Opening hours text, whole minutes, ``[lat, lon]`` or a note.
    """
    if kind not in EDITABLE:
        return value, [f"kind {kind!r} is not producer or venue"]
    if field not in EDITABLE[kind]:
        return value, [f"{field!r} cannot be corrected for a {kind}; choose {', '.join(EDITABLE[kind])}"]
    if field == "opening_hours":
        text = str(value or "").strip()
        if not text:
            return "", []
        try:
            parse_opening_hours(text)
        except ValidationError as exc:
            return text, [f"opening hours {text!r}: {exc}; write e.g. 'Mo-Sa 08:00-17:00'"]
        return text, []
    if field == "visit_minutes":
        try:
            minutes = int(str(value).strip())
        except ValueError:
            return value, [f"visit minutes {value!r} is not a whole number; write e.g. 45"]
        if not 5 <= minutes <= 480:
            return minutes, [f"visit minutes {minutes} is not from 5 to 480"]
        return minutes, []
    if field == "location":
        try:
            lat, lon = (float(v) for v in value)  # type: ignore[union-attr]
        except (TypeError, ValueError):
            return value, ["a location is [lat, lon], e.g. [10.97, 106.49]"]
        x0, y0, x1, y1 = settings.hcmc_2025_bbox
        if not (y0 <= lat <= y1 and x0 <= lon <= x1):
            return value, [f"({lat:.5f}, {lon:.5f}) is not in Ho Chi Minh City; drag the pin inside the city"]
        return [round(lat, 6), round(lon, 6)], []
    text = str(value or "").strip()
    return text, ([] if len(text) <= 2000 else ["a note has at most 2,000 characters"])


def read_overlay(path: str | os.PathLike) -> list[OverlayEdit]:
    """The edits of an overlay file, oldest first; ``[]`` when there is no file.

    Raises
    ------
    InputFileError
        The file is not an overlay (not JSON, another schema, an edit without its fields).
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputFileError(_("{path}: not a readable overlay file ({error}); restore it from version control",
                               path=path, error=exc)) from None
    if not isinstance(data, Mapping) or data.get("schema") != SCHEMA or not isinstance(data.get("edits"), list):
        raise InputFileError(_("{path}: not an ocop_geo overlay (schema {schema!r} with a list of edits)", path=path,
                               schema=SCHEMA))
    out = []
    for i, raw in enumerate(data["edits"]):
        try:
            out.append(OverlayEdit(**{k: raw[k] for k in ("kind", "id", "field", "value", "who", "when", "why")}))
        except (KeyError, TypeError):
            raise InputFileError(_("{path}: edit {n} lacks kind, id, field, value, who, when or why", path=path,
                                   n=i + 1)) from None
    return out


def add_edit(path: str | os.PathLike, *, kind: str, id: str, field: str, value: object, who: str, why: str,
             expected: int | None = None) -> tuple[OverlayEdit, int]:  # fmt: skip
    """Append one checked edit to the overlay at ``path`` (written atomically) and return it with the new count.

    Parameters
    ----------
    expected
        The number of edits the caller last saw; when the file has another number (someone else saved in
        between), nothing is written and ValidationError says to reload.

    Raises
    ------
    ValidationError
        A bad value, no ``who`` / ``why``, or the file changed since ``expected``.
    """
    value, problems = check_edit(kind, field, value)
    if not who.strip():
        problems.append(_("say who makes the change (your name)"))
    if not why.strip():
        problems.append(_("say why (e.g. 'phoned the producer on 20/11')"))
    edits = read_overlay(path)
    if expected is not None and expected != len(edits):
        problems.append(_("the overlay changed since you opened it ({n} edits, you saw {seen}); reload and make the "
                          "change again", n=len(edits), seen=expected))
    if problems:
        raise ValidationError("; ".join(problems), problems)
    edit = OverlayEdit(kind, id, field, value, who.strip()[:120], dt.datetime.now(_TZ).isoformat(timespec="seconds"),
                       why.strip()[:500])  # fmt: skip
    edits.append(edit)
    payload = {"schema": SCHEMA, "edits": [asdict(e) for e in edits]}
    write_text_atomic(path, json.dumps(payload, ensure_ascii=False, indent=1) + "\n")
    return edit, len(edits)


def apply_overlay(producers: gpd.GeoDataFrame, venues: gpd.GeoDataFrame, edits: Sequence[OverlayEdit],
                  *, source: str = OVERLAY_NAME) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, list[str]]:  # fmt: skip
    """The producers and venues with the latest edit of each field applied, and notices of what was applied.

    Returns
    -------
    producers, venues, notices
        Copies of the frames (the inputs are not changed); a location edit sets ``lat``, ``lon``, the
        geometry, ``location_precision = "exact"``, the old and 2025 units of the point and a
        ``geocode_note`` naming who moved it, when and why.
    """
    latest: dict[tuple[str, str, str], OverlayEdit] = {}
    for e in edits:
        latest[(e.kind, e.id, e.field)] = e
    if not latest:
        return producers, venues, []
    frames = {"producer": producers.copy(), "venue": venues.copy()}
    notices, applied, moved = [], 0, []
    for (kind, rid, field), e in latest.items():
        frame = frames.get(kind)
        value, problems = check_edit(kind, field, e.value)
        rows = [] if frame is None else list(frame.index[frame[_ID_COLUMN[kind]].astype(str) == rid])
        if problems or not rows:
            why = "; ".join(problems) or _("no {kind} {id} in the registry", kind=kind, id=rid)
            notices.append(_("{source}: the edit of {kind} {id} {field} ({when}) is not applied: {why}", source=source,
                             kind=kind, id=rid, field=field, when=e.when, why=why))
            continue
        assert frame is not None
        if field == "location":
            lat, lon = value  # type: ignore[misc]
            frame.loc[rows, "lat"], frame.loc[rows, "lon"] = lat, lon
            frame.loc[rows, "geometry"] = gpd.GeoSeries([Point(lon, lat)] * len(rows), index=rows, crs=4326)
            frame.loc[rows, "location_precision"] = "exact"
            frame.loc[rows, "geocode_note"] = f"location set by {e.who} on {e.when[:10]}: {e.why}"
            moved.append((kind, rows))
        elif field == "visit_minutes":
            frame.loc[rows, field] = pd.array([value] * len(rows), dtype="Int64")
        else:
            frame.loc[rows, field] = value
        applied += 1
    for kind, rows in moved:
        frame = frames[kind]
        found = reverse_geocode(frame.loc[rows, "geometry"])
        for column in ("ward", "ward_code", "district", "district_code", "unit_2025", "unit_code_2025"):
            if column in frame.columns:
                frame.loc[rows, column] = found[column].where(found[column] != "", frame.loc[rows, column])
    notices.append(_("{source}: {n} correction(s) of the department applied", source=source, n=applied))
    return frames["producer"], frames["venue"], notices
