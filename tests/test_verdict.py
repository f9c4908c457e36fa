"""The officer's verdict per day (good / thin / empty, the reason counted from the candidates) and the
planner's explanations in plain words (vi / en), on the SYNTHETIC registry and matrices of test_planner;
then ``plan``, ``publish`` and ``demo`` on a bundled-data Sunday that nothing is open on (slow)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from test_planner import plan, spec_of, synthetic_matrices, synthetic_registry

from ocop_geo import site
from ocop_geo._errors import PlanningError
from ocop_geo.candidates import build_sites
from ocop_geo.itinerary import Day, Stop, Totals, read_itinerary, write_itinerary
from ocop_geo.planner import matrix_places, plan_on_matrices, select_candidates
from ocop_geo.verdict import DayPool, judge_day


def test_good_day_has_three_producers_and_no_reason():
    it = plan(spec_of(districts=["Củ Chi", "Hóc Môn"], day_window=["07:00", "15:00"]))  # a day that is used
    (day,) = it.days
    v = day.verdict
    assert v is not None and v.status == "good" and not v.reasons
    assert v.producers == day.n_producers >= 3 and v.products >= v.producers
    assert v.available == 4  # S1, S2, S3, S6 open on that Saturday (S7 is a candidate, S5 unplaced)
    assert v.summary["en"].startswith("good: ") and v.summary["vi"].startswith("tốt: ")


def test_thin_day_counts_the_producers_the_registry_offers():
    # Củ Chi, food, 4+ stars: S1 and S2 only (S6 has 3 stars, S5 no location)
    it = plan(spec_of(districts=["Củ Chi"], themes=["Food"], min_stars=4))
    v = it.days[0].verdict
    assert v.status == "thin" and v.producers == 2 and v.available == 2
    first = v.reasons[0]
    assert first.code == "few_producers"
    assert first.en.startswith("only 2 producers in Củ Chi matching Thực phẩm with 4+ stars open on Saturday 2026-12-05")
    assert "add districts" in first.en
    assert first.vi.startswith("chỉ có 2 cơ sở ở Củ Chi thuộc nhóm Thực phẩm đạt từ 4 sao mở cửa Thứ Bảy 05/12/2026")
    one = plan(spec_of(districts=["Củ Chi"], themes=["Food"], min_stars=4, exclude=["S2"]))
    assert one.days[0].verdict.reasons[0].en.startswith("only 1 producer in Củ Chi matching Thực phẩm")
    assert it.status == "thin"


def test_empty_day_says_how_many_match_and_that_they_are_closed():
    it = plan(spec_of(districts=["Bình Chánh"], days=["2026-12-06"]))  # S4 opens Mo-Fr only
    v = it.days[0].verdict
    assert v.status == "empty" and v.producers == 0 and it.status == "empty"
    assert v.reasons[0].code == "no_producer"
    assert "no producers in Bình Chánh open on Sunday 2026-12-06" in v.reasons[0].en
    assert "1 more match but is closed or open too briefly on Sunday 2026-12-06" in v.reasons[0].en
    assert "Chủ nhật 06/12/2026" in v.reasons[0].vi
    assert any(w.startswith("day 1: no OCOP producer to visit") for w in it.warnings)


def _stop(seq: int, kind: str, arrival: str | None, start: str, end: str, wait: float = 0.0) -> Stop:
    site_id = f"S{seq}" if kind == "producer" else ("node/1" if kind == "lunch" else None)  # lunch at an OSM POI
    return Stop(seq, kind, site_id, f"{kind} {seq}", 10.9, 106.5, "exact",
                arrival, wait, start, end, 0.0, stars=4 if kind == "producer" else None)


def _day(stops: list[Stop], window: tuple[str, str] = ("07:00", "18:00")) -> Day:
    return Day(1, "2026-12-05", "Sa", window, "#d7191c", tuple(stops), Totals.of_stops(stops))


def test_long_wait_lunch_detour_and_unused_day_make_a_day_thin():
    spec = spec_of()
    pool = DayPool(matching=5, open=5, fit=5)
    stops = [_stop(0, "start", None, "07:00", "07:00"), _stop(1, "producer", "08:00", "08:00", "09:00"),
             _stop(2, "producer", "09:20", "09:20", "10:00"), _stop(3, "lunch", "10:20", "11:30", "12:30", 70),
             _stop(4, "producer", "12:50", "12:50", "13:40"), _stop(5, "end", "17:00", "17:00", "17:00")]
    calm = [*stops[:3], replace(stops[3], wait_min=10.0), *stops[4:]]
    good = judge_day(_day(calm), spec, pool, products=3, lunch_detour_min=5.0)
    assert good.status == "good", good.reasons
    v = judge_day(_day(stops), spec, pool, products=3, lunch_detour_min=22.0)
    assert v.status == "thin" and v.longest_wait_min == 70
    codes = [r.code for r in v.reasons]
    assert codes == ["long_wait", "lunch_detour"]
    assert "70-min wait for lunch (arrives 10:20, starts 11:30)" in v.reasons[0].en and "chờ ăn trưa 70 phút" in v.reasons[0].vi
    assert "adds 22 min of travel" in v.reasons[1].en
    early = [*calm[:5], _stop(5, "end", "12:10", "12:10", "12:10")]
    v = judge_day(_day(early), spec, pool, products=3)
    assert [r.code for r in v.reasons] == ["day_unused"] and "back at 12:10" in v.reasons[0].en
    packed = [*calm[:3], replace(calm[3], site_id=None, name="Ăn trưa / Lunch: bring a packed lunch"), *calm[4:]]
    v = judge_day(_day(packed), spec, pool, products=3)  # no food place near the route: not a good day
    assert [r.code for r in v.reasons] == ["no_lunch_place"] and "bring a packed lunch" in v.reasons[0].en
    few = judge_day(_day([stops[0], stops[1], stops[-1]]), spec, pool, products=1)
    assert few.reasons[0].code == "few_fit" and few.reasons[0].en.startswith("5 producers open on Saturday")


def test_verdict_round_trips_and_old_files_still_read(tmp_path: Path):
    it = plan(spec_of(districts=["Củ Chi"], themes=["Food"], min_stars=4))
    path = write_itinerary(it, tmp_path / "it.json")
    back = read_itinerary(path)
    assert back.days[0].verdict == it.days[0].verdict and back.not_chosen == it.not_chosen
    data = json.loads(path.read_text(encoding="utf-8"))
    for day in data["days"]:
        del day["verdict"]
    for n in data["not_chosen"]:
        n.pop("reason_vi", None)
    (tmp_path / "old.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    old = read_itinerary(tmp_path / "old.json")
    assert old.days[0].verdict is None and old.status is None and old.not_chosen[0].reason_vi == ""


def test_reasons_are_plain_words_in_both_languages_without_scores():
    for spec in (spec_of(max_stops_per_day=1), spec_of(day_window=["08:00", "11:00"]),
                 spec_of(days=["2026-12-06"]), spec_of(min_stars=4, themes=["Food"], districts=["Củ Chi"])):
        it = plan(spec)
        assert it.not_chosen
        for n in it.not_chosen:
            assert "score" not in n.reason.lower() and "score" not in n.reason_vi.lower(), n
            assert n.reason and n.reason_vi and n.reason_vi != n.reason, n
    nc = {n.site_id: n for n in plan(spec_of(max_stops_per_day=1)).not_chosen}
    assert any("more OCOP products / stars" in n.reason for n in nc.values())
    assert nc["S7"].code == "candidate" and "not yet OCOP-certified" in nc["S7"].reason
    assert "chưa được công nhận OCOP" in nc["S7"].reason_vi


def test_a_centroid_location_is_named_as_such():
    spec = spec_of(districts=["Củ Chi"])
    reg = synthetic_registry()
    sites, _ = build_sites(reg.producers, reg.products)
    cands = select_candidates(spec, sites)
    t, d = synthetic_matrices(matrix_places(spec, cands.sites))
    # S2 is placed at the commune centre of Phú Hòa Đông, S1 at its address
    it = plan_on_matrices(spec, cands, t, d, time_limit=0.2,
                          unreachable={"S2": "no motorbike road path", "S1": "no motorbike road path"})
    nc = {n.site_id: n for n in it.not_chosen}
    assert nc["S2"].code == "centroid"
    assert nc["S2"].reason == ("placed only at the ward / commune centre (Phú Hòa Đông) (no address): it cannot be "
                               "routed; add its address")
    assert "không có địa chỉ" in nc["S2"].reason_vi
    assert nc["S1"].code == "outside_coverage" and nc["S1"].reason == "no motorbike road path"
    must = spec_of(districts=["Củ Chi"], must_visit=["S2"])
    with pytest.raises(PlanningError, match=r"S2 .*placed only at the ward / commune centre"):
        plan_on_matrices(must, select_candidates(must, sites), t, d, time_limit=0.2,
                         unreachable={"S2": "no motorbike road path"})


def test_an_impossible_must_visit_names_what_blocks_it():
    with pytest.raises(PlanningError, match=r"S4 \(HTX rau Bình Chánh\): closed on Su 2026-12-06; hours Mo-Fr") as e:
        plan(spec_of(must_visit=["S4"], days=["2026-12-06"]))
    assert "only stop" not in str(e.value)
    # S3 opens 07:00-11:00; from Bến Thành at 10:30 it is reached too late for a 30-min visit
    with pytest.raises(PlanningError, match=r"S3 .*too far for the day window: leaving Chợ Bến Thành .* at 10:30 on "
                                            r"Sa 2026-12-05, it is reached at 1\d:\d\d, after the last start of a "
                                            r"30-min visit \(10:30"):
        plan(spec_of(must_visit=["S3"], day_window=["10:30", "18:00"]))
    # S6 (~1 h 55 min each way) fits alone in 07:00-12:30, but not with an hour's lunch starting by 10:30
    plan(spec_of(must_visit=["S6"], day_window=["07:00", "12:30"]))
    with pytest.raises(PlanningError, match=r"S6 .*fits alone on Sa 2026-12-05, but not with lunch \(10:00–10:30, "
                                            r"60 min\) in the day window 07:00–12:30"):
        plan(spec_of(must_visit=["S6"], day_window=["07:00", "12:30"],
                     lunch={"window": ["10:00", "10:30"], "minutes": 60}))


SUNDAY = """id = "sunday-nothing-open"
title_vi = "Chủ nhật"
title_en = "Sunday"
mode = "motorbike"
days = ["2026-12-06"]
day_window = ["08:00", "17:00"]
districts = ["Cần Giờ"]
time_limit = 0.3
[start]
poi = "Chợ Bến Thành"
"""


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ocop_geo", *args], capture_output=True, text=True, timeout=900,
                          env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "OCOP_GEO_LANG": "en"})


@pytest.mark.slow
def test_empty_route_exits_1_and_is_never_published(tmp_path: Path, hcmc_graph_for):
    """The bundled producers open Mo-Sa (assumed hours): a Sunday in Cần Giờ visits none."""
    hcmc_graph_for("motorbike")
    spec = tmp_path / "sunday.toml"
    spec.write_text(SUNDAY, encoding="utf-8")
    planned = _run("plan", str(spec), "-o", str(tmp_path / "plans"))
    assert planned.returncode == 1, planned.stdout + planned.stderr
    out = " ".join(planned.stdout.split())
    assert out.index("sunday-nothing-open day 1 (Sunday 2026-12-06): empty") < out.index("Not chosen")
    it = read_itinerary(tmp_path / "plans" / "sunday-nothing-open.json")
    assert it.days[0].verdict.status == "empty"
    nc = {n.site_id: n for n in it.not_chosen}
    assert nc["HCM-P08"].code == "centroid" and "district centre" in nc["HCM-P08"].reason  # at Cần Giờ's centre

    published = _run("publish", str(spec), "-o", str(tmp_path / "site"))
    assert published.returncode == 1, published.stdout + published.stderr
    assert "Not published: sunday-nothing-open: day 1 (Sunday 2026-12-06) visits no OCOP producer" in " ".join(
        published.stderr.split())
    assert not list((tmp_path / "site" / "routes").glob("sunday-nothing-open*"))
    assert "sunday-nothing-open" not in (tmp_path / "site" / "index.html").read_text(encoding="utf-8")

    demo = _run("demo", "--route", str(spec), "--out", str(tmp_path / "demo"))
    assert demo.returncode == 1, demo.stdout + demo.stderr
    text = " ".join(demo.stdout.split())
    assert text.index("sunday-nothing-open day 1 (Sunday 2026-12-06): empty") < text.index("Routes")
    assert "not published sunday-nothing-open" in text
    assert (tmp_path / "demo" / "site" / "index.html").exists()
    assert not list((tmp_path / "demo" / "site" / "routes").glob("sunday-nothing-open*.html"))


def test_publish_site_skips_a_route_without_producers(tmp_path: Path):
    it = plan(spec_of(districts=["Bình Chánh"], days=["2026-12-06"]))
    good = plan(spec_of(districts=["Củ Chi", "Hóc Môn"], id="good-day"))
    rep = site.publish_site([it, good], tmp_path)
    assert list(rep.not_published) == ["synthetic"]
    assert rep.not_published["synthetic"].startswith("ngày 1 (Chủ nhật 06/12/2026) không thăm cơ sở OCOP nào: ")
    assert site.publish_site([it], tmp_path / "en", lang="en").not_published["synthetic"].startswith(
        "day 1 (Sunday 2026-12-06) visits no OCOP producer: no producers in Bình Chánh")
    assert not (tmp_path / "routes" / "synthetic.html").exists() and (tmp_path / "routes" / "good-day.html").exists()
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "routes/synthetic.html" not in index and "routes/good-day.html" in index
