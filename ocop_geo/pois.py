"""The one reader of the points-of-interest layer (OSM POIs: markets, hotels, restaurants, sights).

The gazetteer places addresses by POI names and route specs name their start, end and lunch
places by them; both read the layer through :func:`read_pois`.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import geopandas as gpd
import pandas as pd
from pyogrio.errors import DataLayerError, DataSourceError

from . import settings
from ._errors import InputFileError

log = logging.getLogger(__name__)

#: Columns of :func:`read_pois`, besides the point ``geometry`` (EPSG:4326).
POI_COLUMNS: tuple[str, ...] = ("ref", "name", "name_en", "category", "opening_hours")


def read_pois(path: str | os.PathLike | None = None) -> gpd.GeoDataFrame:
    """Read the named point POIs of a GeoJSON / GeoPackage layer (default ``settings.pois_file``).

    Parameters
    ----------
    path
        A layer with ``name`` and, where known, ``name:en``, ``category``, ``osm_type`` and
        ``osm_id`` and ``opening_hours`` (the bundled OSM POI extract has them all).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per POI with a name and a point: ``ref`` (``"node/123"``, or ``""``), ``name``,
        ``name_en``, ``category``, ``opening_hours`` (empty text where unknown), ``geometry``.

    Raises
    ------
    InputFileError
        The file is missing or is not a readable vector layer; the message names it.
    """
    path = Path(path if path is not None else settings.pois_file)
    try:
        raw = gpd.read_file(path)
    except (OSError, DataSourceError, DataLayerError) as exc:
        raise InputFileError(
            f"{path}: cannot read the POI layer ({exc}); give a GeoJSON or GeoPackage of points"
        ) from None
    if raw.crs is not None and raw.crs.to_epsg() != 4326:
        raw = raw.to_crs(4326)

    def text(column: str) -> pd.Series:
        if column not in raw.columns:
            return pd.Series("", index=raw.index, dtype=object)
        return raw[column].fillna("").astype(str).str.strip()

    if "osm_type" in raw.columns and "osm_id" in raw.columns:
        ref = (text("osm_type") + "/" + text("osm_id")).where(text("osm_id") != "", "")
    else:
        ref = text("ref")
    out = gpd.GeoDataFrame(
        {
            "ref": ref,
            "name": text("name"),
            "name_en": text("name:en"),
            "category": text("category"),
            "opening_hours": text("opening_hours"),
        },
        geometry=raw.geometry,
        crs=4326,
    )
    named = (out["name"] != "") & out.geometry.notna() & (out.geometry.geom_type == "Point")
    out = out[named].reset_index(drop=True)
    log.debug("read %d named POIs from %s", len(out), path)
    return out
