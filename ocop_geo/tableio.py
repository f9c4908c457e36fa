"""Reading tabular input (CSV, Excel, GeoJSON, GeoPackage) as text cells with their source row numbers.

Pure I/O: no validation of content beyond "can this file be read". Cells come back as strings (``""`` for empty)
so the registry's validation sees exactly what the user typed.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError

from ._errors import InputFileError
from .i18n import gettext as _
from .registry_schema import header_key

log = logging.getLogger(__name__)

#: File suffixes read by :func:`read_table`.
SUPPORTED_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".geojson", ".json", ".gpkg")


@dataclass
class RawTable:
    """A table as read from a file: text cells plus the row number a user sees for each row."""

    path: Path
    frame: pd.DataFrame  # all cells as str, "" when empty
    row_numbers: list[int]  # the spreadsheet / line number of each row
    encoding: str = "utf-8"
    sheet: str | None = None
    notices: list[str] = field(default_factory=list)


def read_table(path: str | Path, *, known_headers: set[str] | None = None) -> RawTable:
    """Read one registry file; the format follows the suffix.

    Parameters
    ----------
    path
        A ``.csv`` / ``.tsv`` (UTF-8, UTF-8 with BOM, UTF-16 or Windows-1258), ``.xlsx``, ``.geojson`` or
        ``.gpkg`` file.
    known_headers
        Folded header names that identify the header row of a spreadsheet that starts with title rows.

    Raises
    ------
    InputFileError
        The file is missing, empty, broken or in an unknown format; the message says what to do.
    """
    path = Path(path)
    if not path.exists():
        raise InputFileError(_("{path}: file not found. Check the path.", path=path))
    if path.is_dir():
        raise InputFileError(_("{path}: is a folder. Pass the registry file itself.", path=path))
    if path.stat().st_size == 0:
        raise InputFileError(_("{path}: the file is empty. Export the registry again.", path=path))
    suffix = path.suffix.lower()
    if suffix in {".csv", ".tsv", ".txt"}:
        return _without_control_characters(_read_csv(path, known_headers or set()))
    if suffix in {".xlsx", ".xlsm"}:
        return _without_control_characters(_read_excel(path, known_headers or set()))
    if suffix in {".geojson", ".json", ".gpkg"}:
        return _without_control_characters(_read_vector(path))
    if suffix == ".xls":
        raise InputFileError(_(
            "{path}: old Excel 97-2003 (.xls) files are not read. Open it in Excel or LibreOffice and "
            "save it as .xlsx (or CSV UTF-8).", path=path))
    raise InputFileError(_("{path}: unknown file type {suffix!r}. Use one of: {suffixes}.", path=path, suffix=suffix,
                           suffixes=", ".join(SUPPORTED_SUFFIXES)))


#: Invisible control characters (pasted from PDFs or other programs); XML exports cannot carry them.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _without_control_characters(table: RawTable) -> RawTable:
    """Replace control characters in cells by spaces, and say in which rows."""
    frame = table.frame
    if frame.empty:
        return table
    hit = frame.map(lambda v: isinstance(v, str) and _CONTROL.search(v) is not None)
    rows = [table.row_numbers[i] for i in range(len(frame)) if hit.iloc[i].any()]
    if rows:
        table.frame = frame.map(lambda v: _CONTROL.sub(" ", v).strip() if isinstance(v, str) else v)
        listed = ", ".join(map(str, rows[:10])) + (" …" if len(rows) > 10 else "")
        table.notices.append(_("{path}: invisible control characters were replaced by spaces in rows {rows}.",
                               path=table.path, rows=listed))
    return table


def _decode(path: Path, data: bytes) -> tuple[str, str, list[str]]:
    """Decode bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1258 (Vietnamese)."""
    notices: list[str] = []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16", notices
        except UnicodeDecodeError as exc:  # cut short (odd length) or a lone surrogate
            order = "little" if data.startswith(b"\xff\xfe") else "big"
            line = data[: exc.start].decode("utf-16", errors="replace").count("\n") + 1
            raise InputFileError(_(
                "{path}: line {line}: the file starts as UTF-16 ({order}-endian, from its byte-order mark) but is "
                "not valid UTF-16 at byte offset {offset} ({reason}): it is cut short or damaged. Open it in Excel "
                "or LibreOffice and save it again as 'CSV UTF-8'.", path=path, line=line, order=order, offset=exc.start,
                reason=exc.reason)) from None
    try:
        return data.decode("utf-8-sig"), "utf-8", notices
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        text = data.decode("cp1258")
    except UnicodeDecodeError:
        line = data[: utf8_error.start].count(b"\n") + 1
        raise InputFileError(_(
            "{path}: line {line}: the file is neither UTF-8 nor Windows-1258 (byte {byte:#04x} at offset "
            "{offset}). Open it in Excel or LibreOffice and save it as 'CSV UTF-8'.", path=path, line=line,
            byte=data[utf8_error.start], offset=utf8_error.start)) from None
    line = data[: utf8_error.start].count(b"\n") + 1
    notices.append(_(
        "{path}: the file is not UTF-8 (first non-UTF-8 byte on line {line}); it was read as Windows-1258 "
        "(Vietnamese). Check the names below, and save the file as 'CSV UTF-8' to avoid this.", path=path, line=line))
    return unicodedata.normalize("NFC", text), "cp1258", notices


def _header_row(rows: list[list[str]], known_headers: set[str]) -> int | None:
    """Index of the header row: the first of the first 15 rows naming at least two known headers, else the
    first non-empty row (a sheet may start with title rows); None when every row is empty."""
    for i, row in enumerate(rows[:15]):
        if sum(header_key(c) in known_headers for c in row) >= 2:
            return i
    return next((i for i, row in enumerate(rows) if any(c.strip() for c in row)), None)


def _skipped_title_rows(path: Path, rows: list[list[str]], numbers: list[int]) -> list[str]:
    """A notice listing the non-empty rows above the header row, which are not read as data."""
    kept = [(n, " ".join(c.strip() for c in row if c.strip())) for row, n in zip(rows, numbers, strict=True)]
    kept = [(n, text) for n, text in kept if text]
    if not kept:
        return []
    where = ", ".join(f"{n} ({text[:40]!r})" for n, text in kept[:3]) + (" …" if len(kept) > 3 else "")
    return [_("{path}: rows above the header row were read as titles, not data: {rows}.", path=path, rows=where)]


def _read_csv(path: Path, known_headers: set[str]) -> RawTable:
    text, encoding, notices = _decode(path, path.read_bytes())
    text = unicodedata.normalize("NFC", text)
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    # a huge cell is one bad value, not a broken file: read it, and the registry rejects that row (any size up
    # to the file's own); a quote opened and never closed shows as a cell running to the end of the file
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    line_numbers: list[int] = []
    try:
        for record in reader:
            rows.append(record)
            line_numbers.append(reader.line_num)
    except csv.Error as exc:
        raise InputFileError(_("{path}: line {line}: {error}. Fix the quoting there.", path=path,
                               line=reader.line_num, error=exc)) from None
    if rows and line_numbers[-1] == text.count("\n") + (not text.endswith("\n")) and any(
            c.count("\n") >= 10 for c in rows[-1]):  # fmt: skip
        opened = line_numbers[-2] + 1 if len(line_numbers) > 1 else 1
        notices.append(_("{path}: line {line}: a cell runs from there to the end of the file: a quote (\") is "
                         "probably opened and never closed on that line. Close it, or remove the stray quote.",
                         path=path, line=opened))
    start = _header_row(rows, known_headers)
    if start is None:
        raise InputFileError(_("{path}: no header row found. The first line must name the columns.", path=path))
    notices.extend(_skipped_title_rows(path, rows[:start], line_numbers[:start]))
    rows, line_numbers = rows[start:], line_numbers[start:]
    header = [h.strip() for h in rows[0]]
    body, numbers = [], []
    for record, number in zip(rows[1:], line_numbers[1:], strict=True):
        if not any(c.strip() for c in record):
            continue  # blank line
        record = [c.strip() for c in record] + [""] * (len(header) - len(record))
        if len(record) > len(header) and any(record[len(header) :]):
            notices.append(_(
                "{path}: line {line}: {cells} cells for {columns} columns; the extra cells were ignored. Check for "
                "an unquoted comma or semicolon.", path=path, line=number, cells=len(record), columns=len(header)))
        body.append(record[: len(header)])
        numbers.append(number)
    frame = pd.DataFrame(body, columns=_unique(header), dtype=object)
    return RawTable(path, frame, numbers, encoding=encoding, notices=notices)


def _read_excel(path: Path, known_headers: set[str]) -> RawTable:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        error = f"{type(exc).__name__}: {exc}"
        raise InputFileError(_(
            "{path}: cannot be opened as an Excel workbook ({error}). The file may be damaged or not really .xlsx: "
            "open it in Excel or LibreOffice and save it again as .xlsx.", path=path, error=error)) from None
    notices: list[str] = []
    try:
        sheet = workbook.worksheets[0]
        cells = [["" if v is None else _cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        sheet_name = sheet.title
        for other in workbook.worksheets[1:]:
            n = sum(any(v not in (None, "") for v in row) for row in other.iter_rows(values_only=True))
            if n:
                notices.append(_(
                    "{path}: only the first sheet ({sheet!r}) is read; sheet {other!r} has {n} non-empty rows that "
                    "were NOT read. Move them to the first sheet, or save that sheet as its own file and pass it "
                    "too.", path=path, sheet=sheet_name, other=other.title, n=n))
    finally:
        workbook.close()
    header_index = _header_row(cells, known_headers)
    if header_index is None:
        raise InputFileError(_("{path}: sheet {sheet!r} is empty. Put the registry on the first sheet.", path=path,
                               sheet=sheet_name))
    notices.extend(_skipped_title_rows(path, cells[:header_index], list(range(1, header_index + 1))))
    header = [h.strip() for h in cells[header_index]]
    while header and not header[-1]:
        header.pop()
    body, numbers = [], []
    for offset, row in enumerate(cells[header_index + 1 :], start=header_index + 2):
        extra = [c for c in row[len(header) :] if c.strip()]
        row = [c.strip() for c in row[: len(header)]] + [""] * max(0, len(header) - len(row))
        if extra:
            notices.append(_(
                "{path}: row {row}: {n} cell(s) right of the last named column were ignored ({cells}). Give that "
                "column a header or move the cells.", path=path, row=offset, n=len(extra),
                cells=", ".join(repr(c[:30]) for c in extra[:3])))
        if any(row):
            body.append(row)
            numbers.append(offset)
    frame = pd.DataFrame(body, columns=_unique(header), dtype=object)
    return RawTable(path, frame, numbers, sheet=sheet_name, notices=notices)


def _read_vector(path: Path) -> RawTable:
    try:
        layers = _layers(path)
        gdf = gpd.read_file(path, layer=layers[0][0] if layers else None)
    except (OSError, DataSourceError, DataLayerError) as exc:
        raise InputFileError(_(
            "{path}: cannot be read as GeoJSON / GeoPackage ({error}). Check that it is valid GeoJSON "
            "(a FeatureCollection) or a GeoPackage with one layer.", path=path, error=exc)) from None
    if len(gdf) == 0:
        raise InputFileError(_("{path}: has no features (rows). Export the layer again with its records.",
                               path=path))
    notices: list[str] = []
    if len(layers) > 1:
        others = ", ".join(_("{name!r} ({n} features)", name=name, n=n) for name, n in layers[1:])
        notices.append(_("{path}: only the first layer ({layer!r}) is read; the other layers were NOT read: "
                         "{others}. Save each layer as its own file and pass it too.", path=path,
                         layer=layers[0][0], others=others))
    frame = pd.DataFrame({c: gdf[c] for c in gdf.columns if c != gdf.geometry.name})
    frame = frame.map(lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v)) else _cell_text(v))
    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        notices.append(_("{path}: reprojected from {crs} to EPSG:4326.", path=path, crs=gdf.crs.to_string()))
        gdf = gdf.to_crs(4326)
    geoms = gdf.geometry
    has_point = geoms.notna() & ~geoms.is_empty
    if has_point.any():
        points = geoms[has_point].representative_point()
        frame["_geom_lon"] = ""
        frame["_geom_lat"] = ""
        frame.loc[has_point, "_geom_lon"] = [f"{p.x:.7f}" for p in points]
        frame.loc[has_point, "_geom_lat"] = [f"{p.y:.7f}" for p in points]
    # a feature's row number is its position in the file, starting at 1
    return RawTable(path, frame.reset_index(drop=True), list(range(1, len(frame) + 1)), notices=notices)


def _layers(path: Path) -> list[tuple[str, int]]:
    """The layers of a vector file with their feature counts, in reading order."""
    names = [str(row[0]) for row in pyogrio.list_layers(path)]
    return [(name, int(pyogrio.read_info(path, layer=name).get("features", 0) or 0)) for name in names]


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return unicodedata.normalize("NFC", str(value)).strip()


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(names):
        name = name or f"column_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        out.append(name)
    return out
