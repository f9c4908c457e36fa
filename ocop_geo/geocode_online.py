"""Optional online twin of the offline geocoder: geopy's Nominatim, off by default.

Never used by default nor by the tests (those needing it carry the ``online`` marker). It needs
``pip install geopy`` (the ``online`` extra) and ``settings.allow_online`` (``OCOP_GEO_ONLINE=1``)
or ``allow=True``. Requests are spaced ≥ 1 s apart (Nominatim's usage policy) and every answer,
including "not found", is cached on disk (``settings.cache_dir / "nominatim.json"``) so a
re-run asks nothing twice. Answers pass through the same offline reverse lookup so they carry
the same ward / district names and codes.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from . import settings
from ._errors import OcopGeoError
from .fileio import write_text_atomic
from .geocode import reverse_geocode
from .textnorm import fold

logger = logging.getLogger(__name__)

#: Seconds between two requests (Nominatim allows at most one per second).
MIN_DELAY_S = 1.0
#: Seconds to wait before the one retry of a failed request.
RETRY_WAIT_S = 5.0

_USER_AGENT = "ocop_geo/0.1 (OCOP producer route mapper)"


def _cache_file() -> Path:
    return Path(settings.cache_dir) / "nominatim.json"


#: Nominatim ``addresstype`` values finer than a ward, and the precision they stand for.
_PRECISION_OF = {
    "house": "poi", "building": "poi", "amenity": "poi", "shop": "poi", "tourism": "poi",
    "leisure": "poi", "office": "poi", "craft": "poi", "man_made": "poi", "historic": "poi",
    "road": "street",
}


def _load_cache() -> dict[str, list | None]:
    path = _cache_file()
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        logger.warning("ignoring unreadable Nominatim cache %s", path)
        return {}


def geocode_online(
    addresses: pd.Series,
    *,
    allow: bool | None = None,
    user_agent: str = _USER_AGENT,
    timeout_s: float = 10.0,
) -> pd.DataFrame:
    """Ask Nominatim for each address (cached, ≤ 1 request / s).

    Parameters
    ----------
    addresses
        Free-text addresses; ", Thành phố Hồ Chí Minh, Việt Nam" is appended when absent.
    allow
        Permit network use; defaults to ``settings.allow_online``.

    Returns
    -------
    DataFrame
        Indexed like ``addresses``: ``lat``, ``lon`` (NaN when not found) and ``kind``
        (Nominatim's ``addresstype``: "road", "house", "suburb", …; "" when not found).

    Raises
    ------
    OcopGeoError
        Online use is not allowed or geopy is missing.
    """
    if not (settings.allow_online if allow is None else allow):
        raise OcopGeoError("online geocoding is off: set OCOP_GEO_ONLINE=1 (needs internet)")
    try:
        from geopy.exc import GeopyError
        from geopy.extra.rate_limiter import RateLimiter
        from geopy.geocoders import Nominatim
    except ImportError as exc:
        raise OcopGeoError("online geocoding needs geopy: pip install 'ocop_geo[online]'") from exc
    cache = _load_cache()
    # errors are raised, not swallowed: a failed request must never be cached as "not found"
    limiter = RateLimiter(Nominatim(user_agent=user_agent, timeout=timeout_s).geocode,
                          min_delay_seconds=MIN_DELAY_S, max_retries=1, error_wait_seconds=RETRY_WAIT_S,
                          swallow_exceptions=False)
    lat = np.full(len(addresses), np.nan)
    lon = np.full(len(addresses), np.nan)
    kind = np.full(len(addresses), "", dtype=object)
    asked = 0
    try:
        for i, text in enumerate(addresses.fillna("").astype(str)):
            if not fold(text):
                continue
            query = text if "ho chi minh" in fold(text) else f"{text}, Thành phố Hồ Chí Minh, Việt Nam"
            key = fold(query)
            if key not in cache:
                try:
                    hit = limiter(query, country_codes="vn")
                except GeopyError as exc:
                    raise OcopGeoError(
                        f"Nominatim could not be asked about {text!r} ({type(exc).__name__}: {exc}); check the "
                        "internet connection, or run without --online (the offline results stand)"
                    ) from None
                cache[key] = (
                    [hit.latitude, hit.longitude, str(hit.raw.get("addresstype") or hit.raw.get("type", ""))]
                    if hit else None
                )
                asked += 1
            if cache[key]:
                lat[i], lon[i] = cache[key][0], cache[key][1]
                kind[i] = cache[key][2] if len(cache[key]) > 2 else ""
    finally:
        if asked:  # keep the answers already paid for, also when a later request failed
            write_text_atomic(_cache_file(), json.dumps(cache, ensure_ascii=False))
            logger.info("asked Nominatim %d times (%d answers from cache)", asked, len(addresses) - asked)
    return pd.DataFrame({"lat": lat, "lon": lon, "kind": kind}, index=addresses.index)


def improve_with_nominatim(
    frame: pd.DataFrame,
    result: pd.DataFrame,
    *,
    address_column: str | None,
    allow: bool | None = None,
) -> pd.DataFrame:
    """Replace offline results coarser than a street by finer Nominatim answers.

    An online point is taken only when Nominatim found a road or a building / POI (not just an
    area), and it falls in the ward (or district) the offline match found, or the offline
    geocoder placed nothing; the note says which source was used.
    """
    if address_column is None:
        return result
    coarse = result["precision"].isin(["ward", "district", "none"])
    if not coarse.any():
        return result
    online = geocode_online(frame.loc[coarse, address_column], allow=allow)
    found = online["lat"].notna() & online["kind"].isin(list(_PRECISION_OF))
    online = online[found]
    if online.empty:
        return result
    points = gpd.GeoSeries(gpd.points_from_xy(online["lon"], online["lat"]), index=online.index, crs=4326)
    rev = reverse_geocode(points)
    out = result.copy()
    for i in online.index:
        before = out.loc[i]
        same = (before["precision"] == "none" or (before["precision"] == "ward" and (rev.at[i, "ward_code"], rev.at[
                i, "unit_code_2025"]) == (before["ward_code"], before["unit_code_2025"])) or (before["precision"] == "district"
                and rev.at[i, "district_code"] == before["district_code"]))
        if not same or not rev.at[i, "inside"]:
            continue
        out.loc[i, ["lat", "lon"]] = online.loc[i, ["lat", "lon"]].to_numpy()
        for col in ("ward", "ward_code", "district", "district_code", "unit_2025", "unit_code_2025"):
            out.loc[i, col] = rev.at[i, col]
        out.loc[i, "precision"] = _PRECISION_OF[online.at[i, "kind"]]
        out.loc[i, "confidence"] = 0.7 if before["precision"] != "none" else 0.5
        out.loc[i, "geocode_note"] = "; ".join(
            x for x in (before["geocode_note"], "point from Nominatim (online)") if x)
    return out
