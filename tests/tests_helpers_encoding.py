"""Writing a text in the encodings people's spreadsheets produce (for the hostile-input tests)."""

from __future__ import annotations

import codecs


def encode(text: str, encoding: str) -> bytes:
    """``text`` as bytes: ``utf-16-le-bom`` / ``utf-16-be-bom`` carry their byte-order mark; ``cp1258`` writes
    Vietnamese letters as base letter + combining tone mark, as Windows-1258 does."""
    if encoding == "utf-16-le-bom":
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    if encoding == "utf-16-be-bom":
        return codecs.BOM_UTF16_BE + text.encode("utf-16-be")
    if encoding == "cp1258":
        import unicodedata

        out = []
        for ch in text:
            try:
                out.append(ch.encode("cp1258"))
            except UnicodeEncodeError:
                base, *marks = unicodedata.normalize("NFD", ch)
                composed = unicodedata.normalize("NFC", base + "".join(m for m in marks if m in "\u0302\u0306\u031b"))
                tones = "".join(m for m in marks if m not in "\u0302\u0306\u031b")
                out.append((composed + tones).encode("cp1258", errors="replace"))
        return b"".join(out)
    return text.encode(encoding)
