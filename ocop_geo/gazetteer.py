"""The offline gazetteer: administrative units, streets, named places and POIs of HCMC.

Built from the bundled files only (``data/admin``, the OSM extract read with pyosmium, the OSM
POIs) and cached in ``settings.cache_dir`` under a name keyed by the hashes of those files, so a
changed input rebuilds it and an unchanged one loads in well under a second.

The 2019 ward polygons are the geometric truth. Every other administrative unit is a set of
those polygons ("members"):

* ``era="2019"`` — the 322 wards of the 2019 census (the polygons themselves);
* ``era="2021"`` — the 312 wards of 2021–2024 (after the 2020 mergers);
* ``era="2025-01"`` — the 273 wards of 1/2025 (after the 1/2025 mergers);
* ``era="2025-07"`` — the 168 units after 1/7/2025 (no districts), with their own polygons
  (``units_2025``, MIT, ``hcmc_wards_2025_07.geojson``); 66 of them lie in the former Bình Dương /
  Bà Rịa–Vũng Tàu and have no 2019 members;
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
#: 7: the 168 polygons of 7/2025 (``units_2025``), streets and places cut by them, boundary streets;
#: 6: unit keys by textnorm.admin_key (also the "Q." / "P." / "TP." / "TX." type words);
#: 5: "Ð" (121 OSM street names) read as "Đ"; "(ex Catinat)" dropped from street keys.
GAZETTEER_VERSION = 7

#: Thủ Đức city (2021–2024) was formed from these 2019 districts.
THU_DUC_CITY_CODE = "769"
_THU_DUC_PARTS = {"762": "Quận Thủ Đức", "763": "Quận 9", "769": "Quận 2"}

#: District-level units of the former Bình Dương and Bà Rịa–Vũng Tàu (2024 list of the General
#: Statistics Office) that ended on 1/7/2025: addresses still name them. Folded name -> (name, province).
FORMER_DISTRICTS: dict[str, tuple[str, str]] = {
    admin_key(name, level="district"): (name, province)
    for province, names in (
        ("Bình Dương", ("Thủ Dầu Một", "Thuận An", "Dĩ An", "Tân Uyên", "Bến Cát", "Bàu Bàng",
                        "Bắc Tân Uyên", "Dầu Tiếng", "Phú Giáo")),
        ("Bà Rịa – Vũng Tàu", ("Vũng Tàu", "Bà Rịa", "Phú Mỹ", "Châu Đức", "Xuyên Mộc", "Long Điền",
                               "Đất Đỏ", "Côn Đảo")),
    )
    for name in names
}

#: A street piece with at least this share of its length this close to its polygon's border runs
#: along the border: the side of the street (and so the ward) is not decided by the street.
BORDER_M = 25.0
BORDER_SHARE = 0.5

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
        ``district_code`` (2024 district), ``split_2025`` (the 7/2025 units the 1/2025 ward was
        split into, ", "-joined, or "").
    units_2025 : GeoDataFrame
        The 168 units after 1/7/2025 (positional index): ``code``, ``name``, ``lon``, ``lat`` (a
        point inside the polygon), ``old_hcmc`` (False in the former Bình Dương / Bà Rịa–Vũng Tàu).
    units : DataFrame
        One row per administrative unit: ``level``, ``era``, ``code``, ``name``, ``key``,
        ``members`` (tuple of polygon positions), ``district_keys`` (frozenset), ``lon``, ``lat``
        (a point inside the unit), ``whole`` (False when the unit only partly covers a member).
    streets : DataFrame
        ``poly``, ``key``, ``name``, ``lon``, ``lat``, ``length_m``, ``border``: one row per
        named street and 2019 ward polygon; the point lies on the street inside the polygon;
        ``border`` is True when the street runs along the polygon's border there.
    streets_2025 : DataFrame
        The same per 7/2025 unit (``poly`` is the position in ``units_2025``).
    places : DataFrame
        ``poly``, ``unit``, ``key``, ``name``, ``kind``, ``lon``, ``lat``: OSM named places and
        POIs with the 2019 polygon and the 7/2025 unit holding them.
    """

    polygons: gpd.GeoDataFrame
    units: pd.DataFrame
    streets: pd.DataFrame
    places: pd.DataFrame
    units_2025: gpd.GeoDataFrame = field(default_factory=gpd.GeoDataFrame)
    streets_2025: pd.DataFrame = field(default_factory=pd.DataFrame)
    sources: dict[str, str] = field(default_factory=dict)
    _trees: dict[str, shapely.STRtree] = field(default_factory=dict, repr=False)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_trees"] = {}
        return state

    def _tree(self, which: str) -> shapely.STRtree:
        """STRtree over the 2019 polygons or the 7/2025 units (built lazily, not pickled)."""
        if which not in self._trees:
            frame = self.polygons if which == "2019" else self.units_2025
            self._trees[which] = shapely.STRtree(np.asarray(frame.geometry.values))
        return self._trees[which]

    def locate(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Position of the 2019 polygon holding each point, ``-1`` outside every polygon."""
        return _locate(self._tree("2019"), lon, lat)

    def locate_2025(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Position in ``units_2025`` of the 7/2025 unit holding each point, ``-1`` outside all."""
        return _locate(self._tree("2025"), lon, lat)


def _locate(tree: shapely.STRtree, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    out = np.full(len(lon), -1, dtype=np.int64)
    ok = np.isfinite(lon) & np.isfinite(lat)
    if ok.any():
        points = shapely.points(lon[ok], lat[ok])
        pt_idx, poly_idx = tree.query(points, predicate="intersects")
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
        "units_2025_07": admin_dir / "hcmc_wards_2025_07.geojson",
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


def _read_polygons(path: Path) -> gpd.GeoDataFrame:
    try:
        frame = gpd.read_file(path)
    except (OSError, DataSourceError, DataLayerError) as exc:
        raise InputFileError(f"{path}: cannot read the polygons ({exc}); restore it from git") from exc
    return frame.to_crs(4326).reset_index(drop=True)


def _read_units_2025(path: Path, mapping: pd.DataFrame) -> gpd.GeoDataFrame:
    """The 168 units of 7/2025: code, name, a point inside (the file's rep_lon / rep_lat), old_hcmc."""
    raw = _read_polygons(path)
    units = gpd.GeoDataFrame({
        "code": raw["ward_code"].astype(str),
        "name": raw["full_name"].map(lambda n: " ".join(str(n).split())),
        "lon": raw["rep_lon"].astype(float),
        "lat": raw["rep_lat"].astype(float),
    }, geometry=raw.geometry.to_numpy(), crs=4326)
    units["old_hcmc"] = units["code"].isin(set(mapping["new_ward_code"]))
    return units


def _build_admin(files: dict[str, Path]) -> tuple[gpd.GeoDataFrame, pd.DataFrame, gpd.GeoDataFrame]:
    wards = _read_polygons(files["wards_2019"])
    wards["ward_code_2019"] = wards["ward_code"].astype(str)
    wards["district_code_2019"] = wards["district_code"].astype(str)
    wards["ward_name_2019"] = wards.apply(_ward_name_2019, axis=1)
    w21 = _read_csv(files["wards_2021"])
    w25 = _read_csv(files["wards_2025_01"])
    mapping = _read_csv(files["mapping_2025"])
    units_2025 = _read_units_2025(files["units_2025_07"], mapping)

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
    new_names = units_2025.set_index("code")["name"]
    splits = mapping.groupby("old_ward_code")["new_ward_code"].agg(list)
    wards["ward"] = wards["code_2025_01"].map(w25i["ward"]).fillna("")
    wards["ward_code"] = wards["code_2025_01"].fillna("")
    wards["district"] = wards["code_2025_01"].map(w25i["district"]).fillna("")
    wards["district_code"] = wards["code_2025_01"].map(w25i["district_code"]).fillna("")
    wards["split_2025"] = [
        ", ".join(new_names.get(n, n) for n in splits[c]) if c in splits and len(splits[c]) > 1 else ""
        for c in wards["code_2025_01"]
    ]

    units = _build_units(wards, w21, w25, units_2025, mapping)
    keep = [
        "ward_code_2019", "ward_name_2019", "district_code_2019", "ward", "ward_code", "district",
        "district_code", "split_2025", "geometry",
    ]
    return wards[keep], units, units_2025


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
    units_2025: gpd.GeoDataFrame,
    mapping: pd.DataFrame,
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
    for r in units_2025.itertuples():
        rel = mapping[mapping["new_ward_code"] == r.code]
        members = tuple(np.flatnonzero(np.isin(code25, rel["old_ward_code"].to_numpy())))
        whole_codes = rel.loc[rel["relation"] == "whole", "old_ward_code"].to_numpy()
        whole = tuple(np.flatnonzero(np.isin(code25, whole_codes)))
        # a point inside the 7/2025 polygon itself (the file's rep_lon / rep_lat)
        add("ward", "2025-07", r.code, r.name, members, whole=whole, lonlat=(r.lon, r.lat))
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


def _street_lines(lines: pd.DataFrame) -> np.ndarray:
    return np.array([shapely.LineString(c) for c in lines["coords"]], dtype=object)


#: Degrees to metres near HCMC (10.8 N): a local equirectangular scale is plenty to rank pieces.
_M_PER_DEG = np.array([109_300.0, 110_600.0])


def _to_metres(xy: np.ndarray) -> np.ndarray:
    return xy * _M_PER_DEG


def _build_streets(lines: pd.DataFrame, geoms: np.ndarray, polygons: gpd.GeoDataFrame) -> pd.DataFrame:
    """Cut every named street by the polygons; keep one point per (street, polygon).

    ``border`` marks a (street, polygon) whose pieces run mostly within :data:`BORDER_M` of the
    polygon's border: such a street is the border, and names no side.
    """
    cols = ["poly", "key", "name", "lon", "lat", "length_m", "border"]
    if lines.empty:
        return pd.DataFrame(columns=cols)
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
    parts_m = shapely.transform(parts, _to_metres)
    frame["length_m"] = shapely.length(parts_m)
    frame = frame[frame["key"] != ""]
    # the share of each piece within BORDER_M of its polygon's border
    rings_m = shapely.transform(shapely.boundary(polys), _to_metres)
    near = shapely.buffer(rings_m, BORDER_M, quad_segs=2)
    keep = frame.index.to_numpy()
    frame["near_m"] = shapely.length(shapely.intersection(parts_m[keep], near[frame["poly"].to_numpy()]))
    grouped = frame.groupby(["poly", "key"])
    total = grouped["length_m"].transform("sum")
    near_total = grouped["near_m"].transform("sum")
    best = frame.loc[grouped["length_m"].idxmax()].copy()
    mid = shapely.line_interpolate_point(best["geom"].to_numpy(), 0.5, normalized=True)
    best["lon"] = shapely.get_x(mid)
    best["lat"] = shapely.get_y(mid)
    best["length_m"] = total.loc[best.index].round(1)
    best["border"] = (near_total.loc[best.index] >= BORDER_SHARE * total.loc[best.index]).to_numpy()
    return best[cols].reset_index(drop=True)


def _build_places(osm_places: pd.DataFrame, pois_file: Path, gaz: Gazetteer) -> pd.DataFrame:
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
    places["poly"] = gaz.locate(places["lon"].to_numpy(), places["lat"].to_numpy())
    places["unit"] = gaz.locate_2025(places["lon"].to_numpy(), places["lat"].to_numpy())
    places = places[(places["poly"] >= 0) & (places["key"] != "")]
    return places[["poly", "unit", "key", "name", "kind", "lon", "lat"]].reset_index(drop=True)


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
    polygons, units, units_2025 = _build_admin(files)
    lines, osm_places = read_named_features(files["osm"])
    geoms = _street_lines(lines)
    gaz = Gazetteer(polygons=polygons, units=units, streets=_build_streets(lines, geoms, polygons),
                    places=pd.DataFrame(), units_2025=units_2025,
                    streets_2025=_build_streets(lines, geoms, units_2025))
    gaz.places = _build_places(osm_places, files["pois"], gaz)
    gaz.sources = {k: str(p) for k, p in files.items()}
    logger.info(
        "built gazetteer in %.1f s: %d + %d polygons, %d unit names, %d + %d street pieces, %d places",
        time.perf_counter() - t0, len(polygons), len(units_2025), len(units), len(gaz.streets),
        len(gaz.streets_2025), len(gaz.places),
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
    try:
        write_bytes_atomic(path, pickle.dumps(gaz, protocol=pickle.HIGHEST_PROTOCOL))
    except OSError as exc:  # a read-only or full cache folder: built, just not kept
        logger.warning("cannot write the gazetteer cache %s (%s); going on without it", path, exc.strerror or exc)
    else:
        logger.info("cached gazetteer at %s", path)
    return gaz


_GAZETTEER: Gazetteer | None = None


def get_gazetteer() -> Gazetteer:
    """The process-wide gazetteer (built or loaded once, then kept in memory)."""
    global _GAZETTEER
    if _GAZETTEER is None:
        _GAZETTEER = load_gazetteer()
    return _GAZETTEER
