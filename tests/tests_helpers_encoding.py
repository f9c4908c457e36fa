"""Writing a text in the encodings people's spreadsheets produce (for the hostile-input tests)."""

from __future__ import annotations

import codecs
import unicodedata

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def to_cp1258(text: str, errors: str = "strict") -> bytes:
    """Encode as Windows-1258 does: letters with hat / breve / horn precomposed, tone marks combining (``errors`` as
    in :meth:`str.encode` for characters the code page has not)."""
    out = []
    for ch in text:
        try:
            out.append(ch.encode("cp1258"))
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
            tones = "".join(c for c in parts if c in _TONES)
            out.append((base + tones).encode("cp1258", errors=errors))
    return b"".join(out)


def encode(text: str, encoding: str) -> bytes:
    """``text`` as bytes: ``utf-16-le-bom`` / ``utf-16-be-bom`` carry their byte-order mark; ``cp1258`` writes
    Vietnamese letters as base letter + combining tone mark, as Windows-1258 does."""
    if encoding == "utf-16-le-bom":
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    if encoding == "utf-16-be-bom":
        return codecs.BOM_UTF16_BE + text.encode("utf-16-be")
    if encoding == "cp1258":
        return to_cp1258(text, errors="replace")  # what a spreadsheet does with characters it cannot save
    return text.encode(encoding)
