"""Planning candidates: score, visit minutes and opening hours of every producer, as a :class:`Site`.

The score of a producer is configurable through :class:`ScoreWeights`: points for its best
certified OCOP star rating plus points per certified product. Visit minutes come from the
registry, else the route's default. Opening hours come from the registry (OSM
``opening_hours`` syntax); when the registry has none, or has text that cannot be read,
:data:`DEFAULT_OPENING_HOURS` is assumed and a warning says so, per producer.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ._errors import ValidationError
from .opening_hours import OpeningHours, parse_opening_hours
from .registry import Product, products_by_producer

__all__ = ["DEFAULT_OPENING_HOURS", "ScoreWeights", "Site", "build_sites"]

log = logging.getLogger(__name__)

#: Hours assumed for a producer the registry gives none for (farms and workshops in HCMC
#: commonly receive visitors on working days and Saturday; verify with the producer).
DEFAULT_OPENING_HOURS: str = "Mo-Sa 08:00-17:00"


@dataclass(frozen=True)
class ScoreWeights:
    """Points of a producer: ``star_<n>`` for its best certified rating, plus ``per_product``
    for each certified product; ``must_visit_bonus`` is added to must-visit producers."""

    star_3: float = 3.0
    star_4: float = 6.0
    star_5: float = 10.0
    per_product: float = 1.0
    must_visit_bonus: float = 0.0

    def points(self, stars: int | None, n_products: int) -> float:
        """Score of a producer with best rating ``stars`` and ``n_products`` certified products."""
        star_pts = {3: self.star_3, 4: self.star_4, 5: self.star_5}.get(stars or 0, 0.0)
        return star_pts + self.per_product * n_products


@dataclass(frozen=True)
class Site:
    """One place to visit as the planner sees it: a registry producer (``kind="producer"``) or a
    spec's POI stop (``kind="poi"``). ``lat``/``lon`` are NaN when it has no location. ``unit_2025`` is the
    post-7/2025 phường / xã / đặc khu from the registry's ``unit_2025`` column (``""`` when the frame has none)."""

    site_id: str
    name: str
    lat: float
    lon: float
    precision: str
    district: str
    ward: str
    stars: int | None
    n_products: int
    groups: tuple[str, ...]
    products: tuple[Product, ...]
    score: float
    visit_min: int
    hours: OpeningHours
    hours_assumed: bool
    kind: str = "producer"
    unit_2025: str = ""

    @property
    def placed(self) -> bool:
        """Whether the site has a usable location."""
        return self.precision != "none" and math.isfinite(self.lat) and math.isfinite(self.lon)


def _int_or_none(value: Any) -> int | None:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return int(f) if math.isfinite(f) else None


def _str(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return str(value).strip()


def build_sites(
    producers: pd.DataFrame,
    products: pd.DataFrame,
    *,
    weights: ScoreWeights | None = None,
    default_visit_minutes: int = 45,
    default_hours: str = DEFAULT_OPENING_HOURS,
) -> tuple[list[Site], list[str]]:
    """Turn the registry's producers and products into :class:`Site` records.

    Parameters
    ----------
    producers, products
        ``Registry.producers`` and ``Registry.products`` (see :mod:`ocop_geo.registry`).
    weights
        Score weights; default :class:`ScoreWeights`.
    default_visit_minutes
        Used when the registry has no ``visit_minutes`` for a producer.
    default_hours
        Used (with a warning) when the registry has no readable ``opening_hours``.

    Returns
    -------
    (sites, warnings)
        One site per producer in registry order, and one warning per assumed value.
    """
    weights = weights or ScoreWeights()
    default_oh = parse_opening_hours(default_hours)
    certified_by_producer = products_by_producer(products, include="certified")
    sites: list[Site] = []
    warnings: list[str] = []
    assumed: list[str] = []
    for row in producers.itertuples(index=False):
        pid = _str(row.producer_id)
        prods = tuple(certified_by_producer.get(pid, ()))
        stars_seen = [p.stars for p in prods if p.stars is not None]
        best = max(stars_seen) if stars_seen else None
        groups = tuple(dict.fromkeys(p.group for p in prods if p.group))
        n_certified = sum(p.n_products for p in prods)
        text = _str(getattr(row, "opening_hours", ""))
        hours, hours_assumed = default_oh, True
        if text:
            try:
                hours, hours_assumed = parse_opening_hours(text), False
            except ValidationError as exc:
                warnings.append(
                    f"{pid}: registry opening_hours cannot be used ({exc}); "
                    f"assumed {default_hours!r}"
                )
        if hours_assumed:
            assumed.append(pid)
        visit = _int_or_none(getattr(row, "visit_minutes", None))
        lat, lon = float(_num(row.lat)), float(_num(row.lon))
        sites.append(
            Site(
                site_id=pid, name=_str(row.name), lat=lat, lon=lon,
                precision=_str(row.location_precision) or "none",
                district=_str(row.district), ward=_str(row.ward),
                unit_2025=_str(getattr(row, "unit_2025", "")), stars=best,
                n_products=n_certified, groups=groups, products=prods,
                score=weights.points(best, n_certified),
                visit_min=visit if visit and visit > 0 else default_visit_minutes,
                hours=hours, hours_assumed=hours_assumed,
            )
        )  # fmt: skip
    if assumed:
        warnings.append(
            f"opening hours assumed {default_hours!r} for {len(assumed)} producer(s) the registry "
            f"gives none for: {', '.join(assumed)}; confirm with the producers before the tour"
        )
    log.info("built %d sites (%d with assumed opening hours)", len(sites), len(assumed))
    return sites, warnings


def _num(value: Any) -> float:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return math.nan
    return f
