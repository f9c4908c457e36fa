"""``ocop-geo geocode``: place the rows of a CSV / Excel / GeoJSON file offline."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd
import typer
from rich.markup import escape
from rich.table import Table

from ._errors import InputFileError
from .cli_common import HELP_LANG, console
from .fileio import atomic_path, csv_safe
from .geocode import RESULT_COLUMNS, geocode_frame
from .geocode_online import improve_with_nominatim  # geopy (optional): imported only online
from .i18n import gettext as _
from .registry_schema import ALL_HEADER_KEYS, PRECISIONS, header_key
from .tableio import read_table

logger = logging.getLogger(__name__)

OUTPUT_SUFFIXES = (".csv", ".geojson", ".gpkg")

_ADDRESS_NAMES = ("address", "dia chi", "diachi", "full address", "addr")
_WARD_NAMES = ("ward", "phuong xa", "xa phuong", "phuong xa thi tran", "xa phuong thi tran", "phuong", "xa",
               "commune")
_DISTRICT_NAMES = ("district", "quan huyen", "huyen quan", "quan", "huyen")
_LAT_NAMES = ("lat", "latitude", "vi do", "_geom_lat")
_LON_NAMES = ("lon", "lng", "longitude", "kinh do", "_geom_lon")


def register(app: typer.Typer) -> None:
    """Add ``geocode`` to the app."""
    app.command(
        "geocode",
        help=_(
            "Geocode addresses offline (HCMC wards, OSM streets, places and POIs) and write every input "
            "column plus lat, lon, precision, confidence, ward, ward_code, district, district_code, "
            "unit_2025, unit_code_2025 (the unit after 1/7/2025, from its polygon) and geocode_note.\n\n"
            "Example: ocop-geo geocode producers.csv -o producers_geocoded.geojson --address-column address\n\n"
            "INPUT is CSV, Excel (.xlsx) or GeoJSON / GeoPackage; OUTPUT's suffix (.csv, .geojson, .gpkg) "
            "picks the format. Rows that cannot be placed are kept with empty coordinates and a note; "
            "the exit code is then 1.", HELP_LANG
        ),
    )(geocode)


def _find_column(frame: pd.DataFrame, wanted: str | None, candidates: tuple[str, ...], *,
                 path: Path, option: str) -> str | None:
    if wanted:
        if wanted in frame.columns:
            return wanted
        raise InputFileError(_("{path}: no column {wanted!r} (columns: {columns}); pass the right name with {option}",
                                 path=path, wanted=wanted, columns=", ".join(map(str, frame.columns)), option=option))
    folded = {header_key(c): c for c in frame.columns}  # "Quận/Huyện" -> "quan huyen"
    return next((folded[c] for c in candidates if c in folded), None)


def geocode(
    input_file: Path = typer.Argument(..., help=_("CSV, Excel or GeoJSON / GeoPackage file.", HELP_LANG)),
    output: Path = typer.Option(..., "--output", "-o", help=_("Result file: .csv, .geojson or .gpkg.", HELP_LANG)),
    address_column: str = typer.Option(None, "--address-column", help=_("Free-text address column "
                                                                        "(default: 'address' / 'địa chỉ' when present).", HELP_LANG)),
    ward_column: str = typer.Option(None, "--ward-column", help=_("Structured ward column (optional).", HELP_LANG)),
    district_column: str = typer.Option(None, "--district-column", help=_("Structured district column.", HELP_LANG)),
    lat_column: str = typer.Option(None, "--lat-column", help=_("Known latitude column (checked).", HELP_LANG)),
    lon_column: str = typer.Option(None, "--lon-column", help=_("Known longitude column (checked).", HELP_LANG)),
    online: bool = typer.Option(False, "--online", help=_("Also ask Nominatim (needs internet and "
                                                          "OCOP_GEO_ONLINE=1) for rows placed no better than the ward.", HELP_LANG)),
) -> int:
    suffix = output.suffix.lower()
    if suffix not in OUTPUT_SUFFIXES:
        raise InputFileError(_("{path}: unknown output type {suffix!r}; use one of {choices}", path=output,
                                 suffix=suffix, choices=", ".join(OUTPUT_SUFFIXES)))
    if output.resolve() == input_file.resolve():
        raise InputFileError(_("{path}: the output would overwrite the input file; pass another -o", path=output))
    table = read_table(input_file, known_headers=ALL_HEADER_KEYS)  # finds the header below title rows
    frame = table.frame
    for notice in table.notices:
        console.print("[yellow]" + _("note") + f":[/] {escape(notice)}", highlight=False)
    cols = {
        "address_column": _find_column(frame, address_column, _ADDRESS_NAMES, path=input_file,
                                       option="--address-column"),
        "ward_column": _find_column(frame, ward_column, _WARD_NAMES, path=input_file,
                                    option="--ward-column"),
        "district_column": _find_column(frame, district_column, _DISTRICT_NAMES, path=input_file,
                                        option="--district-column"),
        "lat_column": _find_column(frame, lat_column, _LAT_NAMES, path=input_file, option="--lat-column"),
        "lon_column": _find_column(frame, lon_column, _LON_NAMES, path=input_file, option="--lon-column"),
    }
    if cols["lat_column"] is None or cols["lon_column"] is None:
        cols["lat_column"] = cols["lon_column"] = None
    if not any(cols[k] for k in ("address_column", "ward_column", "district_column")):
        raise InputFileError(_("{path}: no address, ward or district column found (columns: {columns}); name one "
                                 "with --address-column", path=input_file, columns=", ".join(map(str, frame.columns))))
    result = geocode_frame(frame, **cols)
    if online:
        result = improve_with_nominatim(frame, result, address_column=cols["address_column"])

    kept = frame.drop(columns=[c for c in ("_geom_lon", "_geom_lat") if c in frame.columns])
    kept = kept.rename(columns=_input_names(list(kept.columns)))
    out = pd.concat([kept, result], axis=1)
    _write(out, output)
    _print_summary(result, table.row_numbers, console)
    console.print(_("wrote {n} rows to {path}", n=len(out), path=output), highlight=False, markup=False)
    return 1 if (result["precision"] == "none").any() else 0


def _input_names(columns: list[str]) -> dict[str, str]:
    """New names for input columns that the result would overwrite ("lat" -> "lat_input", "geometry" -> …)."""
    taken = set(columns) | set(RESULT_COLUMNS) | {"geometry"}
    renames: dict[str, str] = {}
    for column in columns:
        if column in RESULT_COLUMNS or column == "geometry":
            name, n = f"{column}_input", 2
            while name in taken:
                name, n = f"{column}_input{n}", n + 1
            renames[column] = name
            taken.add(name)
    return renames


def _write(out: pd.DataFrame, path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with atomic_path(path) as tmp:
            csv_safe(out).to_csv(tmp, index=False, encoding="utf-8")
        return
    geometry = gpd.points_from_xy(out["lon"], out["lat"])
    gdf = gpd.GeoDataFrame(out, geometry=geometry, crs=4326)
    gdf.loc[out["lat"].isna(), "geometry"] = None
    driver = "GeoJSON" if suffix == ".geojson" else "GPKG"
    with atomic_path(path) as tmp, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The filename extension should be")  # the temp file's
        gdf.to_file(tmp, driver=driver, layer="geocoded" if driver == "GPKG" else path.stem)


def _print_summary(result: pd.DataFrame, row_numbers: list[int], console) -> None:
    counts = result["precision"].value_counts()
    table = Table(title=_("Rows by precision"))
    table.add_column(_("precision"))
    table.add_column(_("rows"), justify="right")
    for level in PRECISIONS:
        table.add_row(level, str(int(counts.get(level, 0))))
    console.print(table)
    unplaced = [(row_numbers[i], note) for i, (prec, note) in
                enumerate(zip(result["precision"], result["geocode_note"], strict=True)) if prec == "none"]
    for row, note in unplaced[:20]:
        console.print(_("row {row}: not placed — {note}", row=row, note=note), highlight=False, markup=False)
    if len(unplaced) > 20:
        console.print(_("… and {n} more rows not placed (see geocode_note)", n=len(unplaced) - 20))
