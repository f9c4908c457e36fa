"""The route studio's JSON API through Starlette's test client: safety (CSRF, Origin, Host, token, paths), the
TOML round trip, planning and editing a plan, the overlay, search and publishing."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from starlette.testclient import TestClient

import ocop_geo as og
from ocop_geo import settings
from ocop_geo.overlay import OVERLAY_NAME, read_overlay
from ocop_geo.studio import CSRF_HEADER, TOKEN_COOKIE, create_app
from ocop_geo.studio_session import Studio, StudioConfig, Superseded

pytestmark = pytest.mark.slow

ROUTES = settings.data_dir / "routes"
CSRF = "test-csrf-token"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("studio")
    (root / "registry").mkdir()
    for name in ("producers.csv", "products.csv", "venues.csv"):
        shutil.copy(settings.data_dir / "registry" / name, root / "registry" / name)
    shutil.copytree(ROUTES, root / "routes")
    return root


@pytest.fixture(scope="module")
def studio(workspace: Path, hcmc_graph_for) -> Studio:
    config = StudioConfig(registry_paths=sorted((workspace / "registry").glob("*.csv")), routes_dir=workspace / "routes",
                          out_dir=workspace / "out")
    session = Studio(config, graphs={"motorbike": hcmc_graph_for("motorbike")})
    yield session
    session.close()


@pytest.fixture(scope="module")
def client(studio: Studio) -> TestClient:
    app = create_app(studio, csrf=CSRF, allowed_hosts=["testserver"])
    return TestClient(app, headers={CSRF_HEADER: CSRF}, raise_server_exceptions=False)


def test_page_carries_the_csrf_token_the_map_assets_and_the_attribution(client):
    r = client.get("/")
    assert r.status_code == 200
    assert f'content="{CSRF}"' in r.text
    assert "/static/leaflet/leaflet.js" in r.text and "https://" not in r.text.split("<body>")[0]
    assert "© OpenStreetMap contributors" in r.text
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert client.get("/static/ocop/studio.js").status_code == 200


def test_state_changing_requests_need_the_csrf_token_and_the_studios_origin(client):
    body = {"data": {}}
    assert client.post("/api/check", json=body, headers={CSRF_HEADER: ""}).status_code == 403
    assert client.post("/api/check", json=body, headers={CSRF_HEADER: "guess"}).status_code == 403
    r = client.post("/api/check", json=body, headers={"Origin": "http://evil.example"})
    assert r.status_code == 403
    assert "another site" in r.json()["error"] or "trang khác" in r.json()["error"]
    assert client.post("/api/check", json=body, headers={"Origin": "http://testserver"}).status_code == 422


def test_an_unknown_host_header_is_refused(studio):
    strict = TestClient(create_app(studio, csrf=CSRF), base_url="http://attacker.example")
    assert strict.get("/api/bootstrap").status_code == 400


def test_a_lan_studio_needs_the_token_then_a_cookie(studio):
    lan = TestClient(create_app(studio, token="s3cret", csrf=CSRF, allowed_hosts=["testserver"]))
    assert lan.get("/").status_code == 403
    assert lan.get("/api/registry").status_code == 403
    assert lan.get("/?token=wrong").status_code == 403
    r = lan.get("/?token=s3cret", follow_redirects=False)
    assert r.status_code == 303 and TOKEN_COOKIE in r.headers["set-cookie"] and "httponly" in r.headers["set-cookie"].lower()
    lan.cookies.set(TOKEN_COOKIE, "s3cret")
    assert lan.get("/").status_code == 200


def test_bad_input_is_a_clear_message_never_a_traceback(client):
    r = client.post("/api/plan", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "JSON" in r.json()["error"]
    r = client.post("/api/plan", json={"data": {"id": "x", "title_vi": "x", "weekdays": ["Sa"], "excluded": [],
                                                "start": {"poi": "Rex"}}})
    assert r.status_code == 422
    problems = " ".join(r.json()["problems"])
    assert "weekdays: is not a known field" in problems and "days" in problems
    assert "did you mean 'Rex Hotel'" in problems
    assert "Traceback" not in r.text
    assert client.post("/api/plans/nope/retime", json={"days": [[]]}).status_code == 422


@pytest.mark.parametrize("name", ["../producers", "..", "a/b", "CAPS", ".hidden", "x.toml"])
def test_route_names_are_never_paths(client, name, workspace):
    before = sorted(p.name for p in workspace.rglob("*"))
    r = client.post(f"/api/routes/{name}", json={"data": {"id": "x"}, "version": "new"})
    assert r.status_code in (404, 422)
    assert sorted(p.name for p in workspace.rglob("*")) == before


def test_opening_and_saving_every_route_unchanged_gives_the_same_bytes(client, workspace):
    for path in sorted((workspace / "routes").glob("*.toml")):
        before = path.read_bytes()
        opened = client.get(f"/api/routes/{path.stem}").json()
        saved = client.post(f"/api/routes/{path.stem}", json={"data": opened["data"], "version": opened["version"]})
        assert saved.status_code == 200, saved.text
        assert path.read_bytes() == before
        assert saved.json()["version"] == opened["version"]


def test_two_tabs_cannot_silently_overwrite_each_other(client, workspace):
    first = client.get("/api/routes/can_gio_day").json()
    second = client.get("/api/routes/can_gio_day").json()
    first["data"]["min_stars"] = 4
    assert client.post("/api/routes/can_gio_day", json={"data": first["data"], "version": first["version"]}).status_code == 200
    second["data"]["title_en"] = "Another title"
    r = client.post("/api/routes/can_gio_day", json={"data": second["data"], "version": second["version"]})
    assert r.status_code == 422 and "changed since you opened it" in r.json()["error"]
    text = (workspace / "routes" / "can_gio_day.toml").read_text(encoding="utf-8")
    assert "min_stars = 4" in text and "Another title" not in text


def test_a_route_made_from_scratch_is_saved_planned_and_planned_the_same_by_the_cli(client, studio, workspace):
    data = {"id": "studio-test", "title_vi": "Thử tuyến", "mode": "motorbike", "days": ["2026-12-05"],
            "day_window": ["07:00", "18:00"], "start": {"poi": "Chợ Bến Thành"}, "districts": ["Củ Chi", "Hóc Môn"],
            "themes": ["Thực phẩm"], "min_stars": 3, "lunch": {"window": ["11:00", "13:00"], "minutes": 60},
            "max_stops_per_day": 4, "seed": 1}
    saved = client.post("/api/routes/studio_test", json={"data": data, "version": "new"})
    assert saved.status_code == 200, saved.text
    planned = client.post("/api/plan", json={"data": data, "client": "t1"})
    assert planned.status_code == 200, planned.text
    it = planned.json()["itinerary"]
    assert it["days"][0]["verdict"]["status"] in {"good", "thin"}
    assert any(n["reason"] for n in it["not_chosen"])
    spec = og.load_spec(workspace / "routes" / "studio_test.toml")
    cli = og.plan_route(spec, studio.registry, graph=studio.graph("motorbike"))
    assert [[s.site_id for s in d.stops] for d in cli.days] == [[s["site_id"] for s in d["stops"]] for d in it["days"]]


def test_editing_a_plan_retimes_it_with_warnings(client):
    data = client.get("/api/routes/cu_chi_food_day").json()["data"]
    plan = client.post("/api/plan", json={"data": data, "client": "t2"}).json()
    uids = [s["uid"] for s in plan["itinerary"]["days"][0]["stops"] if "uid" in s]
    swapped = [uids[1], uids[0], *uids[2:]]
    r = client.post(f"/api/plans/{plan['plan_id']}/retime", json={"days": [swapped]})
    assert r.status_code == 200, r.text
    new = r.json()
    assert [s.get("uid") for s in new["itinerary"]["days"][0]["stops"] if "uid" in s] == swapped
    assert new["itinerary"]["days"][0]["stops"][1]["arrival"] != plan["itinerary"]["days"][0]["stops"][1]["arrival"]
    removed = uids[-1]
    added = client.post(f"/api/plans/{plan['plan_id']}/retime", json={"days": [[*uids[:-1], "HCM-P01", "HCM-P03"]]}).json()
    codes = {w["code"] for w in added["edit_warnings"]}
    assert codes & {"window", "km", "travel", "stops", "short", "closed"}, codes
    gone = {n["site_id"]: n for n in added["itinerary"]["not_chosen"]}
    assert gone[removed]["code"] == "excluded" and "by hand" in gone[removed]["reason"]
    assert "HCM-P01" not in gone
    assert client.post(f"/api/plans/{plan['plan_id']}/retime", json={"days": [[uids[0], uids[0]]]}).status_code == 422


def test_corrections_go_to_the_overlay_never_into_the_registry(client, workspace):
    registry_file = workspace / "registry" / "producers.csv"
    before = registry_file.read_bytes()
    view = client.get("/api/registry").json()
    p04 = next(r for r in view["rows"] if r["id"] == "HCM-P04")
    assert p04["products"] and p04["problems"]
    body = {"kind": "producer", "id": "HCM-P04", "field": "opening_hours", "value": "Sa,Su 08:00-16:00",
            "who": "Lan", "why": "phoned the farm", "version": view["version"]}
    r = client.post("/api/registry/edit", json=body)
    assert r.status_code == 200, r.text
    moved = {**body, "field": "location", "value": [10.9801, 106.6102], "version": r.json()["version"]}
    assert client.post("/api/registry/edit", json=moved).status_code == 200
    stale = client.post("/api/registry/edit", json={**body, "value": "Mo-Fr 08:00-17:00"})
    assert stale.status_code == 422 and "changed since" in stale.json()["error"]
    bad = client.post("/api/registry/edit", json={**body, "value": "whenever", "version": r.json()["version"] + 1})
    assert bad.status_code == 422 and "opening hours" in bad.json()["error"]
    nobody = client.post("/api/registry/edit", json={**body, "who": " ", "version": r.json()["version"] + 1})
    assert nobody.status_code == 422
    assert registry_file.read_bytes() == before
    edits = read_overlay(workspace / "registry" / OVERLAY_NAME)
    assert [(e.field, e.who, e.why) for e in edits] == [("opening_hours", "Lan", "phoned the farm"),
                                                        ("location", "Lan", "phoned the farm")]
    assert edits[0].when.startswith("20")
    reg = og.load_registry(*sorted((workspace / "registry").glob("*.csv")))  # what validate / plan / publish read
    row = reg.producers.set_index("producer_id").loc["HCM-P04"]
    assert row["opening_hours"] == "Sa,Su 08:00-16:00"
    assert (row["lat"], row["lon"], row["location_precision"]) == (10.9801, 106.6102, "exact")
    assert any("correction(s) of the department applied" in n for n in reg.notices)
    after = client.get("/api/registry").json()
    p04 = next(x for x in after["rows"] if x["id"] == "HCM-P04")
    assert p04["hours"] == "Sa,Su 08:00-16:00" and p04["precision"] == "exact" and len(p04["history"]) == 2


def test_search_is_fuzzy_and_accent_insensitive(client):
    hits = client.get("/api/search", params={"q": "Rex"}).json()["hits"]
    assert hits[0]["label"] == "Rex Hotel"
    assert client.get("/api/search", params={"q": "Khách sạn Rex"}).json()["hits"][0]["label"] == "Rex Hotel"
    assert client.get("/api/search", params={"q": "cho ben thanh"}).json()["hits"][0]["label"] == "Chợ Bến Thành"
    producers = client.get("/api/search", params={"q": "dat butter", "kinds": "producer"}).json()["hits"]
    assert producers[0]["ref"] == "HCM-P04" and {h["kind"] for h in producers} == {"producer"}


def test_bootstrap_offers_the_registry_vocabulary(client):
    v = client.get("/api/bootstrap").json()
    assert {"vi": "Thực phẩm", "en": "Food"} in v["groups"]
    assert "Củ Chi" in v["districts"] and "motorbike" in v["modes"]
    assert {r["name"] for r in v["routes"]} >= {"cu_chi_food_day", "coach_two_day_tour"}


def test_publish_writes_the_site_and_serves_its_preview(client, workspace):
    data = client.get("/api/routes/cu_chi_food_day").json()["data"]
    plan = client.post("/api/plan", json={"data": data, "client": "t3"}).json()
    r = client.post(f"/api/plans/{plan['plan_id']}/publish", json={})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["published"] and out["preview"] == "/preview/routes/cu-chi-food-day.html"
    page = client.get(out["preview"])
    assert page.status_code == 200 and "© OpenStreetMap contributors" in page.text
    assert (workspace / "out" / "site" / "index.html").is_file()
    assert client.get("/preview/../registry/producers.csv").status_code == 404


def test_a_newer_plan_request_supersedes_the_waiting_one(studio):
    gate = threading.Event()
    blocker = studio._executor.submit(gate.wait, 30)  # the worker is busy: both requests wait
    data = studio.open_route("cu_chi_food_day")["data"]
    first = studio.submit_plan(data, client="tab")
    second = studio.submit_plan(data, client="tab")
    gate.set()
    blocker.result()
    assert second.result(timeout=120).itinerary.route_id == "cu-chi-food-day"
    assert first.cancelled() or isinstance(first.exception(timeout=120), Superseded)
