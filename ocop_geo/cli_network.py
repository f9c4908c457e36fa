"""``ocop-geo network build|info``: build (and cache) road networks per mode and describe them."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import networkx as nx
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .cli_common import HELP_LANG, console
from .i18n import N_
from .i18n import gettext as _
from .modes import MODES
from .network import graph_summary, load_network
from .snapping import coverage

log = logging.getLogger(__name__)

network_app = typer.Typer(
    help=_("Road networks per travel mode, from the bundled OSM extract or your own.\n\n"
           "Example: ocop-geo network build --mode motorbike --mode coach", HELP_LANG),
    no_args_is_help=True,
)

_MODE_HELP = N_(
    "Travel mode: motorbike, car, coach, bicycle or walk (repeat the option for several; 'all')."
)
_SOURCE_HELP = N_(
    "OSM extract (.osm.pbf, .osm, .osm.bz2) or .graphml; default: the bundled HCMC 2018 extract."
)
_SUPPLEMENT_HELP = N_(
    "Supplementary road LineStrings (GeoJSON / GeoPackage); default: the bundled layer."
)


def register(app: typer.Typer) -> None:
    """Add the ``network`` command group to the app."""
    app.add_typer(network_app, name="network")


def _modes(mode: list[str] | None) -> list[str]:
    chosen = list(mode or ["motorbike"])
    if "all" in chosen:
        return list(MODES)
    bad = [m for m in chosen if m not in MODES]
    if bad:
        raise typer.BadParameter(
            f"{', '.join(bad)}: choose from {', '.join(MODES)} or all", param_hint="--mode"
        )
    return chosen


def _supplement(supplement: Path | None, no_supplement: bool) -> Path | bool:
    if no_supplement:
        return False
    return supplement if supplement is not None else True


@network_app.command(
    "build",
    help=_("Build the road network of each mode and store it in the cache (.cache/graphs).\n\n"
           "Example: ocop-geo network build --mode all\n\n"
           "Prints nodes, edges, km of road per class, components and coverage. Exit 2 for an "
           "unreadable extract, 3 when no network can be built.", HELP_LANG),
)
def build(
    mode: list[str] = typer.Option(None, "--mode", "-m", help=_(_MODE_HELP, HELP_LANG)),
    source: Path = typer.Option(None, "--source", "-s", help=_(_SOURCE_HELP, HELP_LANG)),
    supplement: Path = typer.Option(None, "--supplement", help=_(_SUPPLEMENT_HELP, HELP_LANG)),
    no_supplement: bool = typer.Option(False, "--no-supplement", help=_("OSM roads only.", HELP_LANG)),
    rebuild: bool = typer.Option(False, "--rebuild", help=_("Ignore the cache and build again.", HELP_LANG)),
) -> int:
    for m in _modes(mode):
        t0 = time.perf_counter()
        G = load_network(
            source, mode=m, supplement=_supplement(supplement, no_supplement), rebuild=rebuild
        )
        console.print(f"[bold]{m}[/]: " + _("ready in {s:.1f} s", s=time.perf_counter() - t0), highlight=False)
        _print_summary(G, console)
    return 0


@network_app.command(
    "info",
    help=_("Describe the road network of each mode (built or read from the cache).\n\n"
           "Example: ocop-geo network info --mode coach", HELP_LANG),
)
def info(
    mode: list[str] = typer.Option(None, "--mode", "-m", help=_(_MODE_HELP, HELP_LANG)),
    source: Path = typer.Option(None, "--source", "-s", help=_(_SOURCE_HELP, HELP_LANG)),
    supplement: Path = typer.Option(None, "--supplement", help=_(_SUPPLEMENT_HELP, HELP_LANG)),
    no_supplement: bool = typer.Option(False, "--no-supplement", help=_("OSM roads only.", HELP_LANG)),
) -> int:
    for m in _modes(mode):
        G = load_network(source, mode=m, supplement=_supplement(supplement, no_supplement))
        console.print(f"[bold]{m}[/]: " + _("network of {source}", source=escape(str(G.graph.get("source", "")))),
                      highlight=False)
        _print_summary(G, console)
    return 0


def _print_summary(G: nx.MultiDiGraph, console: Console) -> None:
    s = graph_summary(G)
    cov = coverage(G)
    console.print(_("nodes {nodes:,}  edges {edges:,}  strongly connected components {components:,}  supplement "
                    "{km:,.1f} km  ferries {ferries}", nodes=s["nodes"], edges=s["edges"],
                    components=s["strong_components"], km=s["km_supplement"], ferries=s["ferry_edges"]),
                  highlight=False)
    bbox = s["bbox"]
    if bbox:
        console.print(_("extent lon {w:.3f}–{e:.3f}, lat {s:.3f}–{n:.3f}", w=bbox[0], e=bbox[2], s=bbox[1], n=bbox[3]),
                      highlight=False)
    console.print(_("coverage: {covered}/{wards} wards (2019) have a road within {m:.0f} m of their centre; not "
                    "covered: {missing}", covered=cov["wards_covered"], wards=cov["wards"], m=cov["max_distance_m"],
                    missing=escape(", ".join(cov["not_covered"][:8])) or _("none")),
                  highlight=False)
    table = Table(title=_("km of road per class (two-way roads counted once)"))
    table.add_column("highway")
    table.add_column("km", justify="right")
    for cls, km in s["km_by_class"].items():
        table.add_row(escape(str(cls)), f"{km:,.1f}")
    console.print(table)
