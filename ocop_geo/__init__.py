"""ocop_geo: tourism routes linking visitors to OCOP producers in Ho Chi Minh City.

The public API, in the order of the journey (everything else is internal and may change)::

    import ocop_geo as og

    registry = og.load_registry("producers.csv", "products.csv")      # validated, geocoded offline
    G = og.load_network(mode="motorbike")                             # osmnx-compatible, cached
    spec = og.RouteSpec.build(id="cu-chi-day", title_vi="Một ngày Củ Chi", mode="motorbike",
                              start="Chợ Bến Thành", days=["2026-12-05"], districts=["Củ Chi"])
    itinerary = og.plan_route(spec, registry, graph=G)
    stops, legs = itinerary.to_geodataframes()                        # GeoDataFrames: .explore(), QGIS
    og.route_map(itinerary).save("route.html")                        # folium map on the roads
    og.write_export(itinerary, "route.gpx", fmt="gpx")                # also kml, geojson, csv, pdf
    og.publish_site([itinerary], "site", registry=registry)           # the phone-first route site

Layers (imports run one way, checked by import-linter in ``make test``): core (``settings``,
errors, text, files) → readers (registry schema, tables, OSM, POIs, opening hours, modes) → data
(registry, geocoder, networks, matrices) → plan (specs, candidates, solver, itinerary, planner)
→ render (maps, exports, pages, site) → pipeline → command line.
"""

from __future__ import annotations

from . import settings
from ._errors import (
    InputFileError,
    NetworkError,
    OcopGeoError,
    PlanningError,
    ValidationError,
)
from .export import write_export
from .geocode import geocode_frame, reverse_geocode
from .itinerary import Itinerary, read_itinerary, write_itinerary
from .mapping import producer_map, route_map
from .matrix import route_between, travel_time_matrix
from .network import load_network
from .planner import plan_route
from .registry import Registry, load_bundled_registry, load_registry
from .site import publish_site
from .spec import RouteSpec, load_spec

__version__ = "0.1.0"

__all__ = [
    "InputFileError",
    "Itinerary",
    "NetworkError",
    "OcopGeoError",
    "PlanningError",
    "Registry",
    "RouteSpec",
    "ValidationError",
    "__version__",
    "geocode_frame",
    "load_bundled_registry",
    "load_network",
    "load_registry",
    "load_spec",
    "plan_route",
    "producer_map",
    "publish_site",
    "read_itinerary",
    "reverse_geocode",
    "route_between",
    "route_map",
    "settings",
    "travel_time_matrix",
    "write_export",
    "write_itinerary",
]
