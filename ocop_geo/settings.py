"""Project-wide settings: where bundled data lives and where caches go.

Every setting is a typed module attribute, read when it is used: set one at run time
(``settings.cache_dir = Path(...)``) and every later call sees it. Until a setting is set, its
default is computed on each read, so the paths under ``data_dir`` follow a changed ``data_dir``
and the environment variables named below are read when the setting is used, not at import.
Delete a set value (``del settings.cache_dir``) to return to the default.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

#: Root of the repository (the folder that holds ``data/``).
repo_root: Path = Path(__file__).resolve().parent.parent

#: Bounding box of Ho Chi Minh City before the 7/2025 merger (lon_min, lat_min, lon_max, lat_max).
hcmc_bbox: tuple[float, float, float, float] = (106.35, 10.35, 107.05, 11.18)

#: Bounding box of Ho Chi Minh City since 1/7/2025, merged with Bình Dương and Bà Rịa–Vũng Tàu (Côn Đảo
#: included), from the 168 unit polygons (``admin/hcmc_wards_2025_07.geojson``) rounded outwards.
hcmc_2025_bbox: tuple[float, float, float, float] = (106.08, 8.57, 107.58, 11.51)

#: Attribution shown on every map and page.
osm_attribution: str = "© OpenStreetMap contributors"

# The settings below have computed defaults (see ``_DEFAULTS``); the annotations type them.

#: Bundled data shipped with the repository (``OCOP_GEO_DATA`` overrides; see data/README.md).
data_dir: Path
#: Cache of built indexes and graphs (``OCOP_GEO_CACHE`` overrides).
cache_dir: Path
#: Generated maps, exports and the published site.
maps_dir: Path
#: The bundled HCMC OpenStreetMap extract (2018-01-01 snapshot).
osm_extract: Path
#: Main roads where the OSM extract is empty (licence unknown, not ODbL).
roads_supplement: Path
#: The bundled OCOP registry in ocop_geo's own format.
registry_producers: Path
registry_products: Path
#: The bundled venues (OCOP showrooms, display points, fairs, agritourism sites …); read when the file exists.
registry_venues: Path
#: Administrative units and their gazetteers.
admin_dir: Path
#: OSM points of interest of the same extract.
pois_file: Path
#: Whether online services (Nominatim, Overpass) may be used; off unless ``OCOP_GEO_ONLINE=1``.
allow_online: bool
#: The language of messages and of the pages as they open: ``vi`` (default) or ``en`` (``OCOP_GEO_LANG`` overrides).
language: str


def now(tz: dt.tzinfo | None = None) -> dt.datetime:
    """The time written into generated files ("planned at", "generated"): the clock, or ``SOURCE_DATE_EPOCH``
    (seconds since 1970) when it is set, so that the same inputs give byte-identical files (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz or dt.UTC)
    return dt.datetime.now(tz)


def _data(*parts: str) -> Callable[[], Path]:
    """A default path under ``data_dir`` as it is now (set on the module, or its own default)."""
    return lambda: Path(globals().get("data_dir") or __getattr__("data_dir")).joinpath(*parts)


_DEFAULTS: dict[str, Callable[[], object]] = {
    "data_dir": lambda: Path(os.environ.get("OCOP_GEO_DATA", repo_root / "data")),
    "cache_dir": lambda: Path(os.environ.get("OCOP_GEO_CACHE", repo_root / ".cache")),
    "maps_dir": lambda: repo_root / "maps",
    "osm_extract": _data("osm", "hcm_2018.osm.pbf"),
    "roads_supplement": _data("roads_supplement", "hcmc_bus_corridors_gap.geojson"),
    "registry_producers": _data("registry", "producers.csv"),
    "registry_products": _data("registry", "products.csv"),
    "registry_venues": _data("registry", "venues.csv"),
    "admin_dir": _data("admin"),
    "pois_file": _data("pois", "hcm_2018_pois.geojson"),
    "allow_online": lambda: os.environ.get("OCOP_GEO_ONLINE", "0") == "1",
    "language": lambda: os.environ.get("OCOP_GEO_LANG", "vi"),
}


def __getattr__(name: str) -> object:
    """The default of a setting that was not set (computed now, from the current state)."""
    if name in _DEFAULTS:  # a value set on the module is found before __getattr__ is called
        return _DEFAULTS[name]()
    raise AttributeError(f"module {__name__!r} has no setting {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_DEFAULTS})
