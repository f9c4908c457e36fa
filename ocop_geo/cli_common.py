"""What every command module shares: the consoles and the global options (``--lang``, ``--debug``).

The bottom of the command-line layer: ``cli_*`` modules import it, :mod:`ocop_geo.cli` imports them and sets
:data:`state` from its global options, so no command module imports :mod:`ocop_geo.cli` back.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console

__all__ = ["CliState", "console", "err_console", "state"]

#: Reports and tables (standard output).
console = Console(stderr=False)
#: Errors and notes (standard error).
err_console = Console(stderr=True)


@dataclass
class CliState:
    """The global options of the current run, set by the ``ocop-geo`` callback before any command runs."""

    lang: str = "vi"
    debug: bool = False


#: The global options of this process's run.
state = CliState()
