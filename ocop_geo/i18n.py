"""One message catalogue for everything ocop_geo says to people: the command line, the pages and their scripts.

Messages are written in English in the code and the templates (the gettext ``msgid``) and translated in
``ocop_geo/locale/vi/LC_MESSAGES/ocop_geo.po``, a standard gettext catalogue read with Babel (so translators can
use Poedit / Weblate and ``pybabel extract`` finds every message: Python calls of ``_`` / ``gettext`` / ``both``,
template calls of ``T`` / ``_``). ``tests/test_i18n.py`` checks that every message in the code has a Vietnamese
translation and that the catalogue holds none that the code no longer uses.

The language is ``vi`` unless told otherwise (``settings.language``, the CLI's ``--lang``, ``OCOP_GEO_LANG``).
Pages carry both languages side by side (:func:`both`) and switch without a reload.

Example
-------
>>> gettext("Itinerary", "vi")
'Lịch trình'
>>> both("Itinerary")
{'vi': 'Lịch trình', 'en': 'Itinerary'}
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

from . import settings

__all__ = ["LANGUAGES", "LOCALE_DIR", "N_", "both", "catalogue", "gettext", "language", "ngettext"]

#: The languages ocop_geo speaks; the first is the default.
LANGUAGES: tuple[str, ...] = ("vi", "en")
#: Folder of the gettext catalogues (``<lang>/LC_MESSAGES/ocop_geo.po``).
LOCALE_DIR: Path = Path(__file__).resolve().parent / "locale"


@lru_cache(maxsize=4)
def catalogue(lang: str) -> dict[str, str | tuple[str, ...]]:
    """``msgid -> translation`` of one language (plural messages map to a tuple); ``{}`` for English.

    Parameters
    ----------
    lang
        ``"vi"`` or ``"en"`` (English is the source language: no catalogue).

    Returns
    -------
    dict
        The translated, non-fuzzy messages of ``locale/<lang>/LC_MESSAGES/ocop_geo.po``.
    """
    path = LOCALE_DIR / lang / "LC_MESSAGES" / "ocop_geo.po"
    if lang == "en" or not path.exists():
        return {}
    with path.open("rb") as fh:
        cat = read_po(fh, locale=lang, domain="ocop_geo")
    out: dict[str, str | tuple[str, ...]] = {}
    for msg in cat:
        if not msg.id or msg.fuzzy:
            continue
        key = msg.id[0] if isinstance(msg.id, tuple) else msg.id
        value = tuple(msg.string) if isinstance(msg.string, (tuple, list)) else msg.string
        if value and (not isinstance(value, tuple) or all(value)):
            out[key] = value
    return out


def language(lang: str | None = None) -> str:
    """The language to speak: ``lang`` when given, else ``settings.language`` (``vi`` by default).

    Raises
    ------
    ValueError
        ``lang`` is not one of :data:`LANGUAGES`.
    """
    chosen = lang or settings.language
    if chosen not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {chosen!r}")
    return chosen


def gettext(message: str, lang: str | None = None, /, **values: object) -> str:
    """``message`` in ``lang`` (default :func:`language`), with ``{name}`` placeholders filled from ``values``.

    An untranslated message falls back to the English text (the tests keep the catalogue complete).
    """
    text = catalogue(language(lang)).get(message, message)
    if isinstance(text, tuple):
        text = text[0]
    return text.format(**values) if values else text


def ngettext(singular: str, plural: str, n: int, lang: str | None = None, /, **values: object) -> str:
    """The singular or plural message for ``n`` (Vietnamese has one form), ``{n}`` filled in with the values."""
    lang = language(lang)
    text = catalogue(lang).get(singular)
    if isinstance(text, tuple):
        chosen = text[0]
    elif isinstance(text, str):
        chosen = text
    else:
        chosen = singular if n == 1 else plural
    return chosen.format(n=n, **values)


def both(message: str, /, **values: object) -> dict[str, str]:
    """``{"vi": ..., "en": ...}``: ``message`` in every language, for pages that carry both.

    A value that is itself a ``{"vi": ..., "en": ...}`` text is filled in per language.
    """
    return {lang: gettext(message, lang, **{k: v[lang] if isinstance(v, dict) and lang in v else v
                                            for k, v in values.items()})
            for lang in LANGUAGES}  # fmt: skip


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark ``message`` for the catalogue without translating it now (it is translated where it is shown)."""
    return message


#: The marker extraction looks for; ``_("…")`` reads as "translate this".
_ = gettext
