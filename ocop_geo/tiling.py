"""Vector tiles for the offline basemap: a Web Mercator pyramid of small, compact JSON tiles.

Pure functions over shapely and numpy arrays (no file I/O; :mod:`ocop_geo.basemap` reads the data and
writes the files). Per zoom level every layer is simplified once to about half a pixel, its features are
matched to the tiles they touch (an STRtree query over all tile boxes), clipped to each tile plus a small
buffer (``shapely.clip_by_rect``, one vectorised call per tile), quantised to integers on a
:data:`EXTENT` grid and delta-encoded.

A tile is a JSON object ``{"n": [names], "<layer>": [features]}``; names are per tile (``n[0]`` is ``""``:
no name; a line too short in the tile to carry its name gets none). Features by kind:

* line: ``[cls, name, "coords"]`` (one feature per part);
* polygon: ``[cls, "exterior", "hole", …]`` (one feature per polygon, rings closed implicitly);
* point: ``[cls, name, x, y]`` (labels; each point in exactly one tile, the one holding it).

``"coords"`` is ``x0, y0, dx1, dy1, …`` (integers, deltas after the first point) in the variable-length
text code of Google's polyline format (zig-zag, 5 bits per character from ``?``): one or two characters
for most numbers instead of four to six as JSON numbers. ``x`` grows east and ``y`` south from the
tile's top-left corner, :func:`extent` units per tile side.
A tile whose only content is water covering all of it is not emitted when its parent is (the reader
draws the nearest emitted ancestor); :func:`index_runs` lists the emitted tiles compactly.

>>> tile_of(106.70, 10.78, 14)
(13048, 7698)
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely

__all__ = [
    "EXTENT",
    "encode_ints",
    "extent",
    "Layer",
    "TileSet",
    "build_tiles",
    "index_runs",
    "resolution",
    "tile_bounds",
    "tile_of",
    "to_mercator",
]

#: Integer grid of a tile side at the last zoom (4096: still sub-pixel when a z14 tile is over-zoomed to z18);
#: each zoom below halves it, down to :data:`MIN_EXTENT` (a quarter pixel where the tile is drawn unmagnified).
EXTENT: int = 4096
MIN_EXTENT: int = 1024
#: CSS pixels of a tile side.
TILE_PX: int = 256
#: Half the side of the Web Mercator square (m).
HALF: float = 20037508.342789244
#: Simplification tolerance and the smallest polygon kept, in pixels of the zoom level.
SIMPLIFY_PX: float = 0.5
MIN_AREA_PX: float = 2.0
#: A line piece shorter than this in a tile (pixels) does not carry its name there: too short to label.
MIN_LABEL_PX: float = 40.0
#: Tiles are clipped this many pixels beyond their edge, so strokes join across tile seams.
BUFFER_PX: float = 8.0
_MAX_LAT = 85.05112878


def extent(z: int, maxzoom: int) -> int:
    """Units of a tile side at zoom ``z`` of a pyramid whose last zoom is ``maxzoom``.

    >>> extent(14, 14), extent(13, 14), extent(9, 14)
    (4096, 2048, 1024)
    """
    return max(MIN_EXTENT, EXTENT >> max(0, maxzoom - z))


def encode_ints(values: np.ndarray) -> tuple[str, np.ndarray]:
    """Integers as polyline text, and the character offset where each value starts (plus the total).

    >>> encode_ints(np.array([0, 1, -1, 16, 100]))[0]
    '?A@_@gE'
    """
    v = np.asarray(values, dtype=np.int64)
    u = (v << 1) ^ (v >> 63)
    if len(u) and u.max() >= 1 << 20:
        raise ValueError("tile coordinates out of range: a feature reaches far beyond its tile")
    n = 1 + (u >= 32).astype(np.int64) + (u >= 1024) + (u >= 32768)
    k = np.arange(4)
    chunks = (u[:, None] >> (5 * k)) & 31
    chunks = chunks | np.where(k[None, :] < (n - 1)[:, None], 32, 0)
    chars = (chunks + 63).astype(np.uint8)[k[None, :] < n[:, None]]
    offsets = np.zeros(len(v) + 1, dtype=np.int64)
    np.cumsum(n, out=offsets[1:])
    return chars.tobytes().decode("ascii"), offsets


def _json_text(code: str) -> str:
    """A polyline text as a JSON string (only ``\\`` needs escaping in its alphabet)."""
    return '"' + code.replace("\\", "\\\\") + '"'


def resolution(z: int) -> float:
    """Metres (Web Mercator) per CSS pixel at zoom ``z`` (256-pixel tiles)."""
    return 2 * HALF / (TILE_PX * 2**z)


def to_mercator(geoms: np.ndarray | Sequence[shapely.Geometry]) -> np.ndarray:
    """EPSG:4326 shapely geometries (lon, lat) to EPSG:3857 (metres), vectorised."""

    def fwd(xy: np.ndarray) -> np.ndarray:
        lon, lat = xy[:, 0], np.clip(xy[:, 1], -_MAX_LAT, _MAX_LAT)
        x = np.radians(lon) * (HALF / math.pi)
        y = np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)) * (HALF / math.pi)
        return np.column_stack([x, y])

    return shapely.transform(np.asarray(geoms, dtype=object), fwd)


def to_lonlat(geoms: np.ndarray | Sequence[shapely.Geometry]) -> np.ndarray:
    """EPSG:3857 shapely geometries (metres) back to EPSG:4326 (lon, lat), vectorised."""

    def inv(xy: np.ndarray) -> np.ndarray:
        lon = np.degrees(xy[:, 0] / (HALF / math.pi))
        lat = np.degrees(2 * np.arctan(np.exp(xy[:, 1] / (HALF / math.pi))) - np.pi / 2)
        return np.column_stack([lon, lat])

    return shapely.transform(np.asarray(geoms, dtype=object), inv)


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """``(x, y)`` of the zoom-``z`` tile holding a point (slippy-map numbering)."""
    (pt,) = to_mercator([shapely.Point(lon, lat)])
    size = 2 * HALF / 2**z
    return int((pt.x + HALF) // size), int((HALF - pt.y) // size)


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """``(xmin, ymin, xmax, ymax)`` of a tile in EPSG:3857 metres."""
    size = 2 * HALF / 2**z
    return -HALF + x * size, HALF - (y + 1) * size, -HALF + (x + 1) * size, HALF - y * size


@dataclass(frozen=True)
class Layer:
    """One layer of the basemap: shapely geometries in EPSG:3857 with a class, a first zoom and a name each.

    ``kind`` is {"line", "polygon", "point"}; ``key`` is the layer's name in the tiles (short: it is
    repeated in every tile). ``cls`` means what the layer says (road class, boundary level, label kind).
    ``simplify_px``: the simplification tolerance in pixels of each zoom.
    """

    key: str
    kind: str
    geometry: np.ndarray
    cls: np.ndarray
    minzoom: np.ndarray
    name: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    simplify_px: float = SIMPLIFY_PX

    def __post_init__(self) -> None:
        n = len(self.geometry)
        if self.kind not in ("line", "polygon", "point"):
            raise ValueError(f"layer {self.key!r}: kind must be 'line', 'polygon' or 'point', not {self.kind!r}")
        if len(self.cls) != n or len(self.minzoom) != n or (len(self.name) and len(self.name) != n):
            raise ValueError(f"layer {self.key!r}: geometry, cls, minzoom and name must have one value per feature")


@dataclass
class TileSet:
    """Tiles built by :func:`build_tiles`: ``"z/x/y" -> JSON text``, with counts per zoom."""

    tiles: dict[str, str]
    skipped_full: int = 0
    features: dict[int, int] = field(default_factory=dict)

    def index(self) -> dict[str, list[list[int]]]:
        """:func:`index_runs` of the emitted tiles."""
        return index_runs(self.tiles)


def index_runs(keys: Iterable[str]) -> dict[str, list[list[int]]]:
    """The emitted tiles as runs per zoom: ``{"z": [[y, x0, x1, x0', x1', …], …]}`` (x ranges inclusive).

    >>> index_runs(["9/1/2", "9/2/2", "9/4/2", "10/3/3"])
    {'9': [[2, 1, 2, 4, 4]], '10': [[3, 3, 3]]}
    """
    rows: dict[int, dict[int, list[int]]] = {}
    for key in keys:
        z, x, y = (int(v) for v in key.split("/"))
        rows.setdefault(z, {}).setdefault(y, []).append(x)
    out: dict[str, list[list[int]]] = {}
    for z in sorted(rows):
        runs_z = []
        for y in sorted(rows[z]):
            xs = sorted(rows[z][y])
            row = [y]
            start = prev = xs[0]
            for x in xs[1:]:
                if x != prev + 1:
                    row += [start, prev]
                    start = x
                prev = x
            row += [start, prev]
            runs_z.append(row)
        out[str(z)] = runs_z
    return out


def _tile_grid(bounds: tuple[float, float, float, float], z: int) -> tuple[np.ndarray, np.ndarray]:
    """x and y numbers of every zoom-``z`` tile meeting ``bounds`` (EPSG:3857 metres), flattened."""
    size = 2 * HALF / 2**z
    x0 = int((bounds[0] + HALF) // size)
    x1 = int((bounds[2] + HALF) // size)
    y0 = int((HALF - bounds[3]) // size)
    y1 = int((HALF - bounds[1]) // size)
    xs, ys = np.meshgrid(np.arange(x0, x1 + 1), np.arange(y0, y1 + 1))
    return xs.ravel(), ys.ravel()


def _simplified(layer: Layer, zooms: Sequence[int]) -> dict[int, np.ndarray]:
    """The layer's geometries simplified for each zoom, each level from the next finer one (cheaper, and the
    tolerance doubles per level, so the result is nearly the same as from the original)."""
    out: dict[int, np.ndarray] = {}
    geoms = layer.geometry
    for z in sorted(zooms, reverse=True):
        if layer.kind != "point":
            geoms = shapely.simplify(geoms, layer.simplify_px * resolution(z), preserve_topology=layer.kind == "polygon")
        out[z] = geoms
    return out


def _prepare(layer: Layer, geoms: np.ndarray, z: int) -> tuple[np.ndarray, np.ndarray]:
    """The layer's features shown at ``z`` (``geoms``: simplified for it) that are not too small to see there;
    returns (positions, geometries)."""
    res = resolution(z)
    pos = np.flatnonzero(layer.minzoom <= z)
    geoms = geoms[pos]
    if layer.kind == "point" or not len(pos):
        return pos, geoms
    if layer.kind == "polygon":
        keep = shapely.area(geoms) >= MIN_AREA_PX * res * res
    else:
        keep = shapely.length(geoms) >= res
    keep &= ~shapely.is_empty(geoms)
    return pos[keep], geoms[keep]


def _encode(q: np.ndarray, owner: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Drop repeated points within each owner and delta-encode; return (flat ints, owner, starts)."""
    same = np.zeros(len(owner), dtype=bool)
    same[1:] = (owner[1:] == owner[:-1]) & np.all(q[1:] == q[:-1], axis=1)
    q, owner = q[~same], owner[~same]
    first = np.ones(len(owner), dtype=bool)
    first[1:] = owner[1:] != owner[:-1]
    delta = q.copy()
    delta[~first] = q[~first] - q[np.flatnonzero(~first) - 1]
    return delta, owner, np.flatnonzero(first)


def _quantise(coords: np.ndarray, origin: np.ndarray, size: float, ext: int) -> np.ndarray:
    """Tile-local integer coordinates (y down) of EPSG:3857 ``coords`` given each point's tile origin."""
    q = np.empty(coords.shape, dtype=np.int64)
    q[:, 0] = np.rint((coords[:, 0] - origin[:, 0]) / size * ext)
    q[:, 1] = np.rint((origin[:, 1] - coords[:, 1]) / size * ext)
    return q


class _TileText:
    """Accumulates one tile's features per layer and its table of names."""

    __slots__ = ("names", "layers", "only_full_water")

    def __init__(self) -> None:
        self.names: dict[str, int] = {"": 0}
        self.layers: dict[str, list[str]] = {}
        self.only_full_water = True

    def name_index(self, name: str) -> int:
        return self.names.setdefault(name, len(self.names))

    def text(self, order: Sequence[str]) -> str:
        parts = ['"n":' + json.dumps(list(self.names), ensure_ascii=False, separators=(",", ":"))]
        parts += [f'"{key}":[' + ",".join(self.layers[key]) + "]" for key in order if key in self.layers]
        return "{" + ",".join(parts) + "}"


def build_tiles(layers: Sequence[Layer], *, zooms: Sequence[int],
                bounds: Mapping[int, tuple[float, float, float, float]]) -> TileSet:  # fmt: skip
    """Cut ``layers`` into tiles at each zoom of ``zooms`` within ``bounds[z]`` (EPSG:3857 metres).

    Parameters
    ----------
    layers
        The layers, in drawing order (their ``key`` order in every tile).
    zooms
        Zoom levels to build, lowest first; tiles covered by water alone are left out above the first.
    bounds
        Per zoom, the area to cut (tiles beyond it are not emitted; a reader over-zooms their ancestors).

    Returns
    -------
    TileSet
        ``"z/x/y" -> JSON text`` of every non-empty tile.
    """
    order = [layer.key for layer in layers]
    simplified = [_simplified(layer, zooms) for layer in layers]
    out: dict[str, str] = {}
    skipped = 0
    counts: dict[int, int] = {}
    for z in zooms:
        size = 2 * HALF / 2**z
        ext = extent(z, zooms[-1])
        xs, ys = _tile_grid(bounds[z], z)
        texts: dict[int, _TileText] = {}
        n_features = 0
        for layer, simple in zip(layers, simplified, strict=True):
            pos, geoms = _prepare(layer, simple[z], z)
            if not len(pos):
                continue
            names = layer.name[pos] if len(layer.name) else np.full(len(pos), "", dtype=object)
            cls = layer.cls[pos]
            if layer.kind == "point":
                n_features += _add_points(texts, layer.key, geoms, cls, names, xs, ys, size, ext)
            else:
                n_features += _add_shapes(texts, layer, geoms, cls, names, xs, ys, z, ext)
        for i, tt in texts.items():
            if z != zooms[0] and tt.only_full_water:
                skipped += 1
                continue
            out[f"{z}/{xs[i]}/{ys[i]}"] = tt.text(order)
        counts[z] = n_features
    return TileSet(tiles=out, skipped_full=skipped, features=counts)


def _add_points(texts: dict[int, _TileText], key: str, geoms: np.ndarray, cls: np.ndarray, names: np.ndarray,
                xs: np.ndarray, ys: np.ndarray, size: float, ext: int) -> int:  # fmt: skip
    """Put each point in the tile holding it; return how many were placed."""
    px, py = shapely.get_x(geoms), shapely.get_y(geoms)
    tx = ((px + HALF) // size).astype(np.int64)
    ty = ((HALF - py) // size).astype(np.int64)
    q = _quantise(np.column_stack([px, py]), np.column_stack([-HALF + tx * size, HALF - ty * size]), size, ext)
    grid = {(int(x), int(y)): i for i, (x, y) in enumerate(zip(xs, ys, strict=True))}
    n = 0
    for j in np.lexsort((tx, ty)):
        i = grid.get((int(tx[j]), int(ty[j])))
        if i is None:
            continue
        tt = texts.setdefault(i, _TileText())
        tt.only_full_water = False
        tt.layers.setdefault(key, []).append(f"[{int(cls[j])},{tt.name_index(str(names[j] or ''))},{q[j, 0]},{q[j, 1]}]")
        n += 1
    return n


def _add_shapes(texts: dict[int, _TileText], layer: Layer, geoms: np.ndarray, cls: np.ndarray, names: np.ndarray,
                xs: np.ndarray, ys: np.ndarray, z: int, ext: int) -> int:  # fmt: skip
    """Clip lines or polygons to every tile they meet and add them, encoded; return how many were added."""
    size = 2 * HALF / 2**z
    buf = BUFFER_PX * resolution(z)
    tx0 = -HALF + xs * size
    ty1 = HALF - ys * size
    boxes = shapely.box(tx0 - buf, ty1 - size - buf, tx0 + size + buf, ty1 + buf)
    tile_i, feat_j = shapely.STRtree(geoms).query(boxes, predicate="intersects")
    if not len(tile_i):
        return 0
    clipped = np.empty(len(tile_i), dtype=object)
    starts = np.flatnonzero(np.r_[True, tile_i[1:] != tile_i[:-1]])
    for a, b in zip(starts, np.r_[starts[1:], len(tile_i)], strict=True):  # one vectorised clip per tile
        clipped[a:b] = shapely.clip_by_rect(geoms[feat_j[a:b]], *shapely.bounds(boxes[tile_i[a]]))
    polygon = layer.kind == "polygon"
    full = shapely.area(clipped) >= 0.999 * (size + 2 * buf) ** 2 if polygon else np.zeros(len(clipped), bool)
    parts, pair_of_part = shapely.get_parts(clipped, return_index=True)
    if polygon:  # units are rings (exterior first), each owned by a polygon part
        units, part_of_unit = shapely.get_rings(parts, return_index=True)
    else:
        units, part_of_unit = parts, np.arange(len(parts))
    coords, unit_of_coord = shapely.get_coordinates(units, return_index=True)
    tile_of_coord = tile_i[pair_of_part[part_of_unit[unit_of_coord]]]
    q = _quantise(coords, np.column_stack([tx0[tile_of_coord], ty1[tile_of_coord]]), size, ext)
    delta, owner, first = _encode(q, unit_of_coord)
    unit_ids = owner[first]
    n_pts = np.diff(np.r_[first, len(owner)])
    unit_len = np.zeros(len(units))
    if polygon:  # the closing point is implied
        keep_pt = np.ones(len(owner), dtype=bool)
        keep_pt[first + n_pts - 1] = False
        delta = delta[keep_pt]
        n_pts = n_pts - 1
        first = first - np.arange(len(first))
    else:  # on-screen length of each line piece in its tile (pixels), to drop names too long for it
        seg = np.hypot(delta[:, 0], delta[:, 1]).astype(float)
        seg[first] = 0.0
        unit_len[unit_ids] = np.add.reduceat(seg, first) * (TILE_PX / ext)
    code, offsets = encode_ints(delta.ravel())
    unit_ok = np.zeros(len(units), dtype=bool)
    unit_first = np.zeros(len(units), dtype=np.int64)
    unit_n = np.zeros(len(units), dtype=np.int64)
    unit_ok[unit_ids] = n_pts >= (3 if polygon else 2)
    unit_first[unit_ids] = first
    unit_n[unit_ids] = n_pts

    def text(u: int) -> str:
        a = 2 * unit_first[u]
        return _json_text(code[offsets[a]: offsets[a + 2 * unit_n[u]]])

    n = 0
    if polygon:
        ring_starts = np.flatnonzero(np.r_[True, part_of_unit[1:] != part_of_unit[:-1]])
        for a, b in zip(ring_starts, np.r_[ring_starts[1:], len(part_of_unit)], strict=True):
            if not unit_ok[a]:  # the exterior collapsed: the polygon and its holes go
                continue
            k = pair_of_part[part_of_unit[a]]
            tt = texts.setdefault(int(tile_i[k]), _TileText())
            tt.only_full_water &= bool(full[k])
            rings = ",".join(text(r) for r in range(a, b) if unit_ok[r])
            tt.layers.setdefault(layer.key, []).append(f"[{int(cls[feat_j[k]])},{rings}]")
            n += 1
        return n
    for u in np.flatnonzero(unit_ok):
        k = pair_of_part[u]
        tt = texts.setdefault(int(tile_i[k]), _TileText())
        tt.only_full_water = False
        j = feat_j[k]
        name = str(names[j] or "") if unit_len[u] >= MIN_LABEL_PX else ""
        tt.layers.setdefault(layer.key, []).append(f"[{int(cls[j])},{tt.name_index(name)},{text(u)}]")
        n += 1
    return n
