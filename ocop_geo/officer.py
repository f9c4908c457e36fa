"""The officer's report: what the tourism department must check before a route goes public.

Public pages say only what a visitor needs; everything meant for the department goes here instead: each day's
verdict and its reasons, the planner's warnings (opening hours assumed, approximate locations, must-visits kept
against a rule), the producers left out with their ids and why, routes not published, registry rows rejected or
not placed, and what the site still lacks (no base URL → no QR codes). One self-contained HTML file, written
beside the site, never inside it, in the language asked for.

Example
-------
>>> write_officer_report(itineraries, "maps/report.html", registry=reg, site=site_report)  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from . import settings
from .fileio import write_text_atomic
from .i18n import gettext, language
from .itinerary import Itinerary
from .modes import mode_name
from .pages import render_template
from .registry import Registry
from .verdict import day_names

__all__ = ["officer_context", "write_officer_report"]


def _route(it: Itinerary, lang: str, not_published: Mapping[str, str]) -> dict[str, Any]:
    """One route's part of the report."""
    days = []
    for day in it.days:
        vi, en = day_names(day.weekday, day.date)
        verdict = day.verdict
        days.append({
            "day": day.day, "when": vi if lang == "vi" else en, "status": day.status or "",
            "summary": (verdict.summary or {}).get(lang, "") if verdict else "",
            "status_name": gettext(day.status, lang) if day.status else "",
            # the summary already ends with the first reason; the others follow it
            "reasons": [r.vi if lang == "vi" else r.en for r in verdict.reasons[1 if verdict.summary else 0:]]
                       if verdict else [],
            "producers": verdict.producers if verdict else day.n_producers,  # producers at one stop count each
        })  # fmt: skip
    return {
        "id": it.route_id, "title": it.title.get(lang) or it.title.get("vi") or it.route_id,
        "mode": mode_name(it.mode, lang), "status_name": gettext(it.status, lang) if it.status else "",
        "status": it.status or "", "days": days, "warnings": list(it.warnings),
        "not_chosen": [{"id": n.site_id, "name": n.name, "code": n.code,
                        "reason": (n.reason_vi or n.reason) if lang == "vi" else n.reason}
                       for n in it.not_chosen],
        "not_published": not_published.get(it.route_id, ""),
    }  # fmt: skip


def _registry(registry: Registry | None) -> dict[str, Any]:
    """Rows rejected and producers / venues not placed."""
    if registry is None:
        return {"rejected": [], "unplaced": []}
    rejected = [{"file": Path(str(r["file"])).name, "row": r["row"], "problems": r["problems"]}
                for _, r in registry.rejected.iterrows()]  # fmt: skip
    unplaced = [{"id": str(r["producer_id"]), "name": str(r["name"]), "note": str(r.get("geocode_note") or "")}
                for _, r in registry.unplaced.iterrows()]  # fmt: skip
    venues = getattr(registry, "venues", None)
    if venues is not None and len(venues):
        unplaced += [{"id": str(r["venue_id"]), "name": str(r["name"]), "note": str(r.get("geocode_note") or "")}
                     for _, r in venues[venues.geometry.isna()].iterrows()]  # fmt: skip
    return {"rejected": rejected, "unplaced": unplaced}


def officer_context(itineraries: Sequence[Itinerary], *, registry: Registry | None = None,
                    not_published: Mapping[str, str] | None = None, site_warnings: Sequence[str] = (),
                    lang: str | None = None) -> dict[str, Any]:  # fmt: skip
    """The report's content as plain data (what the template shows; also handy in a notebook).

    Parameters
    ----------
    itineraries
        The planned routes (published or not).
    registry
        The registry they were planned over: its rejected and unplaced rows are listed.
    not_published
        ``route_id -> reason`` of routes the site left out (``SiteReport.not_published``).
    site_warnings
        The site's own notes (``SiteReport.warnings``, e.g. no base URL).
    lang
        ``"vi"`` or ``"en"``; default :func:`ocop_geo.i18n.language`.

    Returns
    -------
    dict
        ``routes`` (days with verdicts and reasons, warnings, producers left out), ``registry``, ``site_warnings``.
    """
    lang = language(lang)
    not_published = dict(not_published or {})
    routes = [_route(it, lang, not_published) for it in itineraries]
    return {"lang": lang, "routes": routes, "registry": _registry(registry), "site_warnings": list(site_warnings),
            "n_checks": sum(len(r["warnings"]) + len(r["not_chosen"]) for r in routes)}  # fmt: skip


def write_officer_report(itineraries: Sequence[Itinerary], path: str | os.PathLike, *,
                         registry: Registry | None = None, not_published: Mapping[str, str] | None = None,
                         site_warnings: Sequence[str] = (), lang: str | None = None) -> Path:  # fmt: skip
    """Write the officer's report (one self-contained HTML file) and return its path.

    Parameters
    ----------
    itineraries, registry, not_published, site_warnings, lang
        As in :func:`officer_context`.
    path
        The HTML file to write; keep it out of the public site folder.

    Returns
    -------
    Path
        ``path``, written atomically.
    """
    ctx = officer_context(itineraries, registry=registry, not_published=not_published,
                          site_warnings=site_warnings, lang=lang)  # fmt: skip
    lang = ctx["lang"]

    def _(message: str, **values: object) -> str:
        return gettext(message, lang, **values)

    html = render_template("officer.html", _=_, generated=_generated_at(), **ctx)
    return write_text_atomic(path, html)


def _generated_at() -> str:
    """When the report was made (local time, to the minute): the clock, or ``SOURCE_DATE_EPOCH`` when it is set
    (reproducible builds: the same inputs then give the same file)."""
    return settings.now().strftime("%Y-%m-%d %H:%M")
