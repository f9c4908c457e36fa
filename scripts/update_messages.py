"""Extract every message of ocop_geo (Python, templates, page scripts) and merge it into the Vietnamese catalogue.

Usage::

    python scripts/update_messages.py            # add new messages (untranslated) to the .po, drop unused ones
    python scripts/update_messages.py --check    # exit 1 if a message has no translation or the .po is stale

Then translate the new entries of ``ocop_geo/locale/vi/LC_MESSAGES/ocop_geo.po`` (any .po editor works) and run
``--check``. Messages are found by Babel's extractors: in Python the calls ``_("…")``, ``gettext("…")``,
``ngettext("…", "…", n)``, ``both("…")``, ``N_("…")`` (marked only) and ``_reason(code, "…")``; in templates ``T("…")``, ``Tn("…", "…", n)`` and ``_("…")``; in page
scripts ``msg("…")``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "ocop_geo"
PO = PACKAGE / "locale" / "vi" / "LC_MESSAGES" / "ocop_geo.po"

METHODS = [
    ("**/locale/**", "ignore"),
    ("**.py", "python"),
    ("templates/**.html", "jinja2.ext:babel_extract"),
    ("static/ocop/**.js", "javascript"),
]
OPTIONS = {"templates/**.html": {"trimmed": "true"}}
KEYWORDS = {"_": None, "gettext": (1,), "ngettext": (1, 2), "both": (1,), "N_": None, "_reason": (2,), "T": (1,),
            "Tn": (1, 2), "msg": (1,)}


def extract() -> Catalog:
    """Every message the package uses, with where it is used."""
    template = Catalog(project="ocop_geo", domain="ocop_geo", locale=None)
    for filename, lineno, message, comments, context in extract_from_dir(
        PACKAGE, METHODS, OPTIONS, KEYWORDS, comment_tags=("TRANSLATORS:",), strip_comment_tags=True
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def load() -> Catalog:
    """The Vietnamese catalogue as it is on disk (empty when missing)."""
    if not PO.exists():
        return Catalog(locale="vi", domain="ocop_geo", project="ocop_geo")
    with PO.open("rb") as fh:
        return read_po(fh, locale="vi", domain="ocop_geo")


def problems(catalogue: Catalog, template: Catalog) -> list[str]:
    """What keeps the catalogue from being complete: messages without a translation, stale or missing entries."""
    out = []
    used = {m.id for m in template if m.id}
    held = {m.id for m in catalogue if m.id}
    for mid in sorted(used - held, key=str):
        out.append(f"not in the catalogue: {mid!r}")
    for mid in sorted(held - used, key=str):
        out.append(f"no longer used: {mid!r}")
    for m in catalogue:
        if not m.id or m.id not in used:
            continue
        strings = m.string if isinstance(m.string, (tuple, list)) else [m.string]
        if m.fuzzy or not all(strings):
            out.append(f"no Vietnamese translation: {m.id!r}")
    return out


def write_script_messages() -> Path:
    """Regenerate ``static/ocop/messages.js`` (the page scripts' translations) from the catalogue."""
    from ocop_geo import i18n, mapping

    i18n.catalogue.cache_clear()
    path = mapping.STATIC_DIR / "ocop" / "messages.js"
    path.write_text(mapping.script_messages(), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    """Update (or with ``--check`` only check) the Vietnamese catalogue."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only report; exit 1 when incomplete")
    args = ap.parse_args(argv)
    template, catalogue = extract(), load()
    if args.check:
        found = problems(catalogue, template)
        from ocop_geo import mapping

        js = mapping.STATIC_DIR / "ocop" / "messages.js"
        if not js.exists() or js.read_text(encoding="utf-8") != mapping.script_messages():
            found.append(f"{js.relative_to(ROOT)} is out of date: run scripts/update_messages.py")
        for line in found:
            print(line)
        print(f"{len(template)} messages, {len(found)} problems")
        return 1 if found else 0
    catalogue.update(template, no_fuzzy_matching=True)
    catalogue.obsolete.clear()
    PO.parent.mkdir(parents=True, exist_ok=True)
    with PO.open("wb") as fh:
        write_po(fh, catalogue, width=120, sort_output=True, omit_header=False, include_lineno=False)
    write_script_messages()
    missing = [m.id for m in catalogue if m.id and not (m.string if not isinstance(m.string, tuple) else all(m.string))]
    print(f"{PO.relative_to(ROOT)}: {len(catalogue)} messages, {len(missing)} without a translation")
    return 0


if __name__ == "__main__":
    sys.exit(main())
