"""Project-wide settings: where bundled data lives and where caches go.

Every setting is a typed module global; change it at run time (``settings.cache_dir = ...``)
or through the environment variables named below.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Root of the repository (the folder that holds ``data/``).
repo_root: Path = Path(__file__).resolve().parent.parent

#: Bundled data shipped with the repository (see data/README.md for provenance).
data_dir: Path = Path(os.environ.get("OCOP_GEO_DATA", repo_root / "data"))

#: Cache of built indexes and graphs; ``OCOP_GEO_CACHE`` overrides it.
cache_dir: Path = Path(os.environ.get("OCOP_GEO_CACHE", repo_root / ".cache"))

#: Generated maps, exports and the published site.
maps_dir: Path = repo_root / "maps"

#: The bundled HCMC OpenStreetMap extract (2018-01-01 snapshot).
osm_extract: Path = data_dir / "osm" / "hcm_2018.osm.pbf"

#: Main roads where the OSM extract is empty (licence unknown, not ODbL).
roads_supplement: Path = data_dir / "roads_supplement" / "hcmc_bus_corridors_gap.geojson"

#: The bundled OCOP registry in ocop_geo's own format.
registry_producers: Path = data_dir / "registry" / "producers.csv"
registry_products: Path = data_dir / "registry" / "products.csv"

#: Administrative units and their gazetteers.
admin_dir: Path = data_dir / "admin"

#: OSM points of interest of the same extract.
pois_file: Path = data_dir / "pois" / "hcm_2018_pois.geojson"

#: Bounding box of Ho Chi Minh City before the 7/2025 merger (lon_min, lat_min, lon_max, lat_max).
hcmc_bbox: tuple[float, float, float, float] = (106.35, 10.35, 107.05, 11.18)

#: Attribution shown on every map and page.
osm_attribution: str = "© OpenStreetMap contributors"

#: Whether online services (Nominatim, Overpass) may be used; off by default.
allow_online: bool = os.environ.get("OCOP_GEO_ONLINE", "0") == "1"
