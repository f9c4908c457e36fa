"""The offline gazetteer: administrative units, streets, named places and POIs of HCMC.

Built from the bundled files only (``data/admin``, the OSM extract read with pyosmium, the OSM
POIs) and cached in ``settings.cache_dir`` under a name keyed by the hashes of those files, so a
changed input rebuilds it and an unchanged one loads in well under a second.

The 2019 ward polygons are the geometric truth. Every other administrative unit is a set of
those polygons ("members"):

* ``era="2019"`` — the 322 wards of the 2019 census (the polygons themselves);
* ``era="2021"`` — the 312 wards of 2021–2024 (after the 2020 mergers);
* ``era="2025-01"`` — the 273 wards of 1/2025 (after the 1/2025 mergers);
* ``era="2025-07"`` — the 168 units after 1/7/2025 (no districts; 66 of them lie in the former
  Bình Dương / Bà Rịa–Vũng Tàu and have no polygon here, only their listed centre);
* ``level="district"`` — the 24 districts of 2019 plus Thành phố Thủ Đức (2021–2024).

Wards dissolved in a merger are not named in the polygon file; they are assigned to the
surviving ward of the same district whose listed 1/2025 centre lies inside them, else to the one
whose 1/2025 bounding box covers them best (ties broken by the longest shared boundary).
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import re
import time
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
from .osm_reader import read_named_features
from .pois import read_pois
from .textnorm import admin_key, fold

logger = logging.getLogger(__name__)

#: Bump when the cached structure changes so old caches are ignored.
#: 6: unit keys by textnorm.admin_key (also the "Q." / "P." / "TP." / "TX." type words);
#: 5: "Ð" (121 OSM street names) read as "Đ"; "(ex Catinat)" dropped from street keys.
GAZETTEER_VERSION = 6

#: Thủ Đức city (2021–2024) was formed from these 2019 districts.
THU_DUC_CITY_CODE = "769"
_THU_DUC_PARTS = {"762": "Quận Thủ Đức", "763": "Quận 9", "769": "Quận 2"}

_STREET_PREFIX = re.compile(r"^(đường|duong|đ)\s+", re.IGNORECASE)


def street_key(name: object) -> str:
    """Comparison key of a street name: the word "Đường" dropped, then folded.

    Only the diacritic spelling ``Đường`` or an explicit ``Đ.`` is dropped, so the street
    ``Dương Bá Trạc`` keeps its first word.

    >>> street_key("Đường Nguyễn Trãi"), street_key("Dương Bá Trạc")
    ('nguyen trai', 'duong ba trac')
    """
    text = str(name or "").strip().replace("Ð", "Đ").replace("ð", "đ")  # look-alike Eth, as typed in OSM
    text = re.sub(r"\s*\([^)]*\)", "", text).strip() or text  # "Đồng Khởi (ex Catinat)"
    if text[:5].lower() == "đường" or text[:2].lower() == "đ.":
        text = _STREET_PREFIX.sub("", text.replace("Đ.", "Đ ").replace("đ.", "đ "), count=1)
    return fold(text)


@dataclass
class Gazetteer:
    """Everything the matcher needs, as plain frames and arrays.

    Attributes
    ----------
    polygons : GeoDataFrame
        The 2019 ward polygons (EPSG:4326, positional index 0..n-1) with the attributes a
        reverse lookup returns: ``ward``, ``ward_code`` (1/2025 ward), ``district``,
        ``district_code`` (2024 district), ``ward_2025``, ``ward_code_2025`` (after 7/2025),
        ``split_2025`` (other 7/2025 wards the 1/2025 ward was split into, or "").
    units : DataFrame
        One row per administrative unit: ``level``, ``era``, ``code``, ``name``, ``key``,
        ``members`` (tuple of polygon positions), ``district_keys`` (frozenset), ``lon``, ``lat``
        (a point inside the unit), ``whole`` (False when the unit only partly covers a member).
    streets : DataFrame
        ``poly``, ``key``, ``name``, ``lon``, ``lat``, ``length_m``: one row per named street
        and ward polygon; the point lies on the street inside the polygon.
    places : DataFrame
        ``poly``, ``key``, ``name``, ``kind``, ``lon``, ``lat``: OSM named places and POIs.
    """

    polygons: gpd.GeoDataFrame
    units: pd.DataFrame
    streets: pd.DataFrame
    places: pd.DataFrame
    sources: dict[str, str] = field(default_factory=dict)
    _tree: shapely.STRtree | None = field(default=None, repr=False)

    @property
    def tree(self) -> shapely.STRtree:
        """STRtree over the ward polygons (built lazily, not pickled)."""
        if self._tree is None:
            self._tree = shapely.STRtree(np.asarray(self.polygons.geometry.values))
        return self._tree

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_tree"] = None
        return state

    def locate(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Position of the 2019 polygon holding each point, ``-1`` outside every polygon."""
        lon = np.asarray(lon, dtype=float)
        lat = np.asarray(lat, dtype=float)
        out = np.full(len(lon), -1, dtype=np.int64)
        ok = np.isfinite(lon) & np.isfinite(lat)
        if ok.any():
            points = shapely.points(lon[ok], lat[ok])
            pt_idx, poly_idx = self.tree.query(points, predicate="intersects")
            sub = np.full(int(ok.sum()), -1, dtype=np.int64)
            # a point on a shared boundary takes the first polygon, deterministically
            order = np.lexsort((poly_idx, pt_idx))
            pt_idx, poly_idx = pt_idx[order], poly_idx[order]
            first = np.unique(pt_idx, return_index=True)[1]
            sub[pt_idx[first]] = poly_idx[first]
            out[ok] = sub
        return out


# --------------------------------------------------------------------------- loading inputs


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputFileError(f"{path}: cannot read the gazetteer table ({exc}); restore it from git") from exc


def _input_files(admin_dir: Path, osm_extract: Path, pois_file: Path) -> dict[str, Path]:
    return {
        "wards_2019": admin_dir / "hcmc_wards_2019.geojson",
        "districts_2019": admin_dir / "hcmc_districts_2019.geojson",
        "wards_2021": admin_dir / "hcmc_wards_2021_2024.csv",
        "wards_2025_01": admin_dir / "hcmc_wards_2025_01.csv",
        "wards_2025_07": admin_dir / "hcmc_wards_2025_07.csv",
        "mapping_2025": admin_dir / "hcmc_ward_2025_01_to_2025_07.csv",
        "osm": osm_extract,
        "pois": pois_file,
    }


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


# --------------------------------------------------------------------------- admin units


def _utm(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gdf.to_crs(gdf.estimate_utm_crs())


def _assign_dissolved(
    polys: np.ndarray,
    polys_m: np.ndarray,
    dissolved: np.ndarray,
    candidates_of: dict[int, list[str]],
    own_polygon: dict[str, int],
    bounds: dict[str, tuple[float, float, float, float]],
) -> dict[int, str]:
    """Give every dissolved polygon the surviving code it most plausibly merged into.

    The merged ward's 1/2025 bounding box must cover the dissolved polygon: the candidates
    covering the largest share of it win; among near-equals the longest shared boundary does.
    """
    assigned: dict[int, str] = {}
    for i in dissolved:
        cands = candidates_of.get(int(i), [])
        if not cands:
            continue
        poly = polys[i]
        cover = np.array([
            shapely.area(shapely.intersection(poly, shapely.box(b[1], b[0], b[3], b[2])))
            / max(poly.area, 1e-12)
            if (b := bounds.get(c)) is not None else 0.0
            for c in cands
        ])
        pool = [c for c, f in zip(cands, cover, strict=True) if f >= 0.9 * cover.max()]
        if len(pool) > 1 or cover.max() == 0:
            pool = pool if cover.max() > 0 else cands
            boundary = polys_m[i].boundary
            shared = [
                shapely.length(shapely.intersection(boundary, polys_m[own_polygon[c]].buffer(1.0)))
                for c in pool
            ]
            pool = [pool[int(np.argmax(shared))]]
        assigned[int(i)] = pool[0]
    return assigned


def _parse_bounds(text: str) -> tuple[float, float, float, float] | None:
    nums = re.findall(r"-?\d+\.\d+", text or "")
    if len(nums) != 4:
        return None
    lat0, lon0, lat1, lon1 = map(float, nums)
    return (min(lat0, lat1), min(lon0, lon1), max(lat0, lat1), max(lon0, lon1))


def _district_2025_code(code_2019: str) -> str:
    return THU_DUC_CITY_CODE if code_2019 in _THU_DUC_PARTS else code_2019


def _build_admin(files: dict[str, Path]) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    try:
        wards = gpd.read_file(files["wards_2019"])
    except (OSError, DataSourceError, DataLayerError) as exc:
        raise InputFileError(f"{files['wards_2019']}: cannot read the ward polygons ({exc})") from exc
    wards = wards.to_crs(4326).reset_index(drop=True)
    wards["ward_code_2019"] = wards["ward_code"].astype(str)
    wards["district_code_2019"] = wards["district_code"].astype(str)
    wards["ward_name_2019"] = wards.apply(_ward_name_2019, axis=1)
    w21 = _read_csv(files["wards_2021"])
    w25 = _read_csv(files["wards_2025_01"])
    w257 = _read_csv(files["wards_2025_07"])
    mapping = _read_csv(files["mapping_2025"])

    polys = wards.geometry.to_numpy()
    polys_m = _utm(wards).geometry.to_numpy()
    dist25 = wards["district_code_2019"].map(_district_2025_code).to_numpy()
    code_pos = {c: i for i, c in enumerate(wards["ward_code_2019"])}

    def assign(survivors: set[str], district_of: pd.Series, bounds: dict,
               anchors: dict[int, str] | None = None) -> np.ndarray:
        codes = np.array(
            [c if c in survivors else "" for c in wards["ward_code_2019"]], dtype=object
        )
        # a merged ward's listed centre inside a dissolved polygon settles where it went
        for i, c in (anchors or {}).items():
            if codes[i] == "" and district_of.get(c) == dist25[i]:
                codes[i] = c
        dissolved = np.flatnonzero(codes == "")
        cands = {
            int(i): [c for c in survivors if district_of.get(c) == dist25[i]] for i in dissolved
        }
        for i, c in _assign_dissolved(polys, polys_m, dissolved, cands, code_pos, bounds).items():
            codes[i] = c
        return codes

    d21 = w21.set_index("ward_code")["district_code"].map(_district_2025_code)
    d25 = w25.set_index("ward_code")["district_code"]
    bounds25 = {
        r.ward_code: b for r in w25.itertuples() if (b := _parse_bounds(r.ward_bounds)) is not None
    }
    wards["code_2021"] = assign(set(w21["ward_code"]), d21, bounds25)
    centres = shapely.points(w25["ward_lon"].astype(float), w25["ward_lat"].astype(float))
    pt_i, poly_i = shapely.STRtree(polys).query(centres, predicate="within")
    anchors = {int(j): w25["ward_code"].iloc[k] for k, j in zip(pt_i, poly_i, strict=True)}
    wards["code_2025_01"] = assign(set(w25["ward_code"]), d25, bounds25, anchors)

    # reverse-lookup attributes of every polygon
    w25i = w25.set_index("ward_code")
    default_new = mapping[mapping["is_default_new_ward"] == "1"].set_index("old_ward_code")
    new_names = w257.set_index("ward_code")["ward"]
    splits = mapping.groupby("old_ward_code")["new_ward"].agg(list)
    wards["ward"] = wards["code_2025_01"].map(w25i["ward"]).fillna("")
    wards["ward_code"] = wards["code_2025_01"].fillna("")
    wards["district"] = wards["code_2025_01"].map(w25i["district"]).fillna("")
    wards["district_code"] = wards["code_2025_01"].map(w25i["district_code"]).fillna("")
    wards["ward_code_2025"] = wards["code_2025_01"].map(default_new["new_ward_code"]).fillna("")
    wards["ward_2025"] = wards["ward_code_2025"].map(new_names).fillna("")
    wards["split_2025"] = [
        ", ".join(n for n in splits.get(c, []) if n != main) if c in splits else ""
        for c, main in zip(wards["code_2025_01"], wards["ward_2025"], strict=True)
    ]

    units = _build_units(wards, w21, w25, w257, mapping, files)
    keep = [
        "ward_code_2019", "ward_name_2019", "district_code_2019", "ward", "ward_code", "district",
        "district_code", "ward_2025", "ward_code_2025", "split_2025", "geometry",
    ]
    return wards[keep], units


def _ward_name_2019(row: pd.Series) -> str:
    if isinstance(row["ward_name_vi"], str) and row["ward_name_vi"].strip():
        return " ".join(row["ward_name_vi"].split())
    ascii_name = str(row["ward_name_ascii"])
    number = re.fullmatch(r"Ward (\d+)", ascii_name)
    return f"Phường {number.group(1)}" if number else f"Phường {ascii_name}"


def _district_name_2019(code: str, ascii_name: str, name_2024: str) -> str:
    if code in _THU_DUC_PARTS:
        return _THU_DUC_PARTS[code]
    return name_2024 or ascii_name


def _build_units(
    wards: gpd.GeoDataFrame,
    w21: pd.DataFrame,
    w25: pd.DataFrame,
    w257: pd.DataFrame,
    mapping: pd.DataFrame,
    files: dict[str, Path],
) -> pd.DataFrame:
    geoms = wards.geometry.to_numpy()
    d2019 = wards["district_code_2019"].to_numpy()
    d_names_2024 = wards.groupby("district_code_2019")["district"].agg(
        lambda s: next((x for x in s if x), "")
    )
    d_ascii = wards.groupby("district_code_2019")["district_name_ascii"].first()
    d_name_2019 = {
        c: _district_name_2019(c, d_ascii[c], d_names_2024.get(c, "")) for c in d_ascii.index
    }

    def dkeys(members: tuple[int, ...]) -> frozenset[str]:
        keys: set[str] = set()
        for m in members:
            c = d2019[m]
            keys.add(admin_key(d_name_2019[c], level="district"))
            keys.add(admin_key(d_ascii[c], level="district"))
            keys.add(admin_key(d_names_2024.get(c, ""), level="district"))
        keys.discard("")
        return frozenset(keys)

    rows: list[dict] = []

    def add(level: str, era: str, code: str, name: str, members: tuple[int, ...],
            whole: tuple[int, ...] | None = None, lonlat: tuple[float, float] | None = None,
            district: str = "", aliases: tuple[str, ...] = ()) -> None:
        whole = members if whole is None else whole
        if lonlat is None:
            geom = shapely.union_all(geoms[list(whole or members)])
            pt = geom.representative_point()
            lonlat = (pt.x, pt.y)
        key = admin_key(name, level=level)
        for k in {key, *aliases} - {""}:
            rows.append({
                "level": level, "era": era, "code": str(code), "name": name, "key": k,
                "members": tuple(sorted(int(m) for m in members)), "district_keys": dkeys(members),
                "lon": float(lonlat[0]), "lat": float(lonlat[1]),
                "whole": len(whole) == len(members), "district": district,
            })

    for i, row in wards.iterrows():
        add("ward", "2019", row["ward_code_2019"], row["ward_name_2019"], (i,),
            aliases=(admin_key(row["ward_name_ascii"]),), district=d_name_2019[d2019[i]])
    for r in w21.itertuples():
        members = tuple(np.flatnonzero(wards["code_2021"].to_numpy() == r.ward_code))
        if members:
            add("ward", "2021", r.ward_code, " ".join(r.ward.split()), members, district=r.district)
    for r in w25.itertuples():
        members = tuple(np.flatnonzero(wards["code_2025_01"].to_numpy() == r.ward_code))
        if members:
            add("ward", "2025-01", r.ward_code, r.ward, members, district=r.district)
    code25 = wards["code_2025_01"].to_numpy()
    for r in w257.itertuples():
        rel = mapping[mapping["new_ward_code"] == r.ward_code]
        members = tuple(np.flatnonzero(np.isin(code25, rel["old_ward_code"].to_numpy())))
        whole_codes = rel.loc[rel["relation"] == "whole", "old_ward_code"].to_numpy()
        whole = tuple(np.flatnonzero(np.isin(code25, whole_codes)))
        lonlat = None if members else (float(r.ward_lon), float(r.ward_lat))
        add("ward", "2025-07", r.ward_code, r.ward, members, whole=whole, lonlat=lonlat)
    for code, name in d_name_2019.items():
        members = tuple(np.flatnonzero(d2019 == code))
        add("district", "2019", code, name, members, aliases=(admin_key(d_ascii[code], level="district"),))
    members = tuple(np.flatnonzero(np.isin(d2019, list(_THU_DUC_PARTS))))
    add("district", "2021", THU_DUC_CITY_CODE, "Thành phố Thủ Đức", members)

    units = pd.DataFrame(rows)
    # one row per (level, key, place): the same name and polygons in several eras is one place
    units = units.drop_duplicates(subset=["level", "key", "members", "name"], keep="last")
    return units.reset_index(drop=True)


# --------------------------------------------------------------------------- OSM streets, places


def _build_streets(lines: pd.DataFrame, polygons: gpd.GeoDataFrame) -> pd.DataFrame:
    """Cut every named street by the ward polygons; keep one point per (street, ward)."""
    cols = ["poly", "key", "name", "lon", "lat", "length_m"]
    if lines.empty:
        return pd.DataFrame(columns=cols)
    geoms = np.array([shapely.LineString(c) for c in lines["coords"]], dtype=object)
    polys = polygons.geometry.to_numpy()
    tree = shapely.STRtree(polys)
    li, pi = tree.query(geoms, predicate="intersects")
    pieces = shapely.intersection(geoms[li], polys[pi])
    parts, owner = shapely.get_parts(pieces, return_index=True)
    is_line = shapely.get_type_id(parts) == 1
    parts, owner = parts[is_line], owner[is_line]
    frame = pd.DataFrame({
        "poly": pi[owner],
        "name": lines["name"].to_numpy()[li[owner]],
        "geom": parts,
    })
    frame["key"] = frame["name"].map(street_key)
    # metres: a local equirectangular scale is plenty to rank pieces
    coords_len = shapely.length(shapely.transform(parts, lambda xy: xy * [109_000.0, 110_600.0]))
    frame["length_m"] = coords_len
    frame = frame[frame["key"] != ""]
    total = frame.groupby(["poly", "key"])["length_m"].transform("sum")
    best = frame.loc[frame.groupby(["poly", "key"])["length_m"].idxmax()].copy()
    mid = shapely.line_interpolate_point(best["geom"].to_numpy(), 0.5, normalized=True)
    best["lon"] = shapely.get_x(mid)
    best["lat"] = shapely.get_y(mid)
    best["length_m"] = total.loc[best.index].round(1)
    return best[cols].reset_index(drop=True)


def _build_places(osm_places: pd.DataFrame, pois_file: Path, gaz_locate) -> pd.DataFrame:
    pois = read_pois(pois_file)
    frames = [
        osm_places,
        pd.DataFrame({
            "name": pois["name"].to_numpy(),
            "kind": pois["category"].fillna("").to_numpy(),
            "lon": pois.geometry.x.to_numpy(),
            "lat": pois.geometry.y.to_numpy(),
        }),
    ]
    places = pd.concat(frames, ignore_index=True)
    places["key"] = places["name"].map(fold)
    places["poly"] = gaz_locate(places["lon"].to_numpy(), places["lat"].to_numpy())
    places = places[(places["poly"] >= 0) & (places["key"] != "")]
    return places[["poly", "key", "name", "kind", "lon", "lat"]].reset_index(drop=True)


# --------------------------------------------------------------------------- public entry points


def build_gazetteer(
    *,
    admin_dir: Path | None = None,
    osm_extract: Path | None = None,
    pois_file: Path | None = None,
) -> Gazetteer:
    """Build the gazetteer from the bundled files (no cache involved).

    Parameters
    ----------
    admin_dir, osm_extract, pois_file
        Inputs; default to ``settings.admin_dir``, ``settings.osm_extract``, ``settings.pois_file``.

    Returns
    -------
    Gazetteer
    """
    files = _input_files(
        Path(admin_dir or settings.admin_dir),
        Path(osm_extract or settings.osm_extract),
        Path(pois_file or settings.pois_file),
    )
    missing = [str(p) for p in files.values() if not p.exists()]
    if missing:
        raise InputFileError(
            "gazetteer inputs missing: " + ", ".join(missing) + "; restore them from git (data/)"
        )
    t0 = time.perf_counter()
    polygons, units = _build_admin(files)
    lines, osm_places = read_named_features(files["osm"])
    streets = _build_streets(lines, polygons)
    gaz = Gazetteer(polygons=polygons, units=units, streets=streets, places=pd.DataFrame())
    gaz.places = _build_places(osm_places, files["pois"], gaz.locate)
    gaz.sources = {k: str(p) for k, p in files.items()}
    logger.info(
        "built gazetteer in %.1f s: %d polygons, %d unit names, %d street pieces, %d places",
        time.perf_counter() - t0, len(polygons), len(units), len(streets), len(gaz.places),
    )
    return gaz


def cache_path(
    *,
    admin_dir: Path | None = None,
    osm_extract: Path | None = None,
    pois_file: Path | None = None,
) -> Path:
    """Where the gazetteer built from these inputs is cached (name keyed by input hashes)."""
    files = _input_files(
        Path(admin_dir or settings.admin_dir),
        Path(osm_extract or settings.osm_extract),
        Path(pois_file or settings.pois_file),
    )
    digest = hashlib.sha256()
    digest.update(str(GAZETTEER_VERSION).encode())
    for name in sorted(files):
        if files[name].exists():
            digest.update(f"{name}:{_file_hash(files[name])}".encode())
    return Path(settings.cache_dir) / f"gazetteer-{digest.hexdigest()[:20]}.pkl"


def load_gazetteer(*, rebuild: bool = False) -> Gazetteer:
    """The gazetteer of the bundled data: loaded from the disk cache, or built and cached.

    Parameters
    ----------
    rebuild
        Ignore an existing cache file and build again.
    """
    path = cache_path()
    if path.exists() and not rebuild:
        t0 = time.perf_counter()
        try:
            with open(path, "rb") as fh:
                gaz = pickle.load(fh)
            if isinstance(gaz, Gazetteer):
                logger.info("loaded gazetteer from %s in %.2f s", path, time.perf_counter() - t0)
                return gaz
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError,
                ValueError, IndexError) as exc:  # truncated, or written by other library versions
            logger.warning("ignoring unreadable gazetteer cache %s (%s); rebuilding", path, exc)
    gaz = build_gazetteer()
    write_bytes_atomic(path, pickle.dumps(gaz, protocol=pickle.HIGHEST_PROTOCOL))
    logger.info("cached gazetteer at %s", path)
    return gaz


_GAZETTEER: Gazetteer | None = None


def get_gazetteer() -> Gazetteer:
    """The process-wide gazetteer (built or loaded once, then kept in memory)."""
    global _GAZETTEER
    if _GAZETTEER is None:
        _GAZETTEER = load_gazetteer()
    return _GAZETTEER
