"""On-disk cache of built networks: parquet columns keyed by content hashes.

A cache entry is a folder ``settings.cache_dir / "graphs" / <key>`` holding ``nodes.parquet``,
``edges.parquet`` (geometry as WKB) and, written last, ``manifest.json`` with the byte size of
both files. Every file is written atomically and an entry is read only when its
manifest exists and matches the files, so a partly written or damaged entry is never read
(it is rebuilt instead).

The key hashes the content of the OSM source, the supplementary layer and the urban-area
polygons, the mode, the mode's settings table, the builder's source code and
:data:`FORMAT_VERSION`: changing any of them builds a new entry.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

from . import settings
from .fileio import atomic_path, remove_stale_temps, write_text_atomic

log = logging.getLogger(__name__)

#: Bump when the stored columns change.
FORMAT_VERSION = "network-4"

#: Modules whose source code is part of the key: editing the builder invalidates the cache.
_BUILDER_MODULES = ("osm_reader.py", "modes.py", "network.py", "supplement.py", "graph_cache.py")

_HASHES: dict[tuple[str, int, int], str] = {}


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's content (memoised per path, size and modification time)."""
    path = Path(path)
    stat = path.stat()
    memo = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if memo not in _HASHES:
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        _HASHES[memo] = digest.hexdigest()
    return _HASHES[memo]


def cache_key(
    source: str | Path,
    *,
    mode: str,
    supplement: str | Path | None,
    settings_text: str,
    urban_path: str | Path | None = None,
) -> str:
    """The cache key of a network built from these inputs and settings."""
    urban = Path(urban_path) if urban_path else settings.admin_dir / "hcmc_districts_2019.geojson"
    parts = [
        FORMAT_VERSION,
        mode,
        file_sha256(source),
        file_sha256(supplement) if supplement else "-",
        file_sha256(urban) if urban.is_file() else "-",
        hashlib.sha256(settings_text.encode()).hexdigest(),
        *(file_sha256(Path(__file__).parent / name) for name in _BUILDER_MODULES),
    ]
    return f"{mode}-{hashlib.sha256('|'.join(parts).encode()).hexdigest()[:24]}"


def entry_dir(key: str) -> Path:
    """Folder of the cache entry ``key``."""
    return Path(settings.cache_dir) / "graphs" / key


def write(key: str, nodes: pd.DataFrame, edges: gpd.GeoDataFrame) -> Path:
    """Store a network's node and edge tables under ``key``; return the entry folder."""
    folder = entry_dir(key)
    manifest = folder / "manifest.json"
    if manifest.exists():
        manifest.unlink()  # invalidate first: a crash below leaves no readable half-entry
    folder.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(folder)  # left by a run killed while writing this entry
    table = pd.DataFrame(edges.drop(columns="geometry"))
    table["geometry"] = shapely.to_wkb(edges.geometry.array)
    info: dict[str, dict[str, object]] = {}
    for name, frame in (("nodes.parquet", nodes), ("edges.parquet", table)):
        with atomic_path(folder / name) as tmp:
            pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp)
        info[name] = {"size": (folder / name).stat().st_size}
    write_text_atomic(manifest, json.dumps({"format": FORMAT_VERSION, "files": info}, indent=1))
    log.info("cached network %s in %s", key, folder)
    return folder


def read(key: str) -> tuple[pd.DataFrame, gpd.GeoDataFrame] | None:
    """The cached ``(nodes, edges)`` of ``key``, or ``None`` when absent or incomplete."""
    folder = entry_dir(key)
    manifest = folder / "manifest.json"
    if folder.is_dir():
        remove_stale_temps(folder)
    if not manifest.is_file():
        return None
    try:
        info = json.loads(manifest.read_text(encoding="utf-8"))
        for name, meta in info["files"].items():
            path = folder / name
            if not path.is_file() or path.stat().st_size != meta["size"]:
                raise ValueError(f"{name} is missing or has the wrong size")
        nodes = pq.read_table(folder / "nodes.parquet").to_pandas()
        table = pq.read_table(folder / "edges.parquet").to_pandas()
    except (OSError, ValueError, KeyError, pa.ArrowException) as exc:
        log.warning("ignoring damaged network cache %s (%s); rebuilding", folder, exc)
        shutil.rmtree(folder, ignore_errors=True)
        return None
    geometry = shapely.from_wkb(table.pop("geometry").to_numpy())
    edges = gpd.GeoDataFrame(table, geometry=geometry, crs=4326)
    return nodes, edges


def clear() -> int:
    """Delete every cached network; return how many entries were removed."""
    root = Path(settings.cache_dir) / "graphs"
    if not root.is_dir():
        return 0
    entries = [p for p in root.iterdir() if p.is_dir()]
    for p in entries:
        shutil.rmtree(p, ignore_errors=True)
    return len(entries)
