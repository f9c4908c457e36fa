"""The OCOP registry: producers, their products and venues, read from the department's files and validated.

``load_registry(*paths)`` reads producer, product and venue tables (CSV, Excel, GeoJSON, GeoPackage; Vietnamese
or English headers), checks every row, and returns a :class:`Registry`: accepted producers and venues as
GeoDataFrames (EPSG:4326), accepted products as a DataFrame, and every rejected input row with all its problems.
Each input row ends up in exactly one of them. A product list with one row per product and the producer's name,
address, ward and district on each row (the usual shape of the department's lists) is read too: its producers
are derived from the rows.

Venues are the places that show, sell or promote OCOP products besides the producers themselves: showrooms,
display points, points of sale, fairs and markets (with their dates), agritourism sites, hotels and restaurants
(:data:`~ocop_geo.registry_schema.VENUE_KINDS`). A venue table is told by its ``kind`` (``Loại điểm``) or
``venue_id`` (``Mã điểm``) header. A fair must give its dates (``start_date``, ``end_date``; ISO or dd/mm/yyyy;
with only a start date it is held that one day); another venue may give them too (a market's session, or only
``start_date``: open since that day). A venue may name the producer whose own site it is
(``producer_id``); with no location of its own it takes that producer's address. Venues are placed by the same
offline geocoder as producers.

Producers and venues may give a ``phone`` (``Số điện thoại``), ``zalo`` and ``website`` (``Trang web``): phone
numbers are normalised (``0903 123 456``, ``028 3823 4567``; several joined by ``", "``), web addresses made
``https://`` URLs; a value that is none is a problem of its row. When those columns are empty, a phone number,
Zalo or web address written in the free-text ``contact`` (``Liên hệ``) column is used.
:meth:`Registry.contacts` gives each place's address and contact, as the planner copies them onto stops.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from . import settings
from ._errors import InputFileError
from .geocode import geocode_frame
from .i18n import gettext as _
from .opening_hours import parse_opening_hours
from .overlay import apply_overlay, overlay_path, read_overlay
from .registry_schema import (
    ALL_HEADER_KEYS,
    DATED_VENUE_KINDS,
    FLAT_PRODUCER_FIELDS,
    GROUP_SOURCES,
    PRECISIONS,
    PRODUCER_COLUMNS,
    PRODUCER_TYPES,
    PRODUCT_COLUMNS,
    STARS_UNKNOWN,
    VENUE_COLUMNS,
    VENUE_KINDS,
    VENUE_MARKERS,
    contact_from_text,
    header_key,
    match_columns,
    parse_coordinate,
    parse_date,
    parse_float,
    parse_group,
    parse_phones,
    parse_precision,
    parse_producer_type,
    parse_stars,
    parse_status,
    parse_venue_kind,
    parse_website,
    parse_zalo,
    producer_type_from_name,
)
from .tableio import RawTable, read_table
from .textnorm import fold, producer_name_key, slugify

log = logging.getLogger(__name__)

PRODUCER_FIELDS = ("producer_id", "name", "producer_type", "address", "ward", "district", "lat", "lon",
                   "location_precision", "opening_hours", "visit_minutes", "phone", "zalo", "website", "contact",
                   "source", "notes", "source_file", "source_row")
PRODUCT_FIELDS = ("product_id", "name", "ocop_group", "ocop_group_en", "ocop_group_code", "group_source", "stars",
                  "status", "decision", "year", "n_products", "producer_id", "source", "notes", "source_file",
                  "source_row")
VENUE_FIELDS = ("venue_id", "kind", "name", "address", "ward", "district", "lat", "lon", "location_precision",
                "opening_hours", "start_date", "end_date", "phone", "zalo", "website", "contact", "producer_id",
                "source", "notes", "source_file", "source_row")
#: The fields of a place a visitor needs to find and call it (what :meth:`Registry.contacts` gives).
CONTACT_FIELDS = ("address", "phone", "zalo", "website")
#: Columns the offline geocoder adds to placed producers and venues.
GEOCODE_COLUMNS = ("district_code", "ward_code", "unit_2025", "unit_code_2025", "geocode_confidence",
                   "geocode_note")
REJECTED_COLUMNS = ("file", "row", "table", "record", "problems", "fix")

#: Bytes 0x80-0xBF (UTF-8 continuation bytes) as Windows-1252 shows them.
_CP1252_CONTINUATION = bytes(range(0x80, 0xC0)).decode("cp1252", errors="ignore")
#: Signs of UTF-8 text that was read as Windows-1252 and saved again ("Củ Chi" -> "Cá»§ Chi"): a UTF-8 lead
#: byte of Vietnamese letters (Ã Ä Æ á â) followed by a continuation byte. Real Vietnamese never has that pair;
#: an upper-case "XÃ " or "NGÃ BA" (Ã then a space or letter) is not garbled.
_MOJIBAKE = re.compile(f"[ÃÄÆáâ][{re.escape(_CP1252_CONTINUATION)}]")


@dataclass(frozen=True)
class Product:
    """One OCOP product of a producer, as pages, maps and the planner show it.

    ``status`` is ``"certified"`` (recognised, with stars) or ``"candidate"`` (not yet certified);
    ``n_products`` counts products listed together on one registry row (a product line).
    """

    name: str
    stars: int | None = None
    group: str = ""
    group_en: str = ""
    status: str = "certified"
    n_products: int = 1

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict (the itinerary contract: name, stars, group, group_en)."""
        return {"name": self.name, "stars": self.stars, "group": self.group, "group_en": self.group_en}


def _cell_text(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


def _cell_int(value: object) -> int | None:
    try:
        f = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return int(f) if f == f and f not in (float("inf"), float("-inf")) else None


def products_by_producer(
    products: pd.DataFrame | None, *, include: str = "certified"
) -> dict[str, list[Product]]:
    """The one producer × products join: each producer id with its products, in registry order.

    Parameters
    ----------
    products
        ``Registry.products`` (``producer_id``, ``name``, ``stars``, ``ocop_group``, ``ocop_group_en``,
        ``status``, ``n_products``); ``None`` or empty gives ``{}``.
    include
        ``"certified"`` (recognised products only: what routes score and maps show), ``"candidate"``
        or ``"all"``. Say which: a candidate is not an OCOP product yet.
    """
    if include not in ("certified", "candidate", "all"):
        raise ValueError(f"include must be 'certified', 'candidate' or 'all', not {include!r}")
    out: dict[str, list[Product]] = {}
    if products is None or not len(products):
        return out
    for row in products.itertuples(index=False):
        status = _cell_text(getattr(row, "status", "certified")) or "certified"
        if include != "all" and status != include:
            continue
        out.setdefault(_cell_text(row.producer_id), []).append(
            Product(
                name=_cell_text(row.name),
                stars=_cell_int(getattr(row, "stars", None)),
                group=_cell_text(getattr(row, "ocop_group", "")),
                group_en=_cell_text(getattr(row, "ocop_group_en", "")),
                status=status,
                n_products=_cell_int(getattr(row, "n_products", 1)) or 1,
            )
        )
    return out


@dataclass(frozen=True)
class Problem:
    """One problem in one cell (or row) of one input file."""

    file: str
    row: int | None
    column: str
    value: str
    problem: str
    fix: str
    table: str = ""

    def __str__(self) -> str:
        where = f"{self.file}, row {self.row}" if self.row is not None else self.file
        col = f", column {self.column!r}" if self.column else ""
        val = f" (value {self.value!r})" if self.value else ""
        return f"{where}{col}{val}: {self.problem}. {self.fix}"


def _venue_frame(records: list[dict] | None = None) -> gpd.GeoDataFrame:
    """Accepted venues as a GeoDataFrame (EPSG:4326) with :data:`VENUE_FIELDS` and the geocoder's columns."""
    frame = pd.DataFrame(records or [], columns=list(VENUE_FIELDS))
    geometry = [Point(lon, lat) if lat is not None and lon is not None and not pd.isna(lat) else None
                for lat, lon in zip(frame["lat"], frame["lon"], strict=True)]
    gdf = gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")
    for column in ("lat", "lon"):
        gdf[column] = pd.to_numeric(gdf[column], errors="coerce")
    gdf["location_precision"] = gdf["location_precision"].fillna("none")
    gdf["source_row"] = gdf["source_row"].astype("Int64")
    return _with_geocode_columns(gdf)


def _with_geocode_columns(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    for column in GEOCODE_COLUMNS:
        if column not in gdf.columns:
            gdf[column] = "" if column == "geocode_note" else None
    return gdf


@dataclass
class Registry:
    """Accepted producers, products and venues, and every rejected input row with its reasons.

    ``venues`` (EPSG:4326) has :data:`VENUE_FIELDS`, ``geometry`` and the geocoder's columns
    (:data:`GEOCODE_COLUMNS`); it is empty, with those columns, when no venue table was given.
    """

    producers: gpd.GeoDataFrame
    products: pd.DataFrame
    rejected: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    input_rows: dict[str, int] = field(default_factory=dict)
    venues: gpd.GeoDataFrame = field(default_factory=_venue_frame)

    def contacts(self) -> dict[str, dict[str, str]]:
        """Address, phone, Zalo and website (:data:`CONTACT_FIELDS`, ``""`` when not given) of every accepted
        producer and venue, by ``producer_id`` / ``venue_id``."""
        out: dict[str, dict[str, str]] = {}
        for frame, id_column in ((self.producers, "producer_id"), (self.venues, "venue_id")):
            if frame is None or id_column not in frame:
                continue
            columns = {k: frame[k] if k in frame else None for k in CONTACT_FIELDS}
            for i, place_id in enumerate(frame[id_column]):
                values = {k: _cell_text(c.iloc[i]) if c is not None else "" for k, c in columns.items()}
                if any(values.values()):
                    out[_cell_text(place_id)] = values
        return out

    @property
    def n_input_rows(self) -> int:
        """Number of data rows read from all files."""
        return sum(self.input_rows.values())

    @property
    def unplaced(self) -> gpd.GeoDataFrame:
        """Accepted producers that have no location yet."""
        return self.producers[self.producers.geometry.isna()]

    def summary(self) -> dict[str, object]:
        """Counts for reports: certified products by group, stars and district; candidates; placement; venues
        by kind (``venues_by_kind``, in :data:`~ocop_geo.registry_schema.VENUE_KINDS` order) and placement."""
        products = self.products.merge(
            self.producers[["producer_id", "district"]], on="producer_id", how="left"
        )
        products["n"] = products["n_products"].fillna(1).astype(int)
        certified = products[products["status"] == "certified"]

        def by(column: str) -> dict[str, int]:
            values = certified[column].astype(object)
            keys = values.where(values.notna() & (values.astype(str) != ""), "(not given)").astype(str)
            counts = certified["n"].groupby(keys).sum().sort_values(ascending=False)
            return {str(k): int(v) for k, v in counts.items()}

        return {
            "input_rows": self.n_input_rows,
            "producers": len(self.producers),
            "product_rows": len(self.products),
            "certified_products": int(certified["n"].sum()),
            "candidate_products": int(products.loc[products["status"] == "candidate", "n"].sum()),
            "rejected_rows": len(self.rejected),
            "by_group": by("ocop_group"),
            "by_stars": by("stars"),
            "by_district": by("district"),
            "producers_by_precision": {
                str(k): int(v) for k, v in self.producers["location_precision"].value_counts().items()
            },
            "venues": len(self.venues),
            "venues_by_kind": {k: int(n) for k in VENUE_KINDS if (n := (self.venues["kind"] == k).sum())},
            "venues_by_precision": {
                str(k): int(v) for k, v in self.venues["location_precision"].value_counts().items()
            },
        }


# --- reading -------------------------------------------------------------------------------------


def bundled_registry_paths() -> list[Path]:
    """The bundled registry's files: producers, products and, when the file exists, venues."""
    paths = [settings.registry_producers, settings.registry_products]
    venues = settings.registry_venues
    return [*paths, venues] if venues.is_file() else paths


def load_bundled_registry(*, geocode: bool = True) -> Registry:
    """The registry bundled in ``data/registry/`` (HCMC OCOP products, producers and venues named by the news)."""
    return load_registry(*bundled_registry_paths(), geocode=geocode)


def load_registry(*paths: str | Path, geocode: bool = True) -> Registry:
    """Read and validate registry files (producer tables, product tables, flat product lists, venue tables).

    Parameters
    ----------
    *paths
        CSV (UTF-8 or Windows-1258), Excel (.xlsx), GeoJSON or GeoPackage files. The kind of each table is told
        by its headers: a venue-kind or venue-id column (``kind`` / ``Loại điểm``, ``venue_id`` / ``Mã điểm``)
        makes it a venue table, a product-name column a product table.
    geocode
        Place producers and venues that have no coordinates from their address, ward and district with the
        offline geocoder (:mod:`ocop_geo.geocode`).

    Returns
    -------
    Registry
        ``producers`` + ``products`` + ``venues`` + ``rejected`` account for every input row exactly once.

    Raises
    ------
    InputFileError
        A file cannot be read at all, or its headers name neither producers, products nor venues.
    """
    if not paths:
        raise InputFileError(_("no registry file given. Pass a CSV, Excel, GeoJSON or GeoPackage file."))
    tables = [read_table(p, known_headers=ALL_HEADER_KEYS) for p in paths]
    builder = _Builder()
    producer_tables, product_tables, venue_tables = [], [], []
    for table in tables:
        builder.notices.extend(table.notices)
        builder.input_rows[str(table.path)] = len(table.frame)
        headers = list(table.frame.columns)
        venue_cols = match_columns(headers, VENUE_COLUMNS)
        if any(marker in venue_cols for marker in VENUE_MARKERS):
            venue_tables.append((table, venue_cols))
            continue
        _refuse_folded_duplicates(table, headers)
        product_cols = match_columns(headers, PRODUCT_COLUMNS)
        producer_cols = match_columns(headers, PRODUCER_COLUMNS)
        _plain_name_as_product(headers, product_cols, producer_cols)
        if "name" in product_cols and (
            product_cols["name"] != producer_cols.get("name") or "product_id" in product_cols
        ):
            product_tables.append((table, product_cols, match_columns(headers, _flat_producer_schema())))
        elif "name" in producer_cols or "producer_id" in producer_cols:
            producer_tables.append((table, producer_cols))
        elif any(_MOJIBAKE.search(str(h)) for h in headers):
            raise InputFileError(_(
                "{path}: the headers are garbled ({headers}): the file was saved in one encoding and is read in "
                "another (Vietnamese UTF-8 read as Windows-1252 / Latin-1). Open it in Excel or LibreOffice and save "
                "it as 'CSV UTF-8'.", path=table.path, headers=", ".join(repr(str(h)) for h in headers[:4])))
        else:
            raise InputFileError(_(
                "{path}: cannot tell whether this table lists producers, products or venues: none of its headers "
                "({headers}) is a product name ('Tên sản phẩm', 'product_name'), a producer name ('Chủ thể', "
                "'producer') or a venue kind ('Loại điểm', 'kind'). Rename the header of that column.",
                path=table.path, headers=", ".join(str(h) for h in headers[:12])))
    for table, cols in producer_tables:
        builder.read_producers(table, cols)
    for table, cols, flat_cols in product_tables:
        # a flat list: its rows carry their producer (details, or only a name / the row's geometry); a product
        # table beside a producer table names producers of that table instead
        flat = bool(flat_cols) or not producer_tables or "_geom_lat" in table.frame.columns
        builder.read_products(table, cols, flat_cols, flat=flat)
    for table, cols in venue_tables:
        builder.read_venues(table, cols)
    registry = builder.finish()
    if geocode:
        registry = _place_unlocated(registry)
        registry.venues = _place_venues(registry.venues)
    # the department's corrections (ocop_geo.overlay), kept beside the registry, never written into it
    where = overlay_path(paths)
    registry.producers, registry.venues, applied = apply_overlay(registry.producers, registry.venues,
                                                                 read_overlay(where), source=where.name)
    registry.notices.extend(applied)
    log.info("registry: %d producers, %d product rows, %d venues accepted; %d rows rejected",
             len(registry.producers), len(registry.products), len(registry.venues), len(registry.rejected))
    return registry


def _place_venues(venues: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Place venues by the producers' geocoder path (:func:`_place_unlocated` on the venue frame)."""
    if venues.empty:
        return venues
    empty = pd.DataFrame(columns=list(PRODUCT_FIELDS))
    placed = _place_unlocated(Registry(venues, empty, pd.DataFrame(columns=list(REJECTED_COLUMNS)))).producers
    return _with_geocode_columns(placed)


#: Fields only a product row has: with one of them, a plain "name" column names the product, not its producer.
_PRODUCT_ONLY = ("product_id", "ocop_group", "stars", "status", "decision", "year", "n_products", "group_source")
_PLAIN_NAMES = frozenset({"name", "ten"})


def _plain_name_as_product(headers: list[str], product_cols: dict[str, str], producer_cols: dict[str, str]) -> None:
    """A table with a plain ``name`` column, product fields (stars, group, …) and a link to its producer (a
    ``producer`` name column or ``producer_id``) lists products: ``name`` is the product's name and the link names
    the producer (``name, producer, group, stars`` or ``name, producer_id, stars``). Updates the maps in place."""
    if "name" in product_cols or not any(k in product_cols for k in _PRODUCT_ONLY):
        return
    plain = next((h for h in headers if header_key(h) in _PLAIN_NAMES), None)
    if plain is None:
        return
    linked_by = [h for h in headers if h != plain and header_key(h) in PRODUCER_COLUMNS["name"]]
    if not linked_by and "producer_id" not in product_cols:
        return
    product_cols["name"] = plain
    if linked_by:
        product_cols["producer"] = linked_by[0]
    else:
        product_cols.pop("producer", None)
    if producer_cols.get("name") == plain:
        producer_cols.pop("name")


def _refuse_folded_duplicates(table: RawTable, headers: list[str]) -> None:
    """Two headers that mean the same field once accents and case are folded (``Số sao`` / ``So sao`` /
    ``SỐ SAO``) would keep one silently: refuse the file, naming them."""
    by_key: dict[str, list[str]] = {}
    for h in headers:
        if str(h).strip():
            by_key.setdefault(header_key(str(h)), []).append(str(h))
    twins = [names for key, names in by_key.items() if len(names) > 1 and key in ALL_HEADER_KEYS]
    if twins:
        listed = "; ".join(" / ".join(repr(n) for n in names) for names in twins)
        raise InputFileError(_("{path}: columns {columns} mean the same field once accents and case are set aside, "
                               "so only one could be read. Keep one of them (merge their values) or rename the "
                               "other.", path=table.path, columns=listed))


def _flat_producer_schema() -> dict[str, tuple[str, ...]]:
    return {k: v for k, v in PRODUCER_COLUMNS.items() if k in FLAT_PRODUCER_FIELDS}


# --- validation ----------------------------------------------------------------------------------


@dataclass
class _Row:
    table: RawTable
    index: int
    kind: str  # "producers" | "products" | "venues"
    record: dict[str, object] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def number(self) -> int:
        return self.table.row_numbers[self.index]

    def problem(self, column: str, value: str, problem: str, fix: str) -> None:
        self.problems.append(Problem(str(self.table.path), self.number, column, value, problem, fix, self.kind))


class _Builder:
    """Collects rows of all files, validates them, and links products to producers."""

    def __init__(self) -> None:
        self.producer_rows: list[_Row] = []
        self.product_rows: list[_Row] = []
        self.venue_rows: list[_Row] = []
        self.notices: list[str] = []
        self.input_rows: dict[str, int] = {}

    # producers ------------------------------------------------------------------------------------

    def read_producers(self, table: RawTable, cols: dict[str, str]) -> None:
        for i in range(len(table.frame)):
            row = _Row(table, i, "producers")
            row.record = self._producer_fields(row, _getter(table.frame.iloc[i], cols), cols, table)
            self.producer_rows.append(row)

    def _producer_fields(self, row: _Row, get, cols: dict[str, str], table: RawTable) -> dict[str, object]:
        rec: dict[str, object] = {"producer_id": get("producer_id"), "name": get("name")}
        col = _column_namer(cols)
        for f in ("address", "ward", "district", "contact", "source", "notes"):
            rec[f] = get(f)
        _check_text(row, rec, col)
        rec.update(_contact_fields(row, get, col, str(rec["contact"])))
        if not rec["name"]:
            row.problem(col("name"), "", _("the producer's name is missing"),
                        _("Fill in the producer (chủ thể) name as on the OCOP certificate"))
        # type
        raw_type = get("producer_type")
        kind = parse_producer_type(raw_type) if raw_type else producer_type_from_name(str(rec["name"]))
        if raw_type and kind is None:
            row.problem(col("producer_type"), raw_type, _("unknown producer type"),
                        _("Use one of: {values}", values=", ".join(PRODUCER_TYPES)))
        rec["producer_type"] = kind or ""
        # coordinates
        rec["lat"], rec["lon"], rec["location_precision"] = _coordinates(row, get, col, table)
        # opening hours and visit minutes
        rec["opening_hours"] = _checked_hours(row, get, col, _(
            "Write them in OSM opening_hours form, e.g. 'Mo-Sa 07:30-17:00' or 'Mo-Fr 08:00-11:30,13:30-17:00; "
            "Su off'"))
        raw_visit = get("visit_minutes")
        rec["visit_minutes"] = None
        if raw_visit:
            minutes = parse_float(raw_visit)
            if minutes is None or not 5 <= minutes <= 600:
                row.problem(col("visit_minutes"), raw_visit, _("visit minutes must be a number from 5 to 600"),
                            _("Give the usual visit length in minutes, e.g. 45"))
            else:
                rec["visit_minutes"] = int(round(minutes))
        return rec

    # venues ---------------------------------------------------------------------------------------

    def read_venues(self, table: RawTable, cols: dict[str, str]) -> None:
        for i in range(len(table.frame)):
            row = _Row(table, i, "venues")
            row.record = self._venue_fields(row, _getter(table.frame.iloc[i], cols), cols, table)
            row.record["_headers"] = (cols.get("venue_id", "venue_id"), cols.get("producer_id", "producer_id"))
            self.venue_rows.append(row)

    def _venue_fields(self, row: _Row, get, cols: dict[str, str], table: RawTable) -> dict[str, object]:
        col = _column_namer(cols)
        rec: dict[str, object] = {f: get(f) for f in ("venue_id", "name", "address", "ward", "district",
                                                      "contact", "producer_id", "source", "notes")}
        _check_text(row, rec, col)
        rec.update(_contact_fields(row, get, col, str(rec["contact"])))
        if not rec["name"]:
            row.problem(col("name"), "", _("the venue's name is missing"),
                        _("Fill in the name of the showroom, fair or site (tên điểm)"))
        raw_kind = get("kind")
        kind = parse_venue_kind(raw_kind) if raw_kind else None
        if kind is None:
            row.problem(col("kind"), raw_kind, _("unknown venue kind") if raw_kind else _("the venue kind is missing"),
                        _("Use one of: {values}", values=", ".join(f"{k.code} ({k.vi})" for k in VENUE_KINDS.values())))
        rec["kind"] = kind or ""
        rec["lat"], rec["lon"], rec["location_precision"] = _coordinates(row, get, col, table)
        rec["opening_hours"] = _checked_hours(row, get, col, _(
            "Write them in OSM opening_hours form, e.g. 'Mo-Su 08:00-21:00' or 'Sa,Su 07:00-17:00'; a fair's days "
            "go in start_date and end_date"))
        dates = {}
        for key in ("start_date", "end_date"):
            raw = get(key)
            dates[key] = parse_date(raw) if raw else None
            if raw and dates[key] is None:
                row.problem(col(key), raw, _("not a date"),
                            _("Write one calendar date, e.g. 2024-11-06 or 6/11/2024 (day/month/year)"))
        start, end = dates["start_date"], dates["end_date"]
        if kind in DATED_VENUE_KINDS and start is None and not get("start_date"):
            row.problem(col("start_date"), "", _("a {kind} needs its dates", kind=kind),
                        _("Give the first day in start_date (Ngày bắt đầu) and the last in end_date (Ngày kết "
                          "thúc); a one-day fair needs only start_date"))
        if end is not None and start is None and not get("start_date"):
            row.problem(col("start_date"), "", _("an end date is given without a start date"),
                        _("Give the first day in start_date too"))
        if start is not None and end is not None and end < start:
            row.problem(f"{col('start_date')}/{col('end_date')}", f"{get('start_date')} – {get('end_date')}",
                        _("the end date is before the start date"),
                        _("Check the order of the two dates (day/month/year)"))
        if end is None and kind in DATED_VENUE_KINDS:
            end = start  # a fair with only its first day is held that day
        rec["start_date"], rec["end_date"] = start, end  # another kind with only a start: open since then
        return rec

    # products -------------------------------------------------------------------------------------

    def read_products(self, table: RawTable, cols: dict[str, str], flat_cols: dict[str, str], *,
                      flat: bool = False) -> None:  # fmt: skip
        """Read a product table; ``flat``: its rows derive their producer when no producer of that name exists."""
        for i in range(len(table.frame)):
            self.product_rows.append(self._product_row(table, i, cols, flat_cols, flat=flat or bool(flat_cols)))

    def _product_row(self, table: RawTable, i: int, cols: dict[str, str], flat_cols: dict[str, str], *,
                     flat: bool) -> _Row:  # fmt: skip
        row = _Row(table, i, "products")
        cells = table.frame.iloc[i]
        get = _getter(cells, cols)
        col = _column_namer(cols)
        rec: dict[str, object] = {
            "product_id": get("product_id"), "name": get("name"), "producer_id": get("producer_id"),
            "producer": get("producer"), "decision": get("decision"), "source": get("source"),
            "notes": get("notes"),
        }
        _check_text(row, rec, col)
        if not rec["name"]:
            row.problem(col("name"), "", _("the product name is missing"),
                        _("Fill in the product name (tên sản phẩm)"))
        raw_status = get("status")
        status = parse_status(raw_status)
        if status is None:
            row.problem(col("status"), raw_status, _("unknown status"),
                        _("Use 'certified' (đã công nhận) or 'candidate' (ứng viên)"))
        rec["status"] = status or ""
        raw_group = get("ocop_group")
        group = parse_group(raw_group) if raw_group else None
        if group is None and (raw_group or status == "certified"):
            row.problem(col("ocop_group"), raw_group,
                        _("unknown OCOP group") if raw_group else _("the OCOP group is missing"),
                        _("Use one of the six groups: Thực phẩm, Đồ uống, Thảo dược, Vải và may mặc, "
                          "Lưu niệm – nội thất – trang trí, Dịch vụ du lịch cộng đồng, du lịch nông thôn và "
                          "điểm du lịch"))
        rec["ocop_group"] = group.vi if group else ""
        rec["ocop_group_en"] = group.en if group else ""
        rec["ocop_group_code"] = group.code if group else None
        raw_stars = get("stars")
        stars_unknown = fold(raw_stars) in STARS_UNKNOWN
        stars = parse_stars(raw_stars) if raw_stars and not stars_unknown else None
        if stars_unknown:
            pass  # certified, and the source gives no rating: said explicitly, never guessed
        elif raw_stars and (stars is None or not 3 <= stars <= 5):
            if stars is None:
                row.problem(col("stars"), raw_stars, _("stars must be 3, 4 or 5, written as one whole number"),
                            _("Write the rating of the recognition decision: 3, 4 or 5 (no '?' or ranges)"))
            else:
                row.problem(col("stars"), raw_stars, _("stars must be 3, 4 or 5"),
                            _("OCOP ratings below 3 stars are not recognised and 5 is the highest; write 3, 4 or 5"))
            stars = None
        elif not raw_stars and status == "certified":
            row.problem(col("stars"), "", _("a certified product needs its star rating"),
                        _("Fill in 3, 4 or 5 from the recognition decision, 'unknown' (không rõ) when no source "
                          "gives it, or set the status to candidate"))
        rec["stars"] = stars
        raw_group_source = get("group_source")
        group_source = GROUP_SOURCES.get(fold(raw_group_source)) if raw_group_source else ("stated" if group else "")
        if group_source is None:
            row.problem(col("group_source"), raw_group_source, _("unknown group source"),
                        _("Write 'stated' (a source gives the OCOP group) or 'inferred' (a documented rule gave it)"))
        rec["group_source"] = group_source or ""
        raw_year = get("year")
        year_match = re.search(r"(20\d\d)", raw_year)
        rec["year"] = int(year_match.group(1)) if year_match else None
        if raw_year and (rec["year"] is None or not 2018 <= rec["year"] <= date.today().year):
            row.problem(col("year"), raw_year, _("the recognition year is not a year from 2018 on"),
                        _("Write the year of the recognition decision, e.g. 2023"))
        raw_n = get("n_products")
        rec["n_products"] = 1
        if raw_n:
            n = parse_float(raw_n)
            if n is None or n < 1 or not float(n).is_integer():
                row.problem(col("n_products"), raw_n, _("the number of products must be a whole number ≥ 1"),
                            _("Leave it empty for one product per row"))
            else:
                rec["n_products"] = int(n)
        # producer fields carried on a flat product row
        if flat and rec["producer"]:
            flat_schema = {**flat_cols, "name": cols.get("producer", "producer")}
            row.record = rec
            rec["_flat"] = self._producer_fields(row, _getter(cells, flat_schema), flat_schema, table)
        if not rec["producer_id"] and not rec["producer"]:
            row.problem(col("producer"), "", _("the product names no producer"),
                        _("Fill in the producer (chủ thể) or its producer_id"))
        row.record = rec
        return row

    # linking --------------------------------------------------------------------------------------

    def finish(self) -> Registry:
        problems: list[Problem] = []
        accepted_producers: dict[str, dict] = {}
        by_name: dict[str, list[str]] = {}
        first_row: dict[str, _Row] = {}
        for row in self.producer_rows:
            rec = row.record
            pid = str(rec["producer_id"]) or _producer_slug(rec)
            if pid in first_row:
                first = first_row[pid]
                row.problem(first.table.frame.columns[0] if not rec["producer_id"] else "producer_id", pid,
                            _("duplicate producer id, first used at {file} row {row}", file=first.table.path.name,
                              row=first.number),
                            _("Give each producer its own id, or delete the repeated row"))
            first_row.setdefault(pid, row)
            if not row.problems:
                rec["producer_id"] = pid
                rec["source_file"], rec["source_row"] = str(row.table.path), row.number
                accepted_producers[pid] = rec
                by_name.setdefault(producer_name_key(rec["name"]), []).append(pid)
        accepted_products = self._link_products(accepted_producers, by_name)
        accepted_venues = self._link_venues(accepted_producers)
        rejected_records = []
        for row in [*self.producer_rows, *self.product_rows, *self.venue_rows]:
            if row.problems:
                problems.extend(row.problems)
                rejected_records.append({
                    "file": str(row.table.path), "row": row.number, "table": row.kind,
                    "record": str(row.record.get("name", "")),
                    "problems": "; ".join(f"{p.column}: {p.problem}" for p in row.problems),
                    "fix": "; ".join(dict.fromkeys(p.fix for p in row.problems)),
                })
        producers = _producer_frame(list(accepted_producers.values()))
        products = pd.DataFrame(accepted_products, columns=list(PRODUCT_FIELDS))
        products["stars"] = products["stars"].astype("Int64")
        products["year"] = products["year"].astype("Int64")
        products["ocop_group_code"] = products["ocop_group_code"].astype("Int64")
        products["n_products"] = products["n_products"].astype("Int64")
        rejected = pd.DataFrame(rejected_records, columns=list(REJECTED_COLUMNS))
        return Registry(producers, products, rejected, problems, list(self.notices), dict(self.input_rows),
                        venues=_venue_frame(accepted_venues))

    def _link_venues(self, accepted_producers: dict[str, dict]) -> list[dict]:
        """Check venue ids and linked producers; a linked venue with no location of its own takes the producer's
        address (and its coordinates, when the producer row gives them). Return the accepted venue records."""
        first_row: dict[str, _Row] = {}
        accepted: list[dict] = []
        for row in self.venue_rows:
            rec = row.record
            id_col, producer_col = rec.pop("_headers")
            vid = str(rec["venue_id"]) or "venue--" + _producer_slug(rec)
            if vid in first_row:
                first = first_row[vid]
                if rec["venue_id"]:
                    row.problem(id_col, vid,
                                _("duplicate venue id, first used at {file} row {row}", file=first.table.path.name,
                                  row=first.number),
                                _("Give each venue its own id, or delete the repeated row"))
                else:
                    vid = _unique_id(vid, first_row)
            first_row.setdefault(vid, row)
            pid = str(rec["producer_id"])
            producer = accepted_producers.get(pid) if pid else None
            if pid and producer is None:
                known = any(str(r.record.get("producer_id")) == pid for r in self.producer_rows)
                row.problem(producer_col, pid,
                            _("its producer was rejected (see that row)") if known else _("no producer has this id"),
                            _("Fix the producer's row") if known else
                            _("Correct the id, add the producer to the producer table, or leave producer_id empty "
                              "when the venue is not a producer's own site"))
            if row.problems:
                continue
            if producer is not None and rec["lat"] is None and not any(
                    rec[k] for k in ("address", "ward", "district")):
                for key in ("address", "ward", "district"):
                    rec[key] = producer.get(key) or ""
                if producer.get("lat") is not None:
                    rec.update({k: producer[k] for k in ("lat", "lon", "location_precision")})
            if producer is not None and not any(rec.get(k) for k in ("phone", "zalo", "website")):
                rec.update({k: producer.get(k) or "" for k in ("phone", "zalo", "website")})  # its own site
            rec["venue_id"] = vid
            rec["source_file"], rec["source_row"] = str(row.table.path), row.number
            accepted.append(rec)
        return accepted

    def _link_products(self, accepted_producers: dict[str, dict],
                       by_name: dict[str, list[str]]) -> list[dict]:
        """Resolve each product's producer (id, else name, else the producer fields of a flat row, which
        derive a new producer into ``accepted_producers``); return the accepted product records."""
        product_first: dict[str, _Row] = {}
        accepted_products: list[dict] = []
        for row in self.product_rows:
            rec = row.record
            pid = str(rec["producer_id"])
            flat = rec.pop("_flat", None)
            if pid:
                known = any(str(r.record.get("producer_id")) == pid for r in self.producer_rows)
                if pid not in accepted_producers and flat is not None and not known and flat.get("name") \
                        and not row.problems:  # a flat list with ids: its first row of an id makes the producer
                    flat.update(producer_id=pid, source=flat.get("source") or rec["source"],
                                source_file=str(row.table.path), source_row=row.number)
                    accepted_producers[pid] = flat
                    by_name.setdefault(producer_name_key(flat["name"]), []).append(pid)
                elif pid not in accepted_producers:
                    row.problem("producer_id", pid,
                                _("its producer was rejected (see that row)") if known else _("no producer has this id"),
                                _("Fix the producer's row") if known else
                                _("Add the producer to the producer table or correct the id"))
                elif flat is not None and not row.problems and not known:
                    self._merge_flat(accepted_producers[pid], flat, row)
            elif rec["producer"]:
                ids = namesakes = by_name.get(producer_name_key(rec["producer"]), [])
                if flat is not None and ids:  # a flat row names its district: a namesake elsewhere is another
                    ids = [i for i in ids if _same_text(accepted_producers[i].get("district"), flat.get("district"))]
                if len(ids) > 1:
                    row.problem("producer", str(rec["producer"]),
                                _("several producers have this name: {ids}", ids=", ".join(ids)),
                                _("Use the producer_id column to say which"))
                elif ids:
                    pid = ids[0]
                    known = accepted_producers[pid]
                    if fold(known["name"]) != fold(rec["producer"]) and not row.problems:
                        self.notices.append(_(
                            "{path}: row {row}: producer {given!r} is read as {name!r} ({id}): the same name once "
                            "abbreviations such as HTX = Hợp tác xã are spelled out; if they are two producers, give "
                            "each its producer_id", path=row.table.path, row=row.number, given=rec["producer"],
                            name=known["name"], id=pid))
                    if flat is not None and not row.problems:
                        self._merge_flat(accepted_producers[pid], flat, row)
                elif flat is not None and not row.problems:
                    pid = _producer_slug(flat)
                    for other in (accepted_producers[i] for i in namesakes if i != pid):
                        self.notices.append(_(
                            "{path}: row {row}: {name!r} in {district!r} is taken as another producer than the one "
                            "in {other_district!r} ({other_file} row {other_row}); if they are the same, write the "
                            "same district", path=row.table.path, row=row.number, name=flat["name"],
                            district=flat.get("district"), other_district=other.get("district"),
                            other_file=Path(str(other["source_file"])).name, other_row=other["source_row"]))
                    if pid not in accepted_producers:
                        flat["producer_id"] = pid
                        flat["source"] = flat.get("source") or rec["source"]
                        flat["source_file"], flat["source_row"] = str(row.table.path), row.number
                        accepted_producers[pid] = flat
                        by_name.setdefault(producer_name_key(flat["name"]), []).append(pid)
                    else:
                        self._merge_flat(accepted_producers[pid], flat, row)
                elif not row.problems:
                    row.problem("producer", str(rec["producer"]), _("no producer has this name"),
                                _("Add the producer to the producer table, or correct the name"))
            rec["producer_id"] = pid
            prid = str(rec["product_id"]) or f"{pid}--{slugify(str(rec['name']), max_length=40)}"
            if prid in product_first and rec["product_id"]:
                first = product_first[prid]
                row.problem("product_id", prid,
                            _("duplicate product id, first used at {file} row {row}", file=first.table.path.name,
                              row=first.number),
                            _("Give each product its own id, or delete the repeated row"))
            elif prid in product_first:
                prid = _unique_id(prid, product_first)
            product_first.setdefault(prid, row)
            if not row.problems:
                rec["product_id"] = prid
                rec["source_file"], rec["source_row"] = str(row.table.path), row.number
                accepted_products.append(rec)
        return accepted_products

    def _merge_flat(self, target: dict, extra: dict, row: _Row) -> None:
        """Fill a derived producer's empty fields from another of its rows; note values that disagree.

        The location (lat, lon and its precision) is taken as one piece."""
        location = ("lat", "lon", "location_precision")
        if target.get("lat") is None and extra.get("lat") is not None:
            target.update({k: extra[k] for k in location})
        for key, value in extra.items():
            if key.startswith("source") or value in (None, "") or (key in location and extra.get("lat") is None):
                continue
            if target.get(key) in (None, ""):
                target[key] = value
            elif key in FLAT_PRODUCER_FIELDS and not _same_text(target[key], value):
                self.notices.append(_(
                    "{path}: row {row}: producer {name!r} was first read at {first_file} row {first_row} with {field} "
                    "{first_value!r}; this row's {value!r} was not used. Make the rows agree, or give the producers "
                    "distinct names", path=row.table.path, row=row.number, name=target["name"],
                    first_file=Path(str(target["source_file"])).name, first_row=target["source_row"], field=key,
                    first_value=target[key], value=value))


def _same_text(a: object, b: object) -> bool:
    """True when either is empty or one's folded words contain the other's ("Huyện Bình Chánh", "Bình Chánh")."""
    fa, fb = fold(a), fold(b)
    return not fa or not fb or f" {fa} " in f" {fb} " or f" {fb} " in f" {fa} "


def _getter(cells: pd.Series, cols: dict[str, str]):
    """Cell reader for one row: field name -> stripped text ("" when the file has no such column)."""

    def get(field_name: str) -> str:
        return str(cells[cols[field_name]]).strip() if field_name in cols else ""

    return get


def _column_namer(cols: dict[str, str]):
    """Field name -> the header the user wrote (for messages)."""
    return lambda field_name: cols.get(field_name, field_name)


#: The longest text a registry cell may hold: names, then any other text (notes and sources can be long).
MAX_NAME_CHARS, MAX_TEXT_CHARS = 300, 5000


def _check_text(row: _Row, rec: dict[str, object], col) -> None:
    for key, value in rec.items():
        if not isinstance(value, str):
            continue
        limit = MAX_NAME_CHARS if key in ("name", "producer") else MAX_TEXT_CHARS
        if len(value) > limit:
            row.problem(col(key), value[:60] + "…",
                        _("the text is {length:,} characters long (at most {limit:,} here): cells merged or pasted "
                          "by mistake?", length=len(value), limit=limit),
                        _("Shorten it to what belongs in this column"))
        elif _MOJIBAKE.search(value):
            row.problem(col(key), value, _("the text looks garbled by a wrong encoding (UTF-8 read as Windows-1252)"),
                        _("Re-export the file as 'CSV UTF-8' from the original spreadsheet"))


def _coordinates(row: _Row, get, col, table: RawTable) -> tuple[float | None, float | None, str]:
    raw_lat, raw_lon = get("lat"), get("lon")
    lat_col, lon_col = col("lat"), col("lon")
    if not raw_lat and not raw_lon and "_geom_lat" in table.frame.columns:
        cells = table.frame.iloc[row.index]
        raw_lat, raw_lon = str(cells["_geom_lat"]), str(cells["_geom_lon"])
        lat_col = lon_col = "geometry"
    raw_precision = get("location_precision")
    if not raw_lat and not raw_lon:
        return None, None, "none"
    lat, lon = parse_coordinate(raw_lat), parse_coordinate(raw_lon)
    if lat is None or lon is None:
        bad_col, bad = (lat_col, raw_lat) if lat is None else (lon_col, raw_lon)
        row.problem(bad_col, bad, _("the coordinate is missing or not a number"),
                    _("Give both latitude and longitude in decimal degrees (e.g. 10.9732, 106.4921) or degrees, "
                      "minutes, seconds (10°58'23.5\"N), or neither"))
        return None, None, "none"
    west, south, east, north = settings.hcmc_2025_bbox  # the merged city, with Bình Dương and Bà Rịa–Vũng Tàu
    inside = lambda y, x: south <= y <= north and west <= x <= east  # noqa: E731
    if not inside(lat, lon):
        if inside(lon, lat):
            row.problem(f"{lat_col}/{lon_col}", f"{raw_lat}, {raw_lon}", _("latitude and longitude look swapped"),
                        _("Swap the two columns: in HCMC latitude is about {south:g}–{north:g} and longitude "
                          "{west:g}–{east:g}", south=south, north=north, west=west, east=east))
        else:
            row.problem(f"{lat_col}/{lon_col}", f"{raw_lat}, {raw_lon}",
                        _("the point lies outside Ho Chi Minh City (as merged on 1/7/2025)"),
                        _("Check the coordinates (decimal degrees, WGS84), or leave them empty to place it "
                          "from its address"))
        return None, None, "none"
    precision = "exact"
    if raw_precision:
        parsed = parse_precision(raw_precision)
        if parsed is None:
            row.problem(col("location_precision"), raw_precision, _("unknown location precision"),
                        _("Use one of: {values}", values=", ".join(PRECISIONS)))
        else:
            precision = parsed
    return lat, lon, precision


def _contact_fields(row: _Row, get, col, contact: str) -> dict[str, str]:
    """The row's phone, Zalo and website, normalised; a problem for a value that is none. Fields left empty
    are taken from what the free-text ``contact`` cell states (a phone number, a Zalo, a web address)."""
    out = {"phone": "", "zalo": "", "website": ""}
    raw = get("phone")
    if raw:
        phones = parse_phones(raw)
        if phones is None:
            row.problem(col("phone"), raw, _("not a Vietnamese phone number"),
                        _("Write it as 0903 123 456 (mobile, 10 digits), 028 3823 4567 (landline with its area "
                          "code), 1900 1234 or +84 903 123 456; separate several numbers with ';'"))
        else:
            out["phone"] = ", ".join(phones)
    raw = get("zalo")
    if raw:
        zalo = parse_zalo(raw)
        if zalo is None:
            row.problem(col("zalo"), raw, _("not a Zalo number or zalo.me link"),
                        _("Write the phone number the Zalo account uses (0903 123 456) or its https://zalo.me/… link"))
        out["zalo"] = zalo or ""
    raw = get("website")
    if raw:
        url = parse_website(raw)
        if url is None:
            row.problem(col("website"), raw, _("not a web address"),
                        _("Write one address such as https://htxphuocan.vn or www.facebook.com/htxphuocan"))
        out["website"] = url or ""
    if contact:
        out.update({k: v for k, v in contact_from_text(contact).items() if not get(k)})
    return out


def _checked_hours(row: _Row, get, col, fix: str) -> str:
    """The row's opening hours as written; a problem (with ``fix``, how to write them) when they cannot be read."""
    text = get("opening_hours")
    error = _opening_hours_error(text) if text else None
    if error:
        row.problem(col("opening_hours"), text, _("opening hours cannot be read ({error})", error=error), fix)
    return text


def _opening_hours_error(text: str) -> str | None:
    try:
        parse_opening_hours(text)
    except ValueError as exc:
        return str(exc)
    return None


def _producer_slug(rec: dict) -> str:
    base = slugify(str(rec.get("name", "")), max_length=48)
    district = slugify(str(rec.get("district", "")), max_length=20) if rec.get("district") else ""
    return f"{base}--{district}" if district else base


def _unique_id(base: str, taken: dict) -> str:
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _producer_frame(records: list[dict]) -> gpd.GeoDataFrame:
    frame = pd.DataFrame(records, columns=list(PRODUCER_FIELDS))
    geometry = [Point(lon, lat) if lat is not None and lon is not None and not pd.isna(lat) else None
                for lat, lon in zip(frame["lat"], frame["lon"], strict=True)]
    gdf = gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")
    gdf["lat"] = pd.to_numeric(gdf["lat"], errors="coerce")
    gdf["lon"] = pd.to_numeric(gdf["lon"], errors="coerce")
    gdf["visit_minutes"] = gdf["visit_minutes"].astype("Int64")
    gdf["location_precision"] = gdf["location_precision"].fillna("none")
    return gdf


def _place_unlocated(registry: Registry) -> Registry:
    """Place producers without coordinates with the offline geocoder and check the given ones.

    Given coordinates are kept with their stated precision; a point outside the stated ward is noted in
    ``geocode_note``. Administrative codes (old and 2025) are added for every producer.
    """
    producers = registry.producers
    if producers.empty:
        return registry
    result = geocode_frame(producers, address_column="address", ward_column="ward",
                           district_column="district", lat_column="lat", lon_column="lon")
    todo = producers.geometry.isna() & result["lat"].notna()
    idx = producers.index[todo]
    producers.loc[idx, "lat"] = result.loc[idx, "lat"]
    producers.loc[idx, "lon"] = result.loc[idx, "lon"]
    producers.loc[idx, "location_precision"] = result.loc[idx, "precision"]
    producers.loc[idx, "geometry"] = gpd.points_from_xy(result.loc[idx, "lon"], result.loc[idx, "lat"])
    fine = producers["location_precision"].isin(["exact", "poi", "street", "ward"])
    producers["district_code"] = result["district_code"].where(producers.geometry.notna(), None)
    for column in ("ward_code", "unit_2025", "unit_code_2025"):  # a district centroid names no ward
        producers[column] = result[column].where(fine, None)
    producers["geocode_confidence"] = result["confidence"]
    producers["geocode_note"] = result["geocode_note"].fillna("").astype(str)
    for column, allowed in (("district", producers.geometry.notna()), ("ward", fine)):
        fill = (producers[column].fillna("") == "") & allowed & result[column].notna()
        producers.loc[fill, column] = result.loc[fill, column]
    log.info("geocoded %d of %d producers without coordinates", len(idx), int(producers.geometry.isna().sum()
                                                                            + len(idx)))
    registry.producers = producers
    return registry
