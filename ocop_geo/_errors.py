"""Exception classes of ocop_geo. Each subclasses a builtin so callers can catch either."""

from __future__ import annotations


class OcopGeoError(Exception):
    """Base class of every error raised on purpose by ocop_geo."""


class InputFileError(OcopGeoError, ValueError):
    """A file cannot be read: wrong format, broken, empty or badly encoded.

    The message names the file and says what to do.
    """


class ValidationError(OcopGeoError, ValueError):
    """Records failed validation; ``problems`` lists every problem found, not just the first."""

    def __init__(self, message: str, problems: list | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems or [])


class NetworkError(OcopGeoError, ValueError):
    """A road network cannot be built or used (bad extract, no roads, point outside it)."""


class PlanningError(OcopGeoError, ValueError):
    """A route cannot be planned as specified (e.g. an infeasible must-visit stop)."""
