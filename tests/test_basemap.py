"""The offline basemap: the tiling (pure), the OSM map features reader, the build from the bundled data and its cache.

The bundled basemap is built once per set of inputs into ``.cache/basemap`` (a few seconds) and read back here:
every tile a valid ``ocopBasemap.tile(...)`` script, the layers and classes the renderer draws, Vietnamese names
kept letter for letter, sizes a phone can load.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import shapely

from ocop_geo import basemap, osm_reader, settings, tiling
from ocop_geo._errors import InputFileError

TILE = re.compile(r'^ocopBasemap\.tile\("(\d+/\d+/\d+)",(\{.*\})\);\n$', re.S)


def deltas(code: str) -> list[int]:
    """The integers of a polyline text (the inverse of :func:`tiling.encode_ints`)."""
    out, value, shift = [], 0, 0
    for ch in code:
        c = ord(ch) - 63
        value |= (c & 31) << shift
        if c & 32:
            shift += 5
            continue
        out.append(~(value >> 1) if value & 1 else value >> 1)
        value, shift = 0, 0
    return out


def decode(code: str) -> list[int]:
    """Absolute x, y pairs (flattened) of a tile's coordinate text: the deltas summed."""
    out, acc = deltas(code), [0, 0]
    for i, v in enumerate(out):
        acc[i % 2] += v
        out[i] = acc[i % 2]
    return out


# --------------------------------------------------------------------------- tiling (pure)


def test_encode_ints_round_trips_every_magnitude():
    values = np.array([0, 1, -1, 15, 16, -16, 31, 32, 511, 512, -513, 4095, -4096, 16000, -16383, 300000])
    code, offsets = tiling.encode_ints(values)
    assert code.isascii() and all(63 <= ord(c) <= 126 for c in code)
    assert offsets[-1] == len(code) and list(np.diff(offsets)[:3]) == [1, 1, 1]
    assert deltas(code) == values.tolist()
    with pytest.raises(ValueError, match="out of range"):
        tiling.encode_ints(np.array([1 << 21]))


def test_index_runs_and_extents():
    assert tiling.index_runs(["9/1/2", "9/2/2", "9/4/2", "10/3/3", "9/7/1"]) == {
        "9": [[1, 7, 7], [2, 1, 2, 4, 4]], "10": [[3, 3, 3]]}  # fmt: skip
    assert [tiling.extent(z, 14) for z in (8, 12, 13, 14)] == [1024, 1024, 2048, 4096]


def _tiny_layers() -> list[tiling.Layer]:
    """A line across two zoom-10 tiles, a lake filling one tile, a point label (EPSG:3857)."""
    x0, y0, x1, y1 = tiling.tile_bounds(10, 814, 480)
    size = x1 - x0
    line = shapely.LineString([(x0 + 0.25 * size, y0 + 0.5 * size), (x0 + 1.75 * size, y0 + 0.5 * size)])
    lake = shapely.box(x0 - 2 * size, y0 - 3 * size, x1 + 2 * size, y0 + 0.2 * size)  # covers the tiles of row 481
    return [
        tiling.Layer("w", "polygon", np.array([lake]), np.array([1]), np.array([8])),
        tiling.Layer("r", "line", np.array([line]), np.array([3]), np.array([10]), np.array(["Đường Hà Huy Giáp"])),
        tiling.Layer("p", "point", np.array([shapely.Point(x0 + 0.5 * size, y0 + 0.5 * size)]), np.array([1]),
                     np.array([10]), np.array(["Xã Củ Chi"])),
    ]  # fmt: skip


def test_build_tiles_clips_lines_places_points_and_skips_tiles_covered_by_water():
    x0, _, x1, _ = tiling.tile_bounds(10, 814, 480)
    bounds = {z: tiling.tile_bounds(10, 814, 480) for z in (9, 10)}
    bounds[10] = (x0, tiling.tile_bounds(10, 814, 481)[1], x1 + (x1 - x0), x1)  # tiles 814-815, 480-481 and up
    ts = tiling.build_tiles(_tiny_layers(), zooms=(9, 10), bounds=bounds)
    docs = {k: json.loads(v) for k, v in ts.tiles.items()}
    assert "10/814/480" in docs and "10/815/480" in docs
    assert "10/814/481" not in docs and ts.skipped_full == 2  # only water there: the reader draws the parent
    assert "9/407/240" in docs and "w" in docs["9/407/240"]  # the first zoom keeps every tile
    left, right = docs["10/814/480"], docs["10/815/480"]
    ext = tiling.extent(10, 10)
    (cls, name, code), = left["r"]
    pts = decode(code)
    assert cls == 3 and left["n"][name] == "Đường Hà Huy Giáp"
    assert pts[0] == ext // 4 and pts[1] == ext // 2  # starts a quarter into the tile, halfway down
    assert pts[-2] == ext + round(tiling.BUFFER_PX / tiling.TILE_PX * ext)  # clipped at the buffered edge
    assert decode(right["r"][0][2])[-2] == 3 * ext // 4
    assert left["p"] == [[1, left["n"].index("Xã Củ Chi"), ext // 2, ext // 2]] and "p" not in right
    assert json.loads(ts.tiles["10/814/480"])["n"][0] == ""


def test_a_layer_needs_one_value_per_feature():
    with pytest.raises(ValueError, match="one value per feature"):
        tiling.Layer("r", "line", np.array([shapely.LineString([(0, 0), (1, 1)])]), np.array([1, 2]), np.array([8]))
    with pytest.raises(ValueError, match="kind must be"):
        tiling.Layer("r", "area", np.array([]), np.array([]), np.array([]))


# --------------------------------------------------------------------------- the OSM reader


def test_map_features_of_the_bundled_extract():
    f = osm_reader.read_map_features(settings.osm_extract)
    assert len(f.water) > 500 and set(f.water["kind"]) >= {"natural=water", "waterway=riverbank"}
    assert shapely.is_valid(f.water["geometry"].to_numpy()).mean() > 0.95
    assert "Sông Sài Gòn" in set(f.waterways["name"])
    assert {4, 6, 10} <= set(f.boundaries["level"])
    assert (f.boundaries["geometry"].map(lambda g: g.geom_type) == "LineString").all()
    districts = set(f.admin_areas.loc[f.admin_areas["level"] == 6, "name"])
    assert {"Quận 1", "Quận Gò Vấp", "Quận Thủ Đức"} <= districts
    lon, lat = f.admin_areas["lon"], f.admin_areas["lat"]
    assert lon.between(106.2, 107.1).all() and lat.between(10.3, 11.3).all()


def test_map_features_of_a_missing_or_broken_file_name_it(tmp_path: Path):
    with pytest.raises(InputFileError, match="no such OSM file"):
        osm_reader.read_map_features(tmp_path / "none.osm.pbf")
    bad = tmp_path / "broken.osm.pbf"
    bad.write_bytes(b"not a pbf at all" * 10)
    with pytest.raises(InputFileError, match="broken.osm.pbf: cannot read"):
        osm_reader.read_map_features(bad)


# --------------------------------------------------------------------------- the bundled basemap


@pytest.fixture(scope="module")
def built() -> basemap.BasemapInfo:
    return basemap.cached_basemap()


@pytest.fixture(scope="module")
def tiles(built: basemap.BasemapInfo) -> dict[str, dict]:
    out = {}
    for path in sorted((built.path / "t").rglob("*.js")):
        m = TILE.match(path.read_text(encoding="utf-8"))
        assert m, f"{path} is not an ocopBasemap.tile(...) script"
        key = m.group(1)
        assert path.relative_to(built.path / "t").as_posix() == f"{key}.js"
        out[key] = json.loads(m.group(2))
    return out


def _index(built: basemap.BasemapInfo) -> dict:
    text = (built.path / "index.js").read_text(encoding="utf-8")
    assert text.startswith("ocopBasemap.index(") and text.endswith(");\n")
    return json.loads(text[len("ocopBasemap.index("):-3])


def test_every_tile_is_a_valid_script_listed_in_the_index(built, tiles):
    idx = _index(built)
    listed = set()
    for z, rows in idx["tiles"].items():
        for row in rows:
            for a, b in zip(row[1::2], row[2::2], strict=True):
                listed.update(f"{z}/{x}/{row[0]}" for x in range(a, b + 1))
    assert listed == set(tiles) and len(tiles) == built.n_tiles > 500
    assert idx["minzoom"] == 8 and idx["maxzoom"] == 14 and idx["v"] == built.key
    assert set(idx["tiles"]) == {str(z) for z in range(8, 15)}
    assert "OpenStreetMap contributors" in idx["attribution"]
    meta = json.loads((built.path / "basemap.json").read_text(encoding="utf-8"))
    assert meta["key"] == built.key and set(meta["inputs"]) >= {"osm", "roads_supplement", "units_2025"}


def test_coordinates_stay_within_the_buffered_tile(built, tiles):
    idx = _index(built)
    for key, doc in list(tiles.items())[::7]:
        ext = idx["extent"][key.split("/")[0]]
        margin = ext * tiling.BUFFER_PX / tiling.TILE_PX + 2
        codes = [f[2] for layer in ("r", "b", "ww") for f in doc.get(layer, [])]
        codes += [ring for f in doc.get("w", []) for ring in f[1:]]
        for code in codes:
            pts = np.array(decode(code))
            assert len(pts) >= 4 and len(pts) % 2 == 0
            assert pts.min() >= -margin and pts.max() <= ext + margin, key
        for p in doc.get("p", []):
            assert 0 <= p[2] <= ext and 0 <= p[3] <= ext and 0 < p[1] < len(doc["n"])


def _classes(tiles: dict[str, dict], layer: str, zoom: int | None = None) -> set[int]:
    return {f[0] for key, doc in tiles.items() if zoom is None or key.startswith(f"{zoom}/")
            for f in doc.get(layer, [])}  # fmt: skip


def test_layers_and_classes_the_renderer_draws(tiles):
    assert _classes(tiles, "w") == {0, 1}  # the sea, OSM water
    assert _classes(tiles, "ww") == {0, 1, 2, 3}  # rivers, canals, streams, drains
    assert _classes(tiles, "b") == {0, 1, 2, 3}  # provinces, districts (2018), 2025 units, wards (2018)
    assert _classes(tiles, "r") == {0, 1, 2, 3, 4, 5, 7, 8}  # motorway … residential, ferry, supplement
    assert _classes(tiles, "p") == {0, 1, 2, 3, 4}
    assert _classes(tiles, "r", 8) <= {0, 1}  # only the main roads at the first zoom
    assert 5 not in _classes(tiles, "r", 12) and 5 in _classes(tiles, "r", 13)
    assert 3 not in _classes(tiles, "b", 12)  # 2018 ward borders from zoom 13


def _names(tiles: dict[str, dict], zoom: int) -> set[str]:
    return {n for key, doc in tiles.items() if key.startswith(f"{zoom}/") for n in doc["n"]}


def test_names_keep_their_vietnamese_spelling(tiles):
    z14, z12, z9 = _names(tiles, 14), _names(tiles, 12), _names(tiles, 9)
    assert {"Huyện Củ Chi", "Huyện Cần Giờ", "Quận 1"} <= z9  # 2018 districts (gazetteer names)
    assert {"Phường Bến Thành", "Xã Củ Chi", "Xã Thạnh An"} <= z12  # 7/2025 units
    assert {"Sông Sài Gòn", "Quốc lộ 22", "Rừng Sác"} <= z12  # rivers, roads
    assert {"Nguyễn Thị Minh Khai", "Phà Bình Khánh", "Chợ Bến Thành"} <= z14  # streets, the ferry, a market
    every = set().union(*(doc["n"] for doc in tiles.values()))
    assert not any("\ufffd" in n or n != n.strip() for n in every)
    assert "Ð" not in "".join(every) or "Đ" in "".join(every)


def test_sizes_fit_a_phone(built, tiles):
    sizes = {p.relative_to(built.path / "t").as_posix()[:-3]: p.stat().st_size for p in (built.path / "t").rglob("*.js")}
    assert built.n_bytes == sum(sizes.values()) < 4_000_000
    assert max(sizes.values()) < 64_000
    assert (built.path / "index.js").stat().st_size < 8_000
    # the view of the Cần Giờ day on a 390 px phone (zoom 12, 3 x 3 tiles): the basemap's share of the first load
    view = [f"12/{x}/{y}" for x in range(3261, 3264) for y in range(1924, 1927)]
    assert sum(sizes.get(k, 0) for k in view) < 150_000


def test_cache_is_reused_and_keyed_by_the_inputs(built, tmp_path: Path, monkeypatch):
    monkeypatch.setattr(settings, "cache_dir", tmp_path, raising=False)
    shutil.copytree(built.path, tmp_path / "basemap" / built.key)
    monkeypatch.setattr(basemap, "build_basemap", lambda *a, **k: pytest.fail("rebuilt a cached basemap"))
    again = basemap.cached_basemap()
    assert again.key == built.key and again.path == tmp_path / "basemap" / built.key
    # the same content elsewhere gives the same key; a changed input or builder gives another (so a new build)
    original = Path(settings.roads_supplement).read_bytes()
    sup = tmp_path / "sup.geojson"
    sup.write_bytes(original)
    monkeypatch.setattr(settings, "roads_supplement", sup, raising=False)
    assert basemap._key(basemap.input_files())[0] == built.key
    sup.write_bytes(original.replace(b'"RouteNo"', b'"RouteNo" ', 1))
    assert basemap._key(basemap.input_files())[0] != built.key
    sup.write_bytes(original)
    monkeypatch.setattr(basemap, "BUILDER_VERSION", basemap.BUILDER_VERSION + 1)
    assert basemap._key(basemap.input_files())[0] != built.key


def test_write_basemap_copies_one_complete_folder(built, tmp_path: Path):
    dest = tmp_path / "site" / "static" / "basemap"
    dest.mkdir(parents=True)
    (dest / "stale.js").write_text("old", encoding="utf-8")
    assert basemap.write_basemap(dest) == dest
    assert not (dest / "stale.js").exists() and (dest / "index.js").is_file()
    assert sum(1 for _ in (dest / "t").rglob("*.js")) == built.n_tiles
    assert not list(dest.parent.glob(".basemap*"))  # no temporary folder left behind


def test_missing_inputs_are_named(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(settings, "roads_supplement", tmp_path / "gone.geojson", raising=False)
    with pytest.raises(InputFileError, match=r"roads_supplement: .*gone\.geojson.*restore"):
        basemap.cached_basemap()
