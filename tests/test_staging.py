"""Publishing a site all at once (issue 15, D5 / D6): a failed or killed run leaves the previous site, stale pages
go, the department's own files stay, and two runs into one folder never mix."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from _publish_fixtures import itinerary

from ocop_geo import site
from ocop_geo.staging import MANIFEST, staged_folder


def _tree(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def test_a_failed_run_leaves_the_previous_site_as_it_was(tmp_path: Path, monkeypatch):
    out = tmp_path / "site"
    site.publish_site([itinerary(n_days=1)], out)
    before = {p: (out / p).read_bytes() for p in _tree(out)}

    calls = {"n": 0}
    real = site.render_template

    def failing(name, **ctx):  # the producers' index fails after the route pages were written
        calls["n"] += 1
        if name == "producers.html":
            raise OSError(30, "Read-only file system", str(out / "producers"))
        return real(name, **ctx)

    monkeypatch.setattr(site, "render_template", failing)
    second = replace(itinerary(n_days=2), route_id="second-route")
    with pytest.raises(OSError):
        site.publish_site([itinerary(n_days=1), second], out)
    assert calls["n"] > 1
    assert {p: (out / p).read_bytes() for p in _tree(out)} == before  # not one file changed, none added
    assert not list(tmp_path.glob(".site.staging-*"))


def test_stale_pages_are_removed_and_listed_own_files_kept(tmp_path: Path):
    out = tmp_path / "site"
    first = replace(itinerary(n_days=1), route_id="old-route")
    site.publish_site([first, itinerary(n_days=2)], out)
    (out / "gioi-thieu.html").write_text("<p>Trang của Sở</p>", encoding="utf-8")  # the department's own page
    assert (out / "routes" / "old-route.html").exists()
    rep = site.publish_site([itinerary(n_days=2)], out)
    assert not (out / "routes" / "old-route.html").exists()
    assert "routes/old-route.html" in rep.removed and "routes/old-route.gpx" in rep.removed
    assert rep.kept == ["gioi-thieu.html"] and (out / "gioi-thieu.html").read_text(encoding="utf-8")
    listed = set(json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"])
    assert listed == _tree(out) - {MANIFEST, "gioi-thieu.html"}
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "old-route" not in index


def test_a_site_published_before_manifests_loses_its_stale_route_pages(tmp_path: Path):
    out = tmp_path / "site"
    site.publish_site([itinerary(n_days=1)], out)
    (out / MANIFEST).unlink()  # as an older ocop_geo left it
    (out / "routes" / "gone.html").write_text("old", encoding="utf-8")
    (out / "logo.png").write_bytes(b"\x89PNG")
    rep = site.publish_site([itinerary(n_days=1)], out)
    assert "routes/gone.html" in rep.removed and not (out / "routes" / "gone.html").exists()
    assert rep.kept == ["logo.png"]


def _dead_pid() -> int:
    return int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True).stdout)  # fmt: skip


def test_leftovers_of_a_killed_run_are_swept_and_a_half_swap_is_undone(tmp_path: Path):
    out = tmp_path / "site"
    dead = _dead_pid()
    (tmp_path / f".site.staging-{dead}").mkdir()
    (tmp_path / f".site.staging-{dead}" / "index.html").write_text("half", encoding="utf-8")
    old = tmp_path / f".site.old-{dead}"  # killed after moving the site aside, before moving the new one in
    old.mkdir()
    (old / "index.html").write_text("the previous site", encoding="utf-8")
    with staged_folder(out) as st:
        assert (out / "index.html").read_text(encoding="utf-8") == "the previous site"  # put back first
        (st.path / "index.html").write_text("new", encoding="utf-8")
    assert (out / "index.html").read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != ".site.lock") == ["site"]


def test_two_runs_into_one_folder_take_turns_and_never_mix(tmp_path: Path):
    out = tmp_path / "site"
    order: list[str] = []

    def run(tag: str, delay: float) -> None:
        time.sleep(delay)
        with staged_folder(out) as st:
            order.append(f"{tag}-in")
            for i in range(5):
                (st.path / f"{tag}-{i}.html").write_text(tag, encoding="utf-8")
                time.sleep(0.05)
            order.append(f"{tag}-out")

    threads = [threading.Thread(target=run, args=("a", 0.0)), threading.Thread(target=run, args=("b", 0.05))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert order == ["a-in", "a-out", "b-in", "b-out"]  # b waited for a
    assert _tree(out) - {MANIFEST} == {f"b-{i}.html" for i in range(5)}  # b's site only: a's files were b's stale


def test_a_killed_publish_leaves_the_previous_site(tmp_path: Path):
    """SIGKILL in the middle of the site step: the previous site stays whole, the next run cleans up."""
    out = tmp_path / "site"
    site.publish_site([itinerary(n_days=1)], out)
    before = {p: (out / p).read_bytes() for p in _tree(out)}
    code = f"""
import sys, time
sys.path.insert(0, {str(Path(__file__).parent)!r})
from _publish_fixtures import itinerary
from ocop_geo import site
real = site._publish_producers
def slow(*a, **k):
    real(*a, **k)
    print("written", flush=True)
    time.sleep(60)
site._publish_producers = slow
site.publish_site([itinerary(n_days=3)], {str(out)!r})
"""
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "OCOP_GEO_LANG": "en"})  # fmt: skip
    assert proc.stdout.readline().strip() == "written"
    proc.kill()
    proc.wait()
    assert {p: (out / p).read_bytes() for p in _tree(out)} == before
    assert list(tmp_path.glob(".site.staging-*"))  # the killed run's half-built site …
    site.publish_site([itinerary(n_days=1)], out)
    assert not list(tmp_path.glob(".site.staging-*"))  # … is swept by the next run
