"""``ocop-geo studio``: the route studio, a local web application (:mod:`ocop_geo.studio`)."""

from __future__ import annotations

import ipaddress
import secrets
import threading
from pathlib import Path

import typer
import uvicorn
from rich.markup import escape

from .cli_common import HELP_LANG, console, state
from .i18n import N_
from .i18n import gettext as _
from .registry import bundled_registry_paths
from .studio import create_app
from .studio_session import Studio, StudioConfig

_HELP = N_(
    "Open the route studio: design, edit and publish routes in the browser (registry view with corrections, route "
    "form, plan on the map, drag stops, re-optimise, save to data/routes/*.toml, publish with a preview).\n\n"
    "Example: ocop-geo studio   (then open http://127.0.0.1:8765/)\n\n"
    "It listens on 127.0.0.1 only. --host 0.0.0.0 (or a LAN address) serves the office network and needs the "
    "access token in the address printed at start. Corrections to the registry go to registry_overlay.json beside "
    "it; the site is published to maps/studio/site/."
)


def register(app: typer.Typer) -> None:
    """Add ``studio`` to the app."""
    app.command("studio", help=_(_HELP, HELP_LANG))(studio)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def studio(
    host: str = typer.Option("127.0.0.1", "--host", help=_("Address to listen on; not 127.0.0.1 needs the token URL.", HELP_LANG)),
    port: int = typer.Option(8765, "--port", help=_("Port to listen on.", HELP_LANG)),
    registry: list[Path] = typer.Option(None, "--registry", help=_("Registry files (default: the bundled registry).", HELP_LANG)),
    out: Path = typer.Option(None, "--out", help=_("Output folder (default: maps/studio).", HELP_LANG)),
) -> int:
    config = StudioConfig(registry_paths=list(registry) if registry else bundled_registry_paths())
    if out is not None:
        config.out_dir = out
    session = Studio(config)
    token = None if _loopback(host) else secrets.token_urlsafe(18)
    hosts = ["127.0.0.1", "localhost"] + ([host] if host not in ("0.0.0.0", "::") else ["*"])
    app = create_app(session, token=token, allowed_hosts=hosts)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    url = f"http://{shown}:{port}/" + (f"?token={token}" if token else "")
    threading.Thread(target=session.warm, name="ocop-studio-warm", daemon=True).start()
    console.print(_("Route studio: open {url}", state.lang, url=escape(url)), highlight=False)
    if token:
        console.print(_("Anyone on the network with this address can edit routes; share it only with your team.",
                        state.lang), highlight=False)  # fmt: skip
    console.print(_("Press Ctrl+C to stop.", state.lang), highlight=False)
    uvicorn.run(app, host=host, port=port, log_level="warning")
    session.close()
    return 0
