"""``python -m ocop_geo`` runs the command line."""

from .cli import main

main()
