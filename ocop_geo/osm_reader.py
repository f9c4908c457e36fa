"""The OSM reader: roads, ferries, named streets and places of a ``.osm.pbf`` / ``.osm`` / ``.osm.bz2`` file.

pyosmium (libosmium, C++) decodes the file (PBF or XML, plain or compressed) and resolves node
locations; Python only touches the objects a reader asks for:

* :func:`read_ways` — the road and ferry ways of the network builder as flat arrays, keeping
  the tags that the mode rules, speeds and edge attributes need;
* :func:`read_named_features` — the named highways and named place nodes of the gazetteer.

Both check the file the same way and report an unreadable one with the same message.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import osmium
import pandas as pd
import shapely

from ._errors import InputFileError, NetworkError

log = logging.getLogger(__name__)

#: Way tags kept for mode rules, speeds and edge attributes.
KEPT_TAGS: tuple[str, ...] = (
    "highway", "route", "name", "name:en", "ref", "oneway", "oneway:motorcycle",
    "oneway:bicycle", "junction", "maxspeed", "access", "vehicle", "motor_vehicle",
    "motorcycle", "motorcar", "bus", "tourist_bus", "psv", "bicycle", "foot", "width",
    "lanes", "service", "cycleway", "duration", "area", "bridge", "tunnel",
)  # fmt: skip

_KEPT = frozenset(KEPT_TAGS)

_SKIP_HIGHWAYS = frozenset({
    "proposed", "construction", "abandoned", "platform", "raceway", "bus_stop", "elevator",
    "rest_area", "services", "razed", "disused",
})  # fmt: skip

OSM_SUFFIXES: tuple[str, ...] = (".osm.pbf", ".pbf", ".osm", ".osm.bz2", ".osm.gz", ".xml")


@dataclass(frozen=True)
class RawWays:
    """Road and ferry ways as flat arrays.

    Way ``i`` has node ids ``node_ids[offsets[i]:offsets[i + 1]]`` at ``lon`` / ``lat`` of the
    same slice, OSM id ``way_ids[i]`` and tags ``tags[i]`` (only :data:`KEPT_TAGS`).
    """

    way_ids: np.ndarray
    offsets: np.ndarray
    node_ids: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    tags: list[dict[str, str]]

    @property
    def n_ways(self) -> int:
        """Number of ways."""
        return len(self.way_ids)


#: What pyosmium raises on a corrupt, truncated or non-OSM file.
_READ_ERRORS = (RuntimeError, ValueError, osmium.InvalidLocationError)


def _checked(path: str | Path) -> Path:
    """``path`` as a :class:`~pathlib.Path` once it names an existing, non-empty OSM file."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(
            f"{path}: no such OSM file; pass the path of a .osm.pbf or .osm extract"
        )
    if path.stat().st_size == 0:
        raise InputFileError(f"{path}: the file is empty; export the OSM extract again")
    if not path.name.lower().endswith(OSM_SUFFIXES):
        raise InputFileError(
            f"{path}: not an OSM file name; expected one of {', '.join(OSM_SUFFIXES)} "
            "(or .graphml for a saved osmnx graph)"
        )
    return path


def _unreadable(path: Path, exc: Exception) -> InputFileError:
    return InputFileError(
        f"{path}: cannot read this OSM file ({exc}); it is corrupt, truncated or not OSM data. "
        "Download or export the extract again (e.g. `osmium cat` to check it)."
    )


def _wanted(tags: osmium.osm.TagList) -> bool:
    highway = tags.get("highway")
    if highway is not None:
        return highway not in _SKIP_HIGHWAYS and tags.get("area") != "yes"
    return tags.get("route") == "ferry"


def read_ways(path: str | Path) -> RawWays:
    """Read the road and ferry ways of an OSM file into :class:`RawWays`.

    Raises
    ------
    InputFileError
        The file is missing, not an OSM file, corrupt or truncated.
    NetworkError
        The file holds no road or ferry way.
    """
    path = _checked(path)
    way_ids: list[int] = []
    counts: list[int] = []
    refs: list[int] = []
    lons: list[float] = []
    lats: list[float] = []
    tags_out: list[dict[str, str]] = []
    missing = 0
    processor = (
        osmium.FileProcessor(str(path))
        .with_locations()
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.KeyFilter("highway", "route"))
    )
    try:
        for way in processor:
            tags = way.tags
            if not _wanted(tags):
                continue
            try:
                nodes = [(n.ref, n.lon, n.lat) for n in way.nodes]
            except osmium.InvalidLocationError:
                nodes = [(n.ref, n.lon, n.lat) for n in way.nodes if n.location.valid()]
                missing += len(way.nodes) - len(nodes)
            if len(nodes) < 2:
                continue
            way_refs, way_lons, way_lats = zip(*nodes, strict=True)
            refs.extend(way_refs)
            lons.extend(way_lons)
            lats.extend(way_lats)
            way_ids.append(way.id)
            counts.append(len(nodes))
            tags_out.append({t.k: t.v for t in tags if t.k in _KEPT})
    except _READ_ERRORS as exc:
        raise _unreadable(path, exc) from exc
    if not way_ids:
        raise NetworkError(
            f"{path}: the extract holds no road (highway=*) or ferry way; "
            "use an extract that covers the area with its roads"
        )
    if missing:
        log.warning(
            "%s: %d way nodes have no location (truncated or clipped extract); skipped them",
            path,
            missing,
        )
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    raw = RawWays(
        way_ids=np.asarray(way_ids, dtype=np.int64),
        offsets=offsets,
        node_ids=np.asarray(refs, dtype=np.int64),
        lon=np.asarray(lons, dtype=np.float64),
        lat=np.asarray(lats, dtype=np.float64),
        tags=tags_out,
    )
    log.info(
        "read %s ways with %s node references from %s", f"{raw.n_ways:,}", f"{len(refs):,}", path
    )
    return raw


def read_named_features(path: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Named highways and named place nodes of an OSM file (for the gazetteer).

    Returns
    -------
    lines : pandas.DataFrame
        ``name``, ``coords`` (list of (lon, lat)): one row per named ``highway=*`` way with at
        least two located nodes (a way with a node lacking its location is left out).
    places : pandas.DataFrame
        ``name``, ``kind`` (``"place=<value>"``), ``lon``, ``lat``: one row per named
        ``place=*`` node.

    Raises
    ------
    InputFileError
        The file is missing, not an OSM file, corrupt or truncated.
    """
    path = _checked(path)
    lines: list[dict] = []
    places: list[dict] = []
    processor = (
        osmium.FileProcessor(str(path))
        .with_locations()
        .with_filter(osmium.filter.KeyFilter("highway", "place"))
    )
    try:
        for obj in processor:
            tags = obj.tags
            name = tags.get("name")
            if not name:
                continue
            if obj.is_way() and "highway" in tags:
                try:
                    coords = [(n.lon, n.lat) for n in obj.nodes]
                except osmium.InvalidLocationError:
                    continue
                if len(coords) >= 2:
                    lines.append({"name": name, "coords": coords})
            elif obj.is_node() and "place" in tags:
                places.append({
                    "name": name, "kind": f"place={tags['place']}",
                    "lon": obj.location.lon, "lat": obj.location.lat,
                })  # fmt: skip
    except _READ_ERRORS as exc:
        raise _unreadable(path, exc) from exc
    return (
        pd.DataFrame(lines, columns=["name", "coords"]),
        pd.DataFrame(places, columns=["name", "kind", "lon", "lat"]),
    )


#: ``waterway=*`` values read as lines (rivers and canals, then the small ones) for the basemap.
WATERWAYS: tuple[str, ...] = ("river", "canal", "stream", "drain", "ditch")


@dataclass(frozen=True)
class MapFeatures:
    """What the offline basemap draws besides roads, in EPSG:4326 (shapely geometries).

    Attributes
    ----------
    water : pandas.DataFrame
        ``name``, ``kind`` (``natural=water``, ``waterway=riverbank``, ``landuse=reservoir`` …), ``geometry``
        (MultiPolygon): water areas, closed ways and multipolygon relations alike.
    waterways : pandas.DataFrame
        ``name``, ``kind`` (one of :data:`WATERWAYS`), ``geometry`` (LineString).
    boundaries : pandas.DataFrame
        ``level`` (int, the lowest ``admin_level`` of the relations a way belongs to, or its own tag), ``geometry``
        (LineString): the ways of ``boundary=administrative``, each once however many units it separates.
    admin_areas : pandas.DataFrame
        ``name``, ``level``, ``lon``, ``lat`` (a point inside): the administrative units whose outline is complete
        in the extract (units cut by its edge cannot be assembled and are counted in the log).
    """

    water: pd.DataFrame
    waterways: pd.DataFrame
    boundaries: pd.DataFrame
    admin_areas: pd.DataFrame


def _is_water_area(tags: osmium.osm.TagList) -> str:
    """``key=value`` of a water area's tag, or ``""``."""
    for key, values in (("natural", ("water", "bay")), ("waterway", ("riverbank", "dock")),
                        ("landuse", ("reservoir", "basin"))):  # fmt: skip
        value = tags.get(key)
        if value in values:
            return f"{key}={value}"
    return ""


def _admin_level(tags: osmium.osm.TagList) -> int | None:
    try:
        return int(tags.get("admin_level", ""))
    except ValueError:
        return None


def read_map_features(path: str | Path) -> MapFeatures:
    """Water, waterways and administrative boundaries of an OSM file, for the offline basemap.

    One pass with pyosmium's area assembler (closed ways and multipolygon relations become
    MultiPolygons); boundary ways are kept as lines and get the level of the relations they belong
    to. Areas that cannot be assembled (a relation cut by the extract's edge, a broken ring) and ways
    with nodes outside the extract are counted in the log, never silently dropped.

    Raises
    ------
    InputFileError
        The file is missing, not an OSM file, corrupt or truncated.
    """
    path = _checked(path)
    wkb = osmium.geom.WKBFactory()
    water: list[tuple[str, str, str]] = []
    waterways: list[tuple[str, str, str]] = []
    admin: list[tuple[str, int, str]] = []
    bways: dict[int, tuple[int | None, str]] = {}  # boundary way id -> (own level, WKB)
    rel_level: dict[int, int] = {}  # way id -> lowest level of the admin relations holding it
    skipped = {"water areas": 0, "admin areas": 0, "waterways": 0, "boundary ways": 0}
    keys = ("natural", "waterway", "landuse", "boundary")
    processor = (
        osmium.FileProcessor(str(path))
        .with_locations()
        .with_areas(osmium.filter.KeyFilter(*keys))
        .with_filter(osmium.filter.KeyFilter(*keys))
    )
    try:
        for obj in processor:
            tags = obj.tags
            if obj.is_area():
                kind = _is_water_area(tags)
                level = _admin_level(tags) if tags.get("boundary") == "administrative" else None
                if not kind and not (level and tags.get("name")):
                    continue
                try:
                    geom = wkb.create_multipolygon(obj)
                except (RuntimeError, osmium.InvalidLocationError):
                    skipped["water areas" if kind else "admin areas"] += 1
                    continue
                if kind:
                    water.append((tags.get("name", ""), kind, geom))
                if level and tags.get("name"):
                    admin.append((tags["name"], level, geom))
            elif obj.is_way():
                if tags.get("waterway") in WATERWAYS:
                    try:
                        waterways.append((tags.get("name", ""), tags["waterway"], wkb.create_linestring(obj)))
                    except (RuntimeError, osmium.InvalidLocationError):
                        skipped["waterways"] += 1
                if tags.get("boundary") == "administrative":
                    try:
                        bways[obj.id] = (_admin_level(tags), wkb.create_linestring(obj))
                    except (RuntimeError, osmium.InvalidLocationError):
                        skipped["boundary ways"] += 1
            elif obj.is_relation() and tags.get("boundary") == "administrative":
                level = _admin_level(tags)
                if level is None:
                    continue
                for m in obj.members:
                    if m.type == "w":
                        rel_level[m.ref] = min(level, rel_level.get(m.ref, level))
    except _READ_ERRORS as exc:
        raise _unreadable(path, exc) from exc
    levels = {wid: rel_level.get(wid, own) for wid, (own, _) in bways.items()}
    unlevelled = sum(1 for v in levels.values() if v is None)
    if unlevelled:
        log.info("%s: %d boundary ways belong to no admin relation and have no admin_level; left out",
                 path, unlevelled)  # fmt: skip
    for what, n in skipped.items():
        if n:
            log.warning("%s: %d %s could not be built (cut by the extract's edge or broken); left out",
                        path, n, what)  # fmt: skip
    admin_geoms = shapely.from_wkb([g for _, _, g in admin])
    points = shapely.point_on_surface(admin_geoms)
    features = MapFeatures(
        water=pd.DataFrame({"name": [n for n, _, _ in water], "kind": [k for _, k, _ in water],
                            "geometry": shapely.from_wkb([g for _, _, g in water])}),
        waterways=pd.DataFrame({"name": [n for n, _, _ in waterways], "kind": [k for _, k, _ in waterways],
                                "geometry": shapely.from_wkb([g for _, _, g in waterways])}),
        boundaries=pd.DataFrame({"level": [v for v in levels.values() if v is not None],
                                 "geometry": shapely.from_wkb([bways[w][1] for w, v in levels.items()
                                                               if v is not None])}),
        admin_areas=pd.DataFrame({"name": [n for n, _, _ in admin], "level": [lv for _, lv, _ in admin],
                                  "lon": shapely.get_x(points), "lat": shapely.get_y(points)}),
    )  # fmt: skip
    log.info("read %d water areas, %d waterways, %d boundary ways and %d admin areas from %s",
             len(features.water), len(features.waterways), len(features.boundaries), len(features.admin_areas),
             path)  # fmt: skip
    return features
