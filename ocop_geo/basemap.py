"""The offline basemap: vector tiles built once from the bundled data, cached, copied into every site.

When a phone loses signal (the farms of Củ Chi and Cần Giờ) the online OpenStreetMap tiles stop loading;
pages then draw this basemap, which lies under the online tiles and ships with the site
(``static/basemap/``). Its layers, all read from files in ``data/``:

* water: the OSM extract's water areas (rivers' banks, lakes, basins) and the sea, which is what lies
  outside every province of ``vn_provinces_2025_07`` and every 2025 unit (narrow gaps between the
  two sources are closed first);
* waterways: OSM rivers, canals, streams (with their names);
* roads: OSM motorway to residential, ferries, and — where OSM 2018 has no road — the supplementary
  bus-corridor layer (``settings.roads_supplement``, not OSM: its licence is unknown, it is a layer of
  its own, attributed apart), merged into OSM exactly as the road network does;
* boundaries: 2018 provinces, districts and wards from the OSM extract's own boundary relations, and the
  168 units of 7/2025 (MIT polygons). The 2019 ward / district polygons have no licence file and are
  not published (data/README.md): only the district names and a point inside each come from the
  gazetteer;
* labels: district and 2025 unit names, OSM ward and village names, a few landmarks (ferry terminals,
  markets, museums, sights) from the POI layer.

Tiles are cut by :mod:`ocop_geo.tiling` (zoom 8–14; 13–14 only over the OSM extract's area) and written
as small scripts ``t/z/x/y.js`` calling ``ocopBasemap.tile(...)`` plus ``index.js`` (which tiles exist),
so the pages load them with ``<script>`` tags: that works from ``file://`` (where Chromium blocks
``fetch``) and over http(s). ``static/ocop/basemap.js`` draws them on a Leaflet canvas layer.

The build is keyed by the SHA-256 of every input file and :data:`BUILDER_VERSION`, cached under
``settings.cache_dir / "basemap" / <key>``; :func:`write_basemap` copies the cached tiles into a site.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import pickle
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyogrio.errors import DataLayerError, DataSourceError

from . import settings
from ._errors import InputFileError
from .fileio import write_bytes_atomic
from .gazetteer import cache_path as gazetteer_cache_path
from .gazetteer import get_gazetteer
from .osm_reader import MapFeatures, RawWays, read_map_features, read_ways
from .pois import read_pois
from .supplement import merge_supplement, read_supplement
from .tiling import Layer, build_tiles, extent, resolution, to_lonlat, to_mercator

__all__ = [
    "BUILDER_VERSION",
    "BasemapInfo",
    "ROAD_CLASSES",
    "build_basemap",
    "cached_basemap",
    "input_files",
    "print_background",
    "write_basemap",
]

log = logging.getLogger(__name__)

#: Bump when the tiles change for the same inputs (layers, classes, encoding): old caches are not reused.
BUILDER_VERSION = 2
#: Zoom levels cut; above :data:`DETAIL_ZOOM` only the OSM extract's area is cut (beyond it, the page draws
#: the zoom-12 tiles magnified: there is nothing finer there than boundaries).
ZOOMS: tuple[int, ...] = (8, 9, 10, 11, 12, 13, 14)
DETAIL_ZOOM = 13

#: Road class (the ``cls`` of layer ``r``) per ``highway`` value, and the zoom it first shows at.
ROAD_CLASSES: dict[str, tuple[int, int]] = {
    "motorway": (0, 8), "trunk": (1, 8), "primary": (2, 9), "secondary": (3, 10), "tertiary": (4, 11),
    "unclassified": (5, 13), "residential": (5, 13), "living_street": (5, 13), "road": (5, 13),
    "motorway_link": (0, 12), "trunk_link": (1, 12), "primary_link": (2, 12), "secondary_link": (3, 12),
    "tertiary_link": (4, 12),
}  # fmt: skip
FERRY_CLASS, FERRY_MINZOOM = 7, 10
SUPPLEMENT_CLASS, SUPPLEMENT_MINZOOM = 8, 9

#: Waterway class and first zoom.
WATERWAY_CLASSES: dict[str, tuple[int, int]] = {"river": (0, 8), "canal": (1, 11), "stream": (2, 12),
                                                "drain": (3, 14), "ditch": (3, 14)}  # fmt: skip
#: Boundary classes: OSM admin_level -> (cls, first zoom); the 2025 units are class 2.
BOUNDARY_LEVELS: dict[int, tuple[int, int]] = {4: (0, 8), 5: (1, 9), 6: (1, 9), 8: (3, 13), 9: (3, 13),
                                               10: (3, 13)}  # fmt: skip
UNIT_2025_CLASS, UNIT_2025_MINZOOM = 2, 10
#: Label classes (layer ``p``) and first zooms.
LABEL_DISTRICT, LABEL_UNIT_2025, LABEL_WARD, LABEL_PLACE, LABEL_LANDMARK = 0, 1, 2, 3, 4
_PLACE_MINZOOM = {"place=town": 11, "place=village": 12, "place=island": 12, "place=hamlet": 14}
_LANDMARKS = {"amenity=ferry_terminal": 12, "amenity=marketplace": 14, "tourism=museum": 14,
              "tourism=attraction": 14}  # fmt: skip
#: The 2025 unit polygons: vertices this close are snapped together and gaps this narrow closed before their
#: shared borders are dissolved (m).
UNIT_GRID_M = 10.0
UNIT_GAP_M = 50.0
#: Boundaries are simplified more than roads (pixels): their exact course matters less than their weight.
BOUNDARY_SIMPLIFY_PX = 1.0
#: Gaps narrower than this between the province and unit polygons are land, not sea (m).
SEA_GAP_M = 300.0


@dataclass(frozen=True)
class BasemapInfo:
    """A built basemap: its folder (``index.js``, ``basemap.json``, ``t/z/x/y.js``), cache key and numbers."""

    path: Path
    key: str
    n_tiles: int
    n_bytes: int
    seconds: float
    inputs: dict[str, str] = field(default_factory=dict)


def input_files() -> dict[str, Path]:
    """The files the basemap is built from (as the settings name them now)."""
    admin = Path(settings.admin_dir)
    return {
        "osm": Path(settings.osm_extract),
        "roads_supplement": Path(settings.roads_supplement),
        "units_2025": admin / "hcmc_wards_2025_07.geojson",
        "provinces_2025": admin / "vn_provinces_2025_07.geojson",
        "pois": Path(settings.pois_file),
    }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _key(files: dict[str, Path]) -> tuple[str, dict[str, str]]:
    """Cache key of a build from ``files`` (and the gazetteer's own key) with each input's SHA-256."""
    missing = [f"{name}: {path}" for name, path in files.items() if not path.is_file()]
    if missing:
        raise InputFileError("basemap inputs missing: " + "; ".join(missing) + "; restore them from git (data/)")
    hashes = {name: _sha256(path) for name, path in sorted(files.items())}
    hashes["gazetteer"] = gazetteer_cache_path().stem  # district names and points (keyed by its own inputs)
    digest = hashlib.sha256(f"ocop-basemap/{BUILDER_VERSION}".encode())
    for name, value in hashes.items():
        digest.update(f"{name}:{value}\n".encode())
    return digest.hexdigest()[:16], hashes


def _read_polygons(path: Path) -> gpd.GeoDataFrame:
    try:
        frame = gpd.read_file(path)
    except (OSError, DataSourceError, DataLayerError) as exc:
        raise InputFileError(f"{path}: cannot read the polygons ({exc}); restore it from git (data/admin)") from None
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    return frame


# --------------------------------------------------------------------------- layers


def _clean(names: pd.Series | np.ndarray) -> np.ndarray:
    """Names with their spaces tidied (OSM has ``"Bàu Cát "``); spelling and diacritics untouched."""
    return np.array([" ".join(str(n).split()) if isinstance(n, str) else "" for n in names], dtype=object)


def _road_layer(raw: RawWays) -> Layer:
    """Roads merged per (class, name, first zoom) into long lines: fewer features, whole names to label."""
    cls = np.full(raw.n_ways, -1, dtype=np.int64)
    minz = np.zeros(raw.n_ways, dtype=np.int64)
    names = np.empty(raw.n_ways, dtype=object)
    for i, tags in enumerate(raw.tags):
        if tags.get("_source") == "supplement":
            cls[i], minz[i] = SUPPLEMENT_CLASS, SUPPLEMENT_MINZOOM
        elif tags.get("route") == "ferry" and "highway" not in tags:
            cls[i], minz[i] = FERRY_CLASS, FERRY_MINZOOM
        elif (c := ROAD_CLASSES.get(tags.get("highway", ""))) is not None:
            cls[i], minz[i] = c
        names[i] = " ".join(tags.get("name", "").split())  # OSM names may carry stray spaces
    keep = np.flatnonzero(cls >= 0)
    counts = np.diff(raw.offsets)
    way_of_node = np.repeat(np.arange(raw.n_ways), counts)
    take = np.isin(way_of_node, keep)
    lines = to_mercator(shapely.linestrings(raw.lon[take], raw.lat[take],
                                           indices=np.searchsorted(keep, way_of_node[take])))
    frame = pd.DataFrame({"cls": cls[keep], "minz": minz[keep], "name": names[keep]})
    grouped = frame.groupby(["cls", "minz", "name"], sort=True)
    group = grouped.ngroup().to_numpy()
    heads = grouped.size().reset_index()  # one row per group, in ngroup order
    order = np.argsort(group, kind="stable")
    merged = shapely.line_merge(shapely.multilinestrings(lines[order], indices=group[order]))
    parts, part_of = shapely.get_parts(merged, return_index=True)
    return Layer("r", "line", parts, heads["cls"].to_numpy()[part_of], heads["minz"].to_numpy()[part_of],
                 heads["name"].to_numpy()[part_of])  # fmt: skip


def _sea(units: gpd.GeoDataFrame, provinces: gpd.GeoDataFrame, box_m: shapely.Geometry) -> shapely.Geometry:
    """What lies outside every province and 2025 unit within ``box_m``, without the slivers between sources."""
    land = shapely.union_all(to_mercator(np.concatenate([units.geometry.to_numpy(), provinces.geometry.to_numpy()])))
    raw = shapely.difference(box_m, land)
    opened = shapely.buffer(shapely.buffer(raw, -SEA_GAP_M, quad_segs=2), SEA_GAP_M, quad_segs=2)
    return shapely.intersection(opened, raw)


def _unit_boundaries(units: gpd.GeoDataFrame) -> np.ndarray:
    """Each border between 2025 units once, merged into long lines.

    The polygons (simplified independently at the source) neither meet exactly nor tile without slivers:
    they are cleaned into a coverage first (``shapely.coverage_clean``: shared borders made identical, gaps
    narrower than :data:`UNIT_GAP_M` closed), so the dissolved borders are single lines. With shapely < 2.2
    they are snapped to a :data:`UNIT_GRID_M` grid instead (a few short double lines remain).
    """
    polygons = to_mercator(units.geometry.to_numpy())
    if hasattr(shapely, "coverage_clean"):
        polygons = shapely.coverage_clean(polygons, snapping_distance=UNIT_GRID_M, gap_width=UNIT_GAP_M)
    else:  # pragma: no cover - older shapely / GEOS
        polygons = shapely.set_precision(polygons, UNIT_GRID_M)
    edges = shapely.union_all(shapely.boundary(polygons))
    return shapely.get_parts(shapely.line_merge(edges))


def _labels(gaz_units: pd.DataFrame, units: gpd.GeoDataFrame, features: MapFeatures,
            places: pd.DataFrame, pois: gpd.GeoDataFrame) -> Layer:  # fmt: skip
    """Point labels: 2018 districts, 2025 units, OSM wards and villages, landmarks."""
    districts = gaz_units[(gaz_units["level"] == "district") & (gaz_units["era"] == "2019")]
    wards = features.admin_areas[features.admin_areas["level"].isin([8, 9, 10])]
    old_hcmc = units.get("old_hcmc", pd.Series(True, index=units.index)).to_numpy(dtype=bool)
    place_kind = places["kind"].map(_PLACE_MINZOOM)
    places = places[place_kind.notna()]
    mark_zoom = pois["category"].map(_LANDMARKS)
    marks = pois[mark_zoom.notna()]
    rows = [
        (districts["lon"], districts["lat"], districts["name"], LABEL_DISTRICT, np.full(len(districts), 9)),
        (units["lon"], units["lat"], units["name"], LABEL_UNIT_2025, np.where(old_hcmc, 11, 9)),
        (wards["lon"], wards["lat"], wards["name"], LABEL_WARD, np.full(len(wards), 14)),
        (places["lon"], places["lat"], places["name"], LABEL_PLACE, place_kind[place_kind.notna()]),
        (marks.geometry.x, marks.geometry.y, marks["name"], LABEL_LANDMARK, mark_zoom[mark_zoom.notna()]),
    ]
    lon = np.concatenate([np.asarray(r[0], dtype=float) for r in rows])
    lat = np.concatenate([np.asarray(r[1], dtype=float) for r in rows])
    return Layer(
        "p", "point", to_mercator(shapely.points(lon, lat)),
        np.concatenate([np.full(len(r[2]), r[3]) for r in rows]),
        np.concatenate([np.asarray(r[4], dtype=np.int64) for r in rows]),
        _clean(np.concatenate([np.asarray(r[2], dtype=object) for r in rows])),
    )  # fmt: skip


def _layers(files: dict[str, Path]) -> tuple[list[Layer], tuple[float, float, float, float]]:
    """Every layer of the basemap (in drawing order) and the OSM roads' extent (EPSG:3857)."""
    raw = read_ways(files["osm"])
    supplement = read_supplement(files["roads_supplement"])
    ones = np.ones(raw.n_ways, dtype=bool)
    with_sup, _, _ = merge_supplement(raw, ones, ones, supplement, mode="motorbike")
    features = read_map_features(files["osm"])
    units = _read_polygons(files["units_2025"])
    provinces = _read_polygons(files["provinces_2025"])
    gaz = get_gazetteer()
    units_lab = gaz.units_2025
    places = gaz.places[gaz.places["kind"].astype(str).str.startswith("place=")]
    pois = read_pois(files["pois"])

    west, south, east, north = settings.hcmc_2025_bbox
    box_m = shapely.box(*shapely.bounds(to_mercator([shapely.box(west - 0.5, south - 0.5, east + 0.5, north + 0.5)]))[0])
    sea = _sea(units, provinces, box_m)
    water_geoms = np.concatenate([[sea], to_mercator(features.water["geometry"].to_numpy())])
    water = Layer("w", "polygon", water_geoms, np.r_[0, np.ones(len(features.water), dtype=np.int64)],
                  np.full(len(water_geoms), 8))  # fmt: skip

    ww_cls = features.waterways["kind"].map(lambda k: WATERWAY_CLASSES[k][0]).to_numpy(dtype=np.int64)
    ww_min = features.waterways["kind"].map(lambda k: WATERWAY_CLASSES[k][1]).to_numpy(dtype=np.int64)
    waterways = Layer("ww", "line", to_mercator(features.waterways["geometry"].to_numpy()), ww_cls, ww_min,
                      _clean(features.waterways["name"]))  # fmt: skip

    b = features.boundaries[features.boundaries["level"].isin(list(BOUNDARY_LEVELS))]
    unit_lines = _unit_boundaries(units)
    b_cls = np.r_[b["level"].map(lambda v: BOUNDARY_LEVELS[v][0]).to_numpy(dtype=np.int64),
                  np.full(len(unit_lines), UNIT_2025_CLASS)]  # fmt: skip
    b_min = np.r_[b["level"].map(lambda v: BOUNDARY_LEVELS[v][1]).to_numpy(dtype=np.int64),
                  np.full(len(unit_lines), UNIT_2025_MINZOOM)]  # fmt: skip
    boundaries = Layer("b", "line", np.concatenate([to_mercator(b["geometry"].to_numpy()), unit_lines]), b_cls, b_min,
                       simplify_px=BOUNDARY_SIMPLIFY_PX)

    roads = _road_layer(with_sup)
    labels = _labels(gaz.units, units_lab, features, places, pois)
    lo = to_mercator([shapely.Point(raw.lon.min(), raw.lat.min()), shapely.Point(raw.lon.max(), raw.lat.max())])
    return [water, waterways, boundaries, roads, labels], (lo[0].x, lo[0].y, lo[1].x, lo[1].y)


# --------------------------------------------------------------------------- build, cache, copy


def _tile_script(key: str, text: str) -> str:
    return f'ocopBasemap.tile("{key}",{text});\n'


def build_basemap(out_dir: str | os.PathLike, *, files: dict[str, Path] | None = None) -> BasemapInfo:
    """Build the basemap tiles from ``files`` (default :func:`input_files`) into ``out_dir`` (replaced).

    Returns
    -------
    BasemapInfo
        The folder, the cache key, the number of tiles and bytes, the seconds the build took.

    Raises
    ------
    InputFileError
        An input is missing or unreadable (the message names it).
    """
    t0 = time.perf_counter()
    files = dict(files or input_files())
    key, hashes = _key(files)
    layers, roads = _layers(files)
    t_read = time.perf_counter() - t0
    west, south, east, north = settings.hcmc_2025_bbox
    wide = to_mercator([shapely.box(west, south, east, north)])[0].bounds
    pad = 8 * resolution(DETAIL_ZOOM)
    detail = (roads[0] - pad, roads[1] - pad, roads[2] + pad, roads[3] + pad)
    bounds = {z: (wide if z < DETAIL_ZOOM else detail) for z in ZOOMS}
    tiles = build_tiles(layers, zooms=ZOOMS, bounds=bounds)
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    n_bytes = 0
    made: set[Path] = set()
    for tile_key, text in tiles.tiles.items():
        path = tmp / "t" / f"{tile_key}.js"
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        data = _tile_script(tile_key, text).encode("utf-8")
        path.write_bytes(data)
        n_bytes += len(data)
    index = {
        "v": key, "minzoom": ZOOMS[0], "maxzoom": ZOOMS[-1], "extent": {z: extent(z, ZOOMS[-1]) for z in ZOOMS},
        "bounds": [west, south, east, north], "tiles": tiles.index(),
        "attribution": settings.osm_attribution,
    }  # fmt: skip
    index_text = "ocopBasemap.index(" + json.dumps(index, separators=(",", ":")) + ");\n"
    (tmp / "index.js").write_text(index_text, encoding="utf-8")
    seconds = time.perf_counter() - t0
    meta = {
        "builder_version": BUILDER_VERSION, "key": key, "inputs": hashes,
        "inputs_files": {k: str(p) for k, p in files.items()}, "zooms": list(ZOOMS),
        "tiles": len(tiles.tiles), "bytes": n_bytes, "index_bytes": len(index_text.encode()),
        "tiles_left_out_as_all_water": tiles.skipped_full, "features_per_zoom": tiles.features,
        "seconds": round(seconds, 2), "seconds_reading": round(t_read, 2),
        "attribution": {"osm": settings.osm_attribution + " (ODbL): roads, water, 2018 boundaries, names",
                        "units_2025": "vietnamese-provinces-database (MIT): 2025 units and provinces, the sea",
                        "roads_supplement": "HCMC bus routes (licence unknown, not OSM): roads where OSM 2018 "
                                            "has none (class 8)"},
    }  # fmt: skip
    (tmp / "basemap.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    _swap_in(tmp, out)
    log.info("built basemap %s in %.1f s (%.1f s reading): %d tiles, %.1f MB, %d all-water tiles left out",
             key, seconds, t_read, len(tiles.tiles), n_bytes / 1e6, tiles.skipped_full)  # fmt: skip
    return BasemapInfo(path=out, key=key, n_tiles=len(tiles.tiles), n_bytes=n_bytes, seconds=seconds, inputs=hashes)


def _swap_in(tmp: Path, dest: Path) -> None:
    """Put the finished folder ``tmp`` at ``dest`` (replacing it) with renames only, so that a reader never
    sees half a basemap; when another process put its own there in the meantime, keep that one."""
    old = dest.with_name(f".{dest.name}.{uuid.uuid4().hex}.old")
    try:
        os.rename(dest, old)
    except FileNotFoundError:
        pass
    try:
        os.rename(tmp, dest)
    except OSError:  # another build of the same inputs landed first
        shutil.rmtree(tmp, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)


def _info(path: Path) -> BasemapInfo | None:
    """The :class:`BasemapInfo` of a finished build folder, None when it is not one."""
    try:
        meta = json.loads((path / "basemap.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not (path / "index.js").is_file():
        return None
    return BasemapInfo(path=path, key=meta["key"], n_tiles=meta["tiles"], n_bytes=meta["bytes"],
                       seconds=meta["seconds"], inputs=meta["inputs"])  # fmt: skip


def cached_basemap(*, rebuild: bool = False) -> BasemapInfo:
    """The basemap of the current inputs from ``settings.cache_dir / "basemap"``, built there when missing.

    Parameters
    ----------
    rebuild
        Build again even when the cache holds a build with the same key.
    """
    key, _ = _key(input_files())
    path = Path(settings.cache_dir) / "basemap" / key
    if not rebuild and (info := _info(path)) is not None and info.key == key:
        log.debug("basemap %s from the cache %s", key, path)
        return info
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return build_basemap(path)
    except OSError as exc:  # a read-only or full cache folder: build where we can, just not kept
        log.warning("cannot write the basemap cache in %s (%s); building it in a temporary folder",
                    path.parent, exc.strerror or exc)
        return build_basemap(Path(tempfile.mkdtemp(prefix="ocop-basemap-")) / key)


#: Print background: which basemap features a printed route map draws, as (layer key, classes) -> kind.
_PRINT_KINDS: tuple[tuple[str, tuple[int, ...], str], ...] = (
    ("w", (0, 1), "water"), ("ww", (0, 1), "water"), ("b", (1, UNIT_2025_CLASS), "boundary"),
    ("r", (0, 1, 2), "major_road"), ("r", (3, 4, SUPPLEMENT_CLASS), "road"), ("r", (FERRY_CLASS,), "ferry"),
)
#: Print lines are simplified to this (m): a printed A4 map of a day is 10–60 km wide.
_PRINT_SIMPLIFY_M = 15.0

PrintLine = tuple[str, tuple[tuple[float, float], ...], str]


def _print_lines_of(layers: list[Layer]) -> list[PrintLine]:
    """Every background line a printed map may draw: ``(kind, ((lon, lat), ...), name)``, simplified."""
    by_key = {layer.key: layer for layer in layers}
    out: list[PrintLine] = []
    for key, classes, kind in _PRINT_KINDS:
        layer = by_key[key]
        take = np.isin(layer.cls, classes)
        geoms = layer.geometry[take]
        names = layer.name[take] if len(layer.name) else np.full(len(geoms), "", dtype=object)
        if layer.kind == "polygon":
            geoms = shapely.boundary(geoms)
        geoms = to_lonlat(shapely.simplify(geoms, _PRINT_SIMPLIFY_M))
        parts, index = shapely.get_parts(geoms, return_index=True)
        for part, i in zip(parts, index, strict=True):
            coords = shapely.get_coordinates(part)
            if len(coords) >= 2:
                out.append((kind, tuple(map(tuple, np.round(coords, 5).tolist())), str(names[i] or "")))
    return out


@functools.lru_cache(maxsize=2)
def _print_lines(key: str) -> tuple[tuple[PrintLine, ...], np.ndarray]:
    """The print lines of the basemap ``key`` and their bounds (n × 4): from its cache folder, built there from the
    inputs when missing."""
    path = Path(settings.cache_dir) / "basemap" / key / "print_lines.pkl"
    try:
        with path.open("rb") as fh:
            lines = tuple(pickle.load(fh))
    except (OSError, pickle.UnpicklingError, EOFError, ValueError):
        layers, _ = _layers(input_files())
        lines = tuple(_print_lines_of(layers))
        try:
            write_bytes_atomic(path, pickle.dumps(lines, protocol=pickle.HIGHEST_PROTOCOL))
        except OSError as exc:  # an unwritable cache: used, just not kept
            log.warning("cannot cache the print background in %s (%s)", path, exc.strerror or exc)
    bounds = np.array([(min(x for x, _ in c), min(y for _, y in c), max(x for x, _ in c), max(y for _, y in c))
                       for _, c, _ in lines], dtype=float).reshape(-1, 4)  # fmt: skip
    return lines, bounds


def print_background(bbox: tuple[float, float, float, float]) -> list[PrintLine]:
    """The offline basemap's lines for a printed map of ``bbox`` (lon_min, lat_min, lon_max, lat_max): water,
    district and 2025-unit boundaries, main and secondary roads (with names) and ferries, in lon / lat.

    Built once from the same inputs as the tiles and cached beside them; returns ``[]`` when an input is missing.
    """
    try:
        key, _ = _key(input_files())
        lines, bounds = _print_lines(key)
    except (OSError, KeyError, InputFileError) as exc:
        log.warning("no print background (%s)", exc)
        return []
    w, s_, e, n = bbox
    hit = (bounds[:, 0] <= e) & (bounds[:, 2] >= w) & (bounds[:, 1] <= n) & (bounds[:, 3] >= s_)
    return [lines[i] for i in np.flatnonzero(hit)]


def write_basemap(dest_dir: str | os.PathLike, *, rebuild: bool = False) -> Path:
    """Copy the cached basemap (built first if needed) to ``dest_dir`` (replaced); return ``dest_dir``.

    A site keeps one copy, ``SITE/static/basemap``, shared by every page.
    """
    info = cached_basemap(rebuild=rebuild)
    dest = Path(dest_dir)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent))
    shutil.copytree(info.path, tmp, dirs_exist_ok=True)
    _swap_in(tmp, dest)
    log.info("copied basemap %s (%d tiles) to %s", info.key, info.n_tiles, dest)
    return dest
