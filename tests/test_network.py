"""Building road networks: graph contents, mode rules on real OSM, cache, bad input."""

from __future__ import annotations

import ast
import bz2
import gc
import json
import weakref
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
import shapely.affinity
from shapely.geometry import LineString

from ocop_geo import graph_cache, matrix, modes, network, settings, snapping
from ocop_geo._errors import InputFileError, NetworkError
from ocop_geo.matrix import travel_time_matrix
from ocop_geo.network import graph_summary, haversine_m, load_network
from ocop_geo.osm_reader import read_ways
from ocop_geo.snapping import edge_arrays, snap_points

OSM = Path(__file__).parent / "fixtures" / "osm"
D3 = OSM / "hcmc_d3_2026.osm"


def _edges(G: nx.MultiDiGraph) -> list[dict]:
    return [d for _, _, d in G.edges(data=True)]


def test_graph_is_osmnx_compatible(d3_graph: nx.MultiDiGraph) -> None:
    G = d3_graph
    assert G.graph["crs"] == "EPSG:4326"
    assert G.graph["mode"] == "motorbike"
    assert G.number_of_nodes() > 50
    for n, d in G.nodes(data=True):
        assert 106.6 < d["x"] < 106.8 and 10.7 < d["y"] < 10.9, n
    for u, v, d in G.edges(data=True):
        for attr in ("length", "travel_time", "geometry", "highway", "name", "oneway", "source"):
            assert attr in d, attr
        assert d["source"] == "osm"
        coords = np.asarray(d["geometry"].coords)
        # geometry runs from u to v and its length is the edge length
        assert tuple(coords[0]) == (G.nodes[u]["x"], G.nodes[u]["y"])
        assert tuple(coords[-1]) == (G.nodes[v]["x"], G.nodes[v]["y"])
        geo_len = haversine_m(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1]).sum()
        assert d["length"] == pytest.approx(geo_len, abs=0.01)
        assert d["travel_time"] == pytest.approx(
            d["length"] / (d["speed_kph"] / 3.6), rel=0.01, abs=0.02
        )


def test_graph_works_with_osmnx(d3_graph: nx.MultiDiGraph) -> None:
    import osmnx as ox

    nodes, edges = ox.graph_to_gdfs(d3_graph)
    assert len(edges) == d3_graph.number_of_edges()
    route = ox.shortest_path(d3_graph, nodes.index[0], nodes.index[-1], weight="travel_time")
    assert route is None or route[0] == nodes.index[0]


def test_simplification_keeps_only_intersections(d3_graph: nx.MultiDiGraph) -> None:
    """Interior nodes of a way appear only inside edge geometries, never as graph nodes."""
    raw = read_ways(D3)
    kept = {int(n) for n in raw.node_ids}
    counts: dict[int, int] = {}
    for n in raw.node_ids.tolist():
        counts[n] = counts.get(n, 0) + 1
    ends = {int(raw.node_ids[i]) for i in raw.offsets[:-1]} | {
        int(raw.node_ids[i - 1]) for i in raw.offsets[1:]
    }
    for n in d3_graph.nodes:
        assert n in kept
        assert counts[n] > 1 or n in ends, f"node {n} is neither shared nor a way end"


def test_oneway_respected_by_motorbike_ignored_on_foot(
    d3_graph: nx.MultiDiGraph, d3_walk_graph: nx.MultiDiGraph
) -> None:
    oneway = [(u, v, d["osmid"]) for u, v, d in d3_graph.edges(data=True) if d["oneway"]]
    assert len(oneway) > 10, "the District 3 fixture has one-way streets"
    for u, v, osmid in oneway:
        back = d3_graph.get_edge_data(v, u) or {}
        assert not any(d["osmid"] == osmid for d in back.values()), (u, v)
    walk_pairs = {(u, v, d["osmid"]) for u, v, d in d3_walk_graph.edges(data=True)}
    present = [(u, v, o) for u, v, o in oneway if (u, v, o) in walk_pairs]
    assert present
    for u, v, osmid in present:
        assert (v, u, osmid) in walk_pairs
    assert not any(d["oneway"] for d in _edges(d3_walk_graph))


def test_coach_never_uses_residential_or_service(hcmc_graph_for) -> None:
    coach = hcmc_graph_for("coach")
    banned = {"residential", "service", "living_street", "track"}
    classes = {d["highway"] for d in _edges(coach)}
    assert not classes & banned
    assert {"primary", "secondary", "trunk"} <= classes


def test_motorbikes_banned_from_expressways(hcmc_graph, hcmc_graph_for) -> None:
    assert not {d["highway"] for d in _edges(hcmc_graph)} & {"motorway", "motorway_link"}
    car = hcmc_graph_for("car")
    # the HCMC – Long Thành – Dầu Giây expressway (CT01) is in the 2018 extract for cars
    assert any(d["highway"] == "motorway" and d.get("ref") == "CT01" for d in _edges(car))


@pytest.mark.parametrize(
    ("tags", "mode", "expected"),
    [
        ({"highway": "motorway", "motor_vehicle": "yes"}, "motorbike", (False, False)),
        ({"highway": "motorway", "motorcycle": "yes"}, "motorbike", (True, False)),
        ({"highway": "primary", "motorcycle": "no"}, "motorbike", (False, False)),
        ({"highway": "footway", "motorcycle": "yes"}, "motorbike", (True, True)),
        ({"highway": "residential", "access": "private"}, "car", (False, False)),
        ({"highway": "residential"}, "coach", (False, False)),
        ({"highway": "unclassified", "lanes": "1"}, "coach", (False, False)),
        ({"highway": "tertiary", "width": "3.5"}, "coach", (False, False)),
        ({"highway": "tertiary", "width": "8104"}, "coach", (True, True)),  # bad data ignored
        ({"highway": "secondary", "oneway": "yes"}, "walk", (True, True)),
        ({"highway": "secondary", "oneway": "-1"}, "motorbike", (False, True)),
        ({"highway": "primary", "junction": "roundabout"}, "car", (True, False)),
        (
            {"highway": "tertiary", "oneway": "yes", "oneway:motorcycle": "no"},
            "motorbike",
            (True, True),
        ),
        ({"highway": "steps"}, "bicycle", (False, False)),
        ({"route": "ferry"}, "coach", (True, True)),
        ({"route": "ferry", "motorcar": "no", "foot": "yes"}, "motorbike", (False, False)),
        ({"route": "ferry", "motorcar": "no", "foot": "yes"}, "walk", (True, True)),
    ],
)
def test_way_access(tags: dict[str, str], mode: str, expected: tuple[bool, bool]) -> None:
    assert modes.way_access(tags, mode) == expected


def test_speeds_urban_rural_maxspeed_and_caps() -> None:
    primary = {"highway": "primary"}
    assert modes.speed_kmh(primary, "motorbike", urban=True) < modes.speed_kmh(
        primary, "motorbike", urban=False
    )
    fast = {"highway": "trunk", "maxspeed": "120"}
    assert modes.speed_kmh(fast, "motorbike", urban=False) == modes.SPEED_CAPS["motorbike"]
    slow = {"highway": "primary", "maxspeed": "30"}
    assert modes.speed_kmh(slow, "car", urban=False) == pytest.approx(
        30 * modes.MAXSPEED_FACTOR["rural"]
    )
    assert modes.speed_kmh({"highway": "steps"}, "walk", urban=True) == 2.0
    assert modes.ferry_seconds({"duration": "0:20"}, 1000) == 1200 + modes.FERRY_WAIT_S
    with pytest.raises(ValueError, match="choose one of"):
        modes.check_mode("horse")


def test_speed_table_is_overridable(monkeypatch: pytest.MonkeyPatch) -> None:
    before = load_network(D3, mode="walk", supplement=False, cache=False)
    monkeypatch.setitem(modes.SPEEDS["walk"]["urban"], "default", 3.0)
    after = load_network(D3, mode="walk", supplement=False, cache=False)
    e1 = {(u, v, k): d["travel_time"] for u, v, k, d in before.edges(keys=True, data=True)}
    e2 = {(u, v, k): d["travel_time"] for u, v, k, d in after.edges(keys=True, data=True)}
    ratio = [e2[k] / e1[k] for k in e1 if e1[k] > 5 and before.edges[k]["highway"] != "steps"]
    assert np.median(ratio) == pytest.approx(4.5 / 3.0, rel=0.02)


def test_full_city_graph_has_ferries_and_supplement(hcmc_graph: nx.MultiDiGraph) -> None:
    edges = _edges(hcmc_graph)
    ferries = [d for d in edges if d["ferry"]]
    assert any(d["name"] == "Phà Bình Khánh" for d in ferries)
    for d in ferries:
        assert d["travel_time"] >= modes.FERRY_WAIT_S
    sup = [d for d in edges if d["source"] == "supplement"]
    assert sup and all(d["osmid"] < 0 for d in sup)
    # the supplement reaches north Củ Chi beyond the OSM gap
    assert max(d["geometry"].bounds[3] for d in sup) > 11.1
    summary = graph_summary(hcmc_graph)
    assert summary["km_supplement"] > 50
    assert summary["weak_components"] == 1


def test_graph_reaches_cu_chi_tunnels_and_can_thanh(hcmc_graph: nx.MultiDiGraph) -> None:
    sites = gpd.GeoSeries.from_xy(
        [106.4627, 106.9665], [11.1435, 10.4115], index=["tunnels", "can_thanh"], crs=4326
    )
    snap = snap_points(hcmc_graph, sites)
    assert snap["on_network"].all()
    assert (snap["distance_m"] < 600).all()


def _synthetic_supplement(tmp_path: Path, G: nx.MultiDiGraph) -> tuple[Path, LineString]:
    """A synthetic line: 300 m along an existing street (5 m off) then 800 m into empty space."""
    east = max(G.nodes, key=lambda n: G.nodes[n]["x"])
    u, v, d = max(G.in_edges(east, data=True), key=lambda e: e[2]["length"])
    along = shapely.affinity.translate(d["geometry"], yoff=0.00004)  # ~4 m beside the street
    x1, y1 = along.coords[-1]
    line = LineString([*along.coords, (x1 + 0.008, y1)])  # then ~870 m east, beyond every road
    path = tmp_path / "synthetic_supplement.geojson"
    gpd.GeoDataFrame({"name": ["synthetic test road"]}, geometry=[line], crs=4326).to_file(path)
    return path, line


def test_supplement_adds_only_the_uncovered_part_connected(tmp_path: Path, d3_graph) -> None:
    path, line = _synthetic_supplement(tmp_path, d3_graph)
    G = load_network(D3, mode="motorbike", supplement=path, cache=False)
    sup = [(u, v, d) for u, v, d in G.edges(data=True) if d["source"] == "supplement"]
    assert sup, "the part away from OSM roads is added"
    assert all(d["name"] == "synthetic test road" for _, _, d in sup)
    total = sum(d["length"] for _, _, d in sup) / 2  # two-way
    new_part = haversine_m(*line.coords[-2], *line.coords[-1])
    assert total == pytest.approx(new_part, rel=0.25)
    # it is joined to the OSM graph (one weak component, reachable from the streets)
    assert nx.number_weakly_connected_components(G) == 1
    far_node = max(G.nodes, key=lambda n: G.nodes[n]["x"])
    assert far_node < 0
    osm_node = min(max(nx.strongly_connected_components(d3_graph), key=len))
    assert nx.has_path(G, osm_node, far_node)
    assert all(G.has_edge(v, u) for u, v, _ in sup)  # supplement roads are two-way


def test_bad_supplement_file(tmp_path: Path) -> None:
    bad = tmp_path / "roads.geojson"
    bad.write_text("not json", encoding="utf-8")
    with pytest.raises(InputFileError, match="roads.geojson"):
        load_network(D3, supplement=bad, cache=False)
    with pytest.raises(InputFileError, match="not found"):
        load_network(D3, supplement=tmp_path / "missing.geojson", cache=False)


@pytest.mark.parametrize(
    ("name", "content", "error", "match"),
    [
        (
            "random.osm.pbf",
            b"\x00\x01garbage" * 300,
            InputFileError,
            "corrupt, truncated or not OSM",
        ),
        ("empty.osm.pbf", b"", InputFileError, "empty"),
        ("notes.osm", b"these are not OSM data", InputFileError, "not OSM"),
        ("roads.csv", b"a,b\n1,2\n", InputFileError, "not an OSM file name"),
        (
            "noroads.osm",
            b'<?xml version="1.0"?><osm version="0.6"><node id="1" lat="10.7" lon="106.7"/></osm>',
            NetworkError,
            "no road",
        ),
    ],
)
def test_bad_extracts_name_the_file(
    tmp_path: Path, name: str, content: bytes, error: type, match: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(error, match=match) as info:
        load_network(path, supplement=False, cache=False)
    assert name in str(info.value)


def test_truncated_pbf(tmp_path: Path) -> None:
    path = tmp_path / "cut.osm.pbf"
    path.write_bytes(settings.osm_extract.read_bytes()[:1_500_000])
    with pytest.raises(InputFileError, match="cut.osm.pbf.*truncated"):
        load_network(path, supplement=False, cache=False)


def test_missing_file() -> None:
    with pytest.raises(InputFileError, match="no such OSM file"):
        load_network("nowhere/hcm.osm.pbf")


def test_cache_roundtrip_and_partial_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "cache_dir", tmp_path)
    cold = load_network(D3, mode="motorbike", supplement=False)
    entries = list((tmp_path / "graphs").iterdir())
    assert len(entries) == 1
    warm = load_network(D3, mode="motorbike", supplement=False)
    assert nx.utils.edges_equal(cold.edges(keys=True), warm.edges(keys=True))
    for u, v, k, d in cold.edges(keys=True, data=True):
        w = warm.edges[u, v, k]
        assert d.keys() == w.keys()
        assert w["geometry"].equals(d["geometry"])
        assert all(d[a] == w[a] for a in d if a != "geometry")
    # a partly written entry (no manifest, or a truncated file) is never read
    folder = entries[0]
    manifest = json.loads((folder / "manifest.json").read_text())
    edges_file = folder / "edges.parquet"
    edges_file.write_bytes(edges_file.read_bytes()[:100])
    key = folder.name
    assert graph_cache.read(key) is None
    assert not folder.exists()
    load_network(D3, mode="motorbike", supplement=False)  # rebuilt
    assert (folder / "manifest.json").exists()
    (folder / "manifest.json").unlink()
    assert graph_cache.read(key) is None
    assert manifest["format"] == graph_cache.FORMAT_VERSION
    # another mode or another setting is another entry
    load_network(D3, mode="walk", supplement=False)
    monkeypatch.setattr(modes, "FERRY_WAIT_S", 600.0)
    load_network(D3, mode="walk", supplement=False)
    assert len([p for p in (tmp_path / "graphs").iterdir() if (p / "manifest.json").exists()]) == 2
    assert graph_cache.clear() == 3


def test_graphml_source(tmp_path: Path, d3_graph: nx.MultiDiGraph) -> None:
    import osmnx as ox

    path = tmp_path / "d3.graphml"
    ox.save_graphml(d3_graph, path)
    G = load_network(path)
    assert G.number_of_edges() == d3_graph.number_of_edges()
    bad = tmp_path / "bad.graphml"
    bad.write_text("<graphml>", encoding="utf-8")
    with pytest.raises(InputFileError, match="bad.graphml"):
        load_network(bad)


def test_xml_pbf_and_bz2_give_the_same_graph(tmp_path: Path, d3_graph: nx.MultiDiGraph) -> None:
    import osmium

    pbf = tmp_path / "d3.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for obj in osmium.FileProcessor(str(D3)):
            writer.add(obj)
    G = load_network(pbf, supplement=False, cache=False)
    assert sorted(G.edges(keys=True)) == sorted(d3_graph.edges(keys=True))
    bz2_path = tmp_path / "d3.osm.bz2"
    bz2_path.write_bytes(bz2.compress(D3.read_bytes()))
    G_bz2 = load_network(bz2_path, supplement=False, cache=False)
    assert sorted(G_bz2.edges(keys=True)) == sorted(d3_graph.edges(keys=True))
    lengths = np.array([d["length"] for _, _, d in G.edges(data=True)])
    assert (
        shapely.get_num_coordinates(
            np.array([d["geometry"] for _, _, d in G.edges(data=True)])
        ).min()
        >= 2
    )
    assert (lengths >= 0).all()


def test_network_does_not_import_the_modules_above_it() -> None:
    """snapping and matrix import network, never the reverse (no hidden cycle)."""
    tree = ast.parse(Path(network.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
            imported.update(f"{node.module or ''}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            imported.update(a.name for a in node.names)
    assert imported, "network.py imports something"
    assert not {m for m in imported for low in ("snapping", "matrix") if low in m.split(".")}
    assert not hasattr(network, "__getattr__")


def test_a_loaded_graph_is_freed(d3_graph: nx.MultiDiGraph) -> None:
    cached = len(snapping._CACHE)  # edge arrays of the session's graphs
    G = load_network(D3, mode="motorbike", supplement=False, cache=False)
    assert len(G.edges) == d3_graph.number_of_edges()  # the cached edge view: G is now a cycle
    x, y = next(iter(G.nodes(data=True)))[1].values()
    snap = snap_points(G, gpd.GeoSeries.from_xy([x + 1e-4], [y], crs=4326))
    assert snap["on_network"].all()
    points = gpd.GeoSeries.from_xy([x + 1e-4, x - 1e-4], [y, y], crs=4326)
    assert travel_time_matrix(G, points).shape == (2, 2)  # builds the search's CSR of the graph
    arrays = edge_arrays(G)
    ref, arrays_ref = weakref.ref(G), weakref.ref(arrays)
    del G, arrays
    gc.collect()
    assert ref() is None, "something still holds the graph"
    assert arrays_ref() is None, "the snapping cache or the matrix CSR kept the graph's edge arrays"
    assert len(snapping._CACHE) == cached
    assert not matrix._CSR, "the CSR of a freed graph is kept"


def test_edge_arrays_are_reused_until_the_cache_is_cleared() -> None:
    G = load_network(D3, mode="motorbike", supplement=False, cache=False)
    arrays = edge_arrays(G)
    assert edge_arrays(G) is arrays
    for _, _, d in G.edges(data=True):
        d["travel_time"] *= 2  # an in-place edit of attributes is not noticed ...
    assert edge_arrays(G) is arrays
    snapping.clear_cache()  # ... until the cache is cleared
    assert np.allclose(edge_arrays(G).travel_time, 2 * arrays.travel_time)


@pytest.mark.parametrize("enabled", [True, False])
def test_loading_leaves_the_garbage_collector_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, enabled: bool
) -> None:
    monkeypatch.setattr(settings, "cache_dir", tmp_path)
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        for _ in range(2):  # built and written, then read from the cache
            G = load_network(D3, mode="motorbike", supplement=False)
            edge_arrays(G)
            assert gc.isenabled() is enabled
            assert gc.get_freeze_count() == 0
    finally:
        (gc.enable if was else gc.disable)()
    assert len(list((tmp_path / "graphs").iterdir())) == 1


def test_default_supplement_stays_local_on_a_district_extract(d3_graph: nx.MultiDiGraph) -> None:
    G = load_network(D3, cache=False)  # supplement=True: the bundled bus corridors
    osm_nodes = {n for n in G.nodes if n > 0}
    assert osm_nodes == set(d3_graph.nodes)  # the district's streets are all kept
    xs = [d["x"] for _, d in G.nodes(data=True)]
    ys = [d["y"] for _, d in G.nodes(data=True)]
    x0, y0 = (
        min(d["x"] for _, d in d3_graph.nodes(data=True)),
        min(d["y"] for _, d in d3_graph.nodes(data=True)),
    )
    x1, y1 = (
        max(d["x"] for _, d in d3_graph.nodes(data=True)),
        max(d["y"] for _, d in d3_graph.nodes(data=True)),
    )
    assert (
        x0 - 0.03 < min(xs) and max(xs) < x1 + 0.03 and y0 - 0.03 < min(ys) and max(ys) < y1 + 0.03
    )
