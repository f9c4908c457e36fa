"""Travel-time / distance matrices and single routes, checked against networkx Dijkstra."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import Point

from ocop_geo import modes
from ocop_geo._errors import NetworkError
from ocop_geo.matrix import (
    Leg,
    distance_matrix,
    matrices,
    road_search,
    route_between,
    travel_time_matrix,
)
from ocop_geo.network import haversine_m
from ocop_geo.snapping import snap_points


def _geometry_length_m(leg: Leg) -> float:
    """Length (m) of a leg's drawn geometry, summed segment by segment."""
    xy = np.asarray(leg.coordinates)
    return float(haversine_m(xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1]).sum())


def _node_points(G: nx.MultiDiGraph, n: int, seed: int) -> tuple[list[int], gpd.GeoSeries]:
    """``n`` random nodes of the largest strongly connected component, as points at the nodes."""
    scc = sorted(max(nx.strongly_connected_components(G), key=len))
    rng = np.random.default_rng(seed)
    nodes = [scc[i] for i in rng.choice(len(scc), size=min(n, len(scc)), replace=False)]
    pts = gpd.GeoSeries(
        [Point(G.nodes[v]["x"], G.nodes[v]["y"]) for v in nodes],
        index=[f"n{v}" for v in nodes],
        crs=4326,
    )
    return nodes, pts


def _nx_matrix(G: nx.MultiDiGraph, nodes: list[int], weight: str) -> np.ndarray:
    out = np.full((len(nodes), len(nodes)), np.inf)
    for i, s in enumerate(nodes):
        dist = nx.single_source_dijkstra_path_length(G, s, weight=weight)
        out[i] = [dist.get(t, np.inf) for t in nodes]
    return out


@pytest.mark.parametrize("fixture", ["d3_graph", "d5_graph", "thuduc_graph", "d3_walk_graph"])
@pytest.mark.parametrize("weight", ["travel_time", "length"])
def test_matrix_equals_networkx_dijkstra(
    request: pytest.FixtureRequest, fixture: str, weight: str
) -> None:
    G = request.getfixturevalue(fixture)
    nodes, pts = _node_points(G, 25, seed=7)
    T, L = matrices(G, pts, weight=weight)
    ref = _nx_matrix(G, nodes, weight)
    got = (T if weight == "travel_time" else L).to_numpy()
    np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-6)
    assert list(T.index) == list(pts.index) and list(T.columns) == list(pts.index)
    assert (np.diag(T) == 0).all() and (np.diag(L) == 0).all()


def test_distance_is_the_length_of_the_fastest_path(d5_graph: nx.MultiDiGraph) -> None:
    nodes, pts = _node_points(d5_graph, 12, seed=3)
    L = distance_matrix(d5_graph, pts).to_numpy()
    for i, s in enumerate(nodes):
        for j, t in enumerate(nodes):
            if i == j:
                continue
            path = nx.dijkstra_path(d5_graph, s, t, weight="travel_time")
            length = sum(
                min(
                    d["length"]
                    for d in d5_graph.get_edge_data(a, b).values()
                    if d["travel_time"]
                    == min(e["travel_time"] for e in d5_graph.get_edge_data(a, b).values())
                )
                for a, b in zip(path[:-1], path[1:], strict=True)
            )
            assert L[i, j] == pytest.approx(length, abs=1e-6)


def test_matrix_equals_scipy_on_a_plain_csr(d3_graph: nx.MultiDiGraph) -> None:
    """The same numbers from scipy.sparse.csgraph.dijkstra on a CSR built independently."""
    order = sorted(d3_graph.nodes)
    pos = {n: i for i, n in enumerate(order)}
    best: dict[tuple[int, int], float] = {}
    for u, v, d in d3_graph.edges(data=True):
        best[pos[u], pos[v]] = min(best.get((pos[u], pos[v]), np.inf), d["travel_time"])
    (r, c), w = zip(*best.keys(), strict=True), list(best.values())
    csr = csr_matrix((w, (r, c)), shape=(len(order), len(order)))
    nodes, pts = _node_points(d3_graph, 15, seed=11)
    idx = [pos[n] for n in nodes]
    ref = dijkstra(csr, directed=True, indices=idx)[:, idx]
    np.testing.assert_allclose(
        travel_time_matrix(d3_graph, pts).to_numpy(), ref, rtol=1e-9, atol=1e-6
    )


def test_points_between_nodes_use_partial_edges_and_access_legs(d5_graph: nx.MultiDiGraph) -> None:
    """A site beside the middle of a two-way street: both directions, partial edges, access leg."""
    G = d5_graph
    scc = max(nx.strongly_connected_components(G), key=len)
    u, v, d = next(
        (u, v, d) for u, v, d in G.edges(data=True)
        if not d["oneway"] and d["length"] > 80 and u in scc and v in scc
    )  # fmt: skip
    mid = d["geometry"].interpolate(0.5, normalized=True)
    site = Point(mid.x, mid.y + 0.00003)  # ~3 m beside the street
    target = max(scc, key=lambda n: G.nodes[n]["x"] + G.nodes[n]["y"])
    pts = gpd.GeoSeries(
        [site, Point(G.nodes[target]["x"], G.nodes[target]["y"])], index=["site", "t"], crs=4326
    )
    snap = snap_points(G, pts)
    assert snap.loc["site", "on_network"]
    assert snap.loc["site", "distance_m"] < 3.5
    assert {snap.loc["site", "u"], snap.loc["site", "v"]} == {u, v}
    access = snap.loc["site", "access_s"]
    assert access == pytest.approx(
        snap.loc["site", "access_m"] / (modes.ACCESS_SPEED_KMH["motorbike"] / 3.6)
    )
    e_uv, e_vu = snap.loc["site", "u"], snap.loc["site", "v"]
    f = snap.loc["site", "fraction"]
    w_fwd = min(x["travel_time"] for x in G.get_edge_data(e_uv, e_vu).values())
    w_back = min(x["travel_time"] for x in G.get_edge_data(e_vu, e_uv).values())
    from_u = nx.single_source_dijkstra_path_length(G, e_uv, weight="travel_time")[target]
    from_v = nx.single_source_dijkstra_path_length(G, e_vu, weight="travel_time")[target]
    expected = min((1 - f) * w_fwd + from_v, f * w_back + from_u) + access
    T = travel_time_matrix(G, pts)
    assert T.loc["site", "t"] == pytest.approx(expected, rel=1e-9)
    to_u = nx.single_source_dijkstra_path_length(G, target, weight="travel_time")
    expected_back = min(to_u[e_uv] + f * w_fwd, to_u[e_vu] + (1 - f) * w_back) + access
    assert T.loc["t", "site"] == pytest.approx(expected_back, rel=1e-9)


def test_two_sites_on_the_same_street(d3_walk_graph: nx.MultiDiGraph) -> None:
    u, v, d = max(d3_walk_graph.edges(data=True), key=lambda e: e[2]["length"])
    a = d["geometry"].interpolate(0.2, normalized=True)
    b = d["geometry"].interpolate(0.7, normalized=True)
    pts = gpd.GeoSeries([a, b], index=["a", "b"], crs=4326)
    T, L = matrices(d3_walk_graph, pts)
    assert L.loc["a", "b"] == pytest.approx(0.5 * d["length"], rel=0.02)
    assert L.loc["b", "a"] == pytest.approx(0.5 * d["length"], rel=0.02)  # on foot, both ways
    leg = route_between(d3_walk_graph, a, b)
    assert leg.distance_m == pytest.approx(L.loc["a", "b"])
    assert _geometry_length_m(leg) == pytest.approx(leg.distance_m, rel=0.02)


def test_route_between_follows_the_roads(d5_graph: nx.MultiDiGraph) -> None:
    nodes, pts = _node_points(d5_graph, 6, seed=5)
    T, L = matrices(d5_graph, pts)
    a = Point(pts.iloc[0].x + 0.0001, pts.iloc[0].y)
    b = pts.iloc[4]
    leg = route_between(d5_graph, a, b)
    assert not leg.off_network and leg.note == ""
    assert leg.geometry.coords[0] == (a.x, a.y) and leg.geometry.coords[-1] == (b.x, b.y)
    assert _geometry_length_m(leg) == pytest.approx(leg.distance_m, rel=0.01)
    assert leg.travel_s == pytest.approx(
        travel_time_matrix(d5_graph, gpd.GeoSeries([a, b], crs=4326)).iloc[0, 1]
    )
    # with a point at a node the leg equals the matrix entry
    leg2 = route_between(d5_graph, pts.iloc[1], pts.iloc[2])
    assert leg2.travel_s == pytest.approx(T.iloc[1, 2]) and leg2.distance_m == pytest.approx(
        L.iloc[1, 2]
    )


def test_search_rebuilds_every_leg_from_its_own_paths(d5_graph: nx.MultiDiGraph) -> None:
    """Legs drawn from the kept predecessor rows follow networkx's shortest node path, with the
    matrix's time and distance; a lean search (no paths) refuses to draw road legs."""
    nodes, pts = _node_points(d5_graph, 6, seed=4)
    snap = snap_points(d5_graph, pts)
    search = road_search(d5_graph, snap, keep_paths=True)
    T, L = matrices(d5_graph, pts)
    np.testing.assert_allclose(search.seconds, T.to_numpy())
    np.testing.assert_allclose(search.metres, L.to_numpy())
    xy = {n: (d["x"], d["y"]) for n, d in d5_graph.nodes(data=True)}
    for i, s in enumerate(nodes):
        for j, t in enumerate(nodes):
            leg = search.leg(i, j)
            assert (leg.travel_s, leg.distance_m) == (T.iloc[i, j], L.iloc[i, j])
            if i == j:
                continue
            path = nx.dijkstra_path(d5_graph, s, t, weight="travel_time")
            drawn = set(leg.coordinates)
            assert all(xy[n] in drawn for n in path), (s, t)
            assert leg.coordinates[0] == xy[s] and leg.coordinates[-1] == xy[t]
            assert _geometry_length_m(leg) == pytest.approx(leg.distance_m, rel=0.01)
            assert route_between(d5_graph, pts.iloc[i], pts.iloc[j]) == leg
    lean = road_search(d5_graph, snap)
    assert lean.pred is None and search.pred is not None
    assert search.pred.shape == (len(nodes), d5_graph.number_of_nodes())
    with pytest.raises(ValueError, match="keep_paths"):
        lean.leg(0, 1)


def test_out_of_coverage_site_gets_a_marked_straight_leg(d3_graph: nx.MultiDiGraph) -> None:
    nodes, pts = _node_points(d3_graph, 3, seed=1)
    far = Point(pts.iloc[0].x + 0.03, pts.iloc[0].y)  # ~3.3 km east of the fixture's streets
    all_pts = pd.concat([pts, gpd.GeoSeries([far], index=["far"], crs=4326)])
    snap = snap_points(d3_graph, all_pts)
    assert not snap.loc["far", "on_network"]
    straight = float(
        haversine_m(far.x, far.y, snap.loc["far", "snap_lon"], snap.loc["far", "snap_lat"])
    )
    length, seconds = modes.straight_leg(straight, "motorbike")
    assert snap.loc["far", "access_m"] == pytest.approx(length)
    assert snap.loc["far", "access_s"] == pytest.approx(seconds)
    T, L = matrices(d3_graph, all_pts)
    assert np.isfinite(T.to_numpy()).all()
    assert T.loc["far", pts.index[0]] >= seconds
    leg = route_between(d3_graph, far, pts.iloc[0])
    assert leg.off_network and "straight-line" in leg.note
    assert leg.travel_s == pytest.approx(T.loc["far", pts.index[0]])
    # a tighter coverage radius marks more sites as outside
    assert not snap_points(d3_graph, all_pts, max_distance_m=0.0)["on_network"].all()


def test_points_outside_the_extract_are_refused(d3_graph: nx.MultiDiGraph) -> None:
    pts = gpd.GeoSeries(
        [Point(106.69, 10.79), Point(105.85, 21.03)], index=["hcmc", "hanoi"], crs=4326
    )
    with pytest.raises(
        NetworkError, match="outside the road network.s extract \\(hcmc_d3_2026.osm\\).*'hanoi'"
    ):
        travel_time_matrix(d3_graph, pts)
    swapped = gpd.GeoSeries([Point(10.79, 106.69)], crs=4326)
    with pytest.raises(NetworkError, match="lat/lon swapped"):
        snap_points(d3_graph, swapped)


def test_bad_points(d3_graph: nx.MultiDiGraph) -> None:
    dup = gpd.GeoSeries([Point(106.69, 10.79)] * 2, index=["a", "a"], crs=4326)
    with pytest.raises(NetworkError, match="duplicate"):
        matrices(d3_graph, dup)
    empty = gpd.GeoSeries([Point(106.69, 10.79), None], crs=4326)
    with pytest.raises(NetworkError, match="no location"):
        matrices(d3_graph, empty)
    projected = gpd.GeoSeries([Point(106.69, 10.79)], crs=4326).to_crs(32648)
    assert snap_points(d3_graph, projected)["on_network"].all()  # reprojected to EPSG:4326


@pytest.mark.slow
def test_ferry_is_used_to_reach_can_gio(hcmc_graph: nx.MultiDiGraph) -> None:
    ben_thanh, can_thanh = Point(106.6981, 10.7725), Point(106.9665, 10.4115)
    leg = route_between(hcmc_graph, ben_thanh, can_thanh)
    ferry = next(
        d["geometry"] for _, _, d in hcmc_graph.edges(data=True) if d["name"] == "Phà Bình Khánh"
    )
    mid = ferry.interpolate(0.5, normalized=True)
    assert leg.geometry.distance(mid) < 1e-4  # crosses it
    # and no supplement road bypasses the crossing (OSM ferry preferred over the straight leg)
    assert not any(
        d["source"] == "supplement" and d["geometry"].distance(mid) < 0.004
        for _, _, d in hcmc_graph.edges(data=True)
    )
    assert modes.FERRY_WAIT_S < leg.travel_s < 4 * 3600
    assert 45_000 < leg.distance_m < 90_000
    assert not leg.off_network


@pytest.mark.slow
def test_full_city_matrix_matches_networkx_for_a_sample(hcmc_graph: nx.MultiDiGraph) -> None:
    nodes, pts = _node_points(hcmc_graph, 40, seed=2)
    T = travel_time_matrix(hcmc_graph, pts).to_numpy()
    for i in (0, 17, 39):
        dist = nx.single_source_dijkstra_path_length(hcmc_graph, nodes[i], weight="travel_time")
        np.testing.assert_allclose(T[i], [dist[t] for t in nodes], rtol=1e-9, atol=1e-6)
