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


class Problems:
    """Collects every problem of one input, each under the path of its field, to raise them at once.

    ``where`` names the input (a file, or a JSON path such as ``days[0].stops[2]``); a problem is
    ``"<where><sep><field>: <what is wrong>"``, so a file's problems read ``"spec.toml: mode: ..."``
    (``sep=": "``) and a JSON object's ``"days[0].day: ..."`` (``sep="."``).
    """

    def __init__(self, where: str, *, sep: str = ".") -> None:
        self.where = where
        self.sep = sep
        self.problems: list[str] = []

    def __bool__(self) -> bool:
        return bool(self.problems)

    def path(self, key: str) -> str:
        """The full path of field ``key``."""
        return f"{self.where}{self.sep}{key}" if self.where else key

    def add(self, key: str, msg: str) -> None:
        """Record that field ``key`` has problem ``msg`` (say what is wrong and what to do)."""
        self.problems.append(f"{self.path(key)}: {msg}")

    def extend(self, problems: list[str]) -> None:
        """Take over the problems of a nested input (already full paths)."""
        self.problems.extend(problems)

    def raise_if_any(self, headline: str | None = None) -> None:
        """Raise :class:`ValidationError` listing every problem; ``headline`` leads the message."""
        if not self.problems:
            return
        if headline is None:
            raise ValidationError("; ".join(self.problems), self.problems)
        raise ValidationError(f"{headline}:\n  " + "\n  ".join(self.problems), self.problems)
