"""Planning candidates: score, visit minutes and opening hours of every producer, as a :class:`Site`.

The score of a producer is configurable through :class:`ScoreWeights`: points for its best
certified OCOP star rating plus points per certified product. Visit minutes come from the
registry, else the route's default. Opening hours come from the registry (OSM
``opening_hours`` syntax); when the registry has none, or has text that cannot be read,
:data:`DEFAULT_OPENING_HOURS` is assumed and a warning says so, per producer.

Producers at one location (the same coordinates to 5 decimals, ~1 m: typically several producers
placed at one commune centroid, or two firms at one address) are one stop
(:func:`merge_colocated`): it visits all of them, one after the other, so its visit minutes are the
sum of theirs, its score the sum of their scores, its products all of theirs, and it is open when
every one of them is (the planner intersects their hours). Never two visits 0 km apart.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from ._errors import ValidationError
from .i18n import gettext as _
from .opening_hours import OpeningHours, parse_opening_hours
from .registry import Product, products_by_producer

__all__ = ["DEFAULT_OPENING_HOURS", "ScoreWeights", "Site", "build_sites", "merge_colocated"]

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
    #: The producers this stop stands for when several share its location (see :func:`merge_colocated`),
    #: itself first; empty for a stop of one producer.
    members: tuple[Site, ...] = ()

    @property
    def placed(self) -> bool:
        """Whether the site has a usable location."""
        return self.precision != "none" and math.isfinite(self.lat) and math.isfinite(self.lon)

    @property
    def member_ids(self) -> tuple[str, ...]:
        """Ids of every producer visited at this stop (just ``site_id`` for a single producer)."""
        return tuple(m.site_id for m in self.members) or (self.site_id,)


def merge_colocated(sites: Sequence[Site], *, first: frozenset[str] = frozenset()) -> list[Site]:
    """Producers at one location (coordinates equal to 5 decimals) as one stop visiting them all.

    The stop takes the id, place and hours of its first producer (one in ``first`` — the
    must-visits — else the highest score) and lists every producer in ``members``; its name joins
    their names with ``" + "``, its score, visit minutes, products and product count are their sums,
    its stars the best, its groups all of theirs. Other sites (POI stops, unplaced) pass unchanged.
    Order: the first appearance of each location.
    """
    groups: dict[tuple[float, float], list[Site]] = {}
    out: list[Site | tuple[float, float]] = []
    for s in sites:
        if s.kind != "producer" or not s.placed:
            out.append(s)
            continue
        key = (round(s.lat, 5), round(s.lon, 5))
        if key not in groups:
            groups[key] = []
            out.append(key)
        groups[key].append(s)
    merged: list[Site] = []
    for item in out:
        if isinstance(item, Site):
            merged.append(item)
            continue
        group = sorted(groups[item], key=lambda s: (s.site_id not in first, -s.score))
        if len(group) == 1:
            merged.append(group[0])
            continue
        head = group[0]
        stars = [s.stars for s in group if s.stars is not None]
        merged.append(replace(
            head, name=" + ".join(s.name for s in group), stars=max(stars) if stars else None,
            n_products=sum(s.n_products for s in group),
            groups=tuple(dict.fromkeys(g for s in group for g in s.groups)),
            products=tuple(p for s in group for p in s.products), score=sum(s.score for s in group),
            visit_min=sum(s.visit_min for s in group), hours_assumed=any(s.hours_assumed for s in group),
            members=tuple(group),
        ))  # fmt: skip
    return merged


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
                warnings.append(_("{id}: registry opening_hours cannot be used ({error}); assumed {hours!r}",
                                  id=pid, error=exc, hours=default_hours))
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
        warnings.append(_("opening hours assumed {hours!r} for {n} producer(s) the registry gives none for: {ids}; "
                          "confirm with the producers before the tour", hours=default_hours, n=len(assumed),
                          ids=", ".join(assumed)))
    log.info("built %d sites (%d with assumed opening hours)", len(sites), len(assumed))
    return sites, warnings


def _num(value: Any) -> float:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return math.nan
    return f
