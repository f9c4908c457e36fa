"""What every command module shares: the consoles, the global options (``--lang``, ``--debug``) and the language
of the ``--help`` texts.

The bottom of the command-line layer: ``cli_*`` modules import it, :mod:`ocop_geo.cli` imports them and sets
:data:`state` from its global options, so no command module imports :mod:`ocop_geo.cli` back.

The ``help=`` texts of the commands and options are catalogue messages, translated when the modules are imported:
Typer reads them then, before ``--lang`` is parsed. So :data:`HELP_LANG` peeks at the command line for the global
``--lang`` itself (``ocop-geo --lang en validate --help``) and otherwise takes ``settings.language``
(``OCOP_GEO_LANG``, Vietnamese by default).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass

from rich.console import Console

from . import settings
from .i18n import LANGUAGES

__all__ = ["HELP_LANG", "CliState", "console", "err_console", "help_language", "state"]

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


def help_language(argv: Sequence[str] | None = None) -> str:
    """The language of the ``--help`` texts: the global ``--lang`` of ``argv`` (default ``sys.argv[1:]``) when it
    names a language, else ``settings.language``, else Vietnamese.

    Only the options before the command are read (``--lang`` is a global option): ``ocop-geo --lang en plan
    --help`` is English, a file called ``--lang`` after the command changes nothing. A bad value is left for the
    ``--lang`` option itself to reject; the help is then in the default language.

    Examples
    --------
    >>> help_language(["--lang", "en", "validate", "--help"])
    'en'
    >>> help_language(["--debug", "--lang=vi", "--help"])
    'vi'
    """
    args = list(sys.argv[1:] if argv is None else argv)
    for i, arg in enumerate(args):
        if arg == "--lang" and i + 1 < len(args) and args[i + 1] in LANGUAGES:
            return args[i + 1]
        if arg.startswith("--lang=") and arg.partition("=")[2] in LANGUAGES:
            return arg.partition("=")[2]
        if not arg.startswith("-") and (i == 0 or args[i - 1] != "--lang"):
            break  # the command: what follows is its own
    return settings.language if settings.language in LANGUAGES else LANGUAGES[0]


#: The language the ``help=`` texts are translated into (see :func:`help_language`), known when this is imported.
HELP_LANG: str = help_language()
