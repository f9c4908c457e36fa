"""The ``ocop-geo`` command line: one Typer app; each concern registers its commands.

Exit codes (the same for every command):

* 0 — done, nothing rejected;
* 1 — done, but some input rows were rejected, a route could not be planned, or (``geocode``) rows
  could not be placed (see the report);
* 2 — bad usage or an input file that cannot be used (the message says which and what to do);
* 3 — the work itself failed (no route fits, network cannot be built, …);
* 4 — an unexpected internal error (re-run with ``--debug`` and report it).

The top of the package's layers: the command modules (``cli_*``) share :mod:`ocop_geo.cli_common` and never
import this module.

The ``--help`` texts are catalogue messages like everything else the command line says, but Typer reads them when
the modules are imported, before ``--lang`` is parsed: they are in :data:`ocop_geo.cli_common.HELP_LANG`, the
``--lang`` given before the command (peeked at in ``sys.argv``), else ``OCOP_GEO_LANG``, else Vietnamese.
"""

from __future__ import annotations

import logging
import sys
from types import ModuleType

import typer
from rich.markup import escape

from . import (
    cli_bench,
    cli_demo,
    cli_geocode,
    cli_network,
    cli_plan,
    cli_publish,
    cli_registry,
    cli_studio,
    settings,
)
from ._errors import InputFileError, OcopGeoError, ValidationError
from .cli_common import HELP_LANG, err_console, state
from .i18n import LANGUAGES
from .i18n import gettext as _

EXIT_OK, EXIT_REJECTED, EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERNAL = 0, 1, 2, 3, 4

#: Modules that add commands: each defines ``register(app: typer.Typer) -> None``.
_COMMAND_MODULES: tuple[ModuleType, ...] = (  # in the order of the pipeline, as --help lists them
    cli_registry,  # validate
    cli_geocode,  # geocode
    cli_network,  # network build | info
    cli_plan,  # plan
    cli_publish,  # export, publish
    cli_bench,  # bench toptw
    cli_demo,  # demo
    cli_studio,  # studio
)

app = typer.Typer(
    name="ocop-geo",
    help=_(
        "Tourism routes to OCOP producers in Ho Chi Minh City, offline, from OpenStreetMap data.\n\n"
        "Example: ocop-geo demo   (the whole pipeline on the bundled data; the site goes to maps/site/)\n\n"
        "Exit codes: 0 done; 1 done but rows rejected, a route not planned or addresses not placed; "
        "2 bad usage or input file; 3 the work failed; 4 internal error (use --debug).", HELP_LANG
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _main(
    ctx: typer.Context,
    lang: str = typer.Option(None, "--lang", help=_("Language of messages, reports and the pages as they open: vi "
                                                    "(default; OCOP_GEO_LANG overrides) or en. Pages always carry both.", HELP_LANG)),
    debug: bool = typer.Option(False, "--debug", help=_("Show tracebacks and debug logging.", HELP_LANG)),
    verbose: bool = typer.Option(False, "--verbose", "-v", help=_("Log progress messages.", HELP_LANG)),
) -> None:
    """ocop-geo: import the OCOP registry, build road networks, plan and publish routes."""
    lang = lang or settings.language
    if lang not in LANGUAGES:
        raise typer.BadParameter(_("choose 'vi' or 'en'"), param_hint="--lang")
    state.lang = lang
    _set_language_for_this_run(ctx, lang)
    state.debug = debug
    level = logging.DEBUG if debug else (logging.INFO if verbose else logging.WARNING)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def _set_language_for_this_run(ctx: typer.Context, lang: str) -> None:
    """``settings.language = lang`` until the command ends (tests run many commands in one process)."""
    had, before = "language" in vars(settings), vars(settings).get("language")
    settings.language = lang

    def restore() -> None:
        if had:
            settings.language = before
        else:
            vars(settings).pop("language", None)

    ctx.call_on_close(restore)


for _module in _COMMAND_MODULES:
    _module.register(app)


def main() -> None:
    """Console-script entry point: runs the app and turns errors into plain messages."""
    try:
        rc = app(standalone_mode=False)
    except (InputFileError, ValidationError) as exc:
        if state.debug:
            raise
        err_console.print("[bold red]" + _("Error", state.lang) + f":[/] {escape(str(exc))}", highlight=False)
        sys.exit(EXIT_BAD_INPUT)
    except OcopGeoError as exc:
        if state.debug:
            raise
        err_console.print("[bold red]" + _("Error", state.lang) + f":[/] {escape(str(exc))}", highlight=False)
        sys.exit(EXIT_FAILED)
    except OSError as exc:  # a path that cannot be read or written (folder, permissions, full disk)
        if state.debug:
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        err_console.print("[bold red]" + _("Error", state.lang) + f":[/] {escape(where + (exc.strerror or str(exc)))}. "
                          + _("Check the path and its permissions.", state.lang), highlight=False)
        sys.exit(EXIT_BAD_INPUT)
    except Exception as exc:
        # click's usage errors (typer may vendor click, so recognise them by shape, not by class)
        if callable(getattr(exc, "show", None)) and isinstance(getattr(exc, "exit_code", None), int):
            exc.show()
            sys.exit(exc.exit_code)
        if type(exc).__name__ == "Abort":
            sys.exit(EXIT_FAILED)
        if state.debug or "--debug" in sys.argv:
            raise
        err_console.print(
            "[bold red]" + _("Internal error", state.lang) + f":[/] {type(exc).__name__}: {escape(str(exc))}\n"
            + _("Re-run with --debug for the traceback and report it.", state.lang),
            highlight=False,
        )
        sys.exit(EXIT_INTERNAL)
    sys.exit(rc if isinstance(rc, int) else EXIT_OK)
