"""The one POI reader: named points only, OSM refs, clear errors; the gazetteer and specs share it."""

from __future__ import annotations

import json

import pytest

from ocop_geo._errors import InputFileError
from ocop_geo.pois import POI_COLUMNS, read_pois
from ocop_geo.spec import load_pois


def _layer(tmp_path, features):
    path = tmp_path / "pois.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def _point(lon, lat, **props):
    return {"type": "Feature", "properties": props, "geometry": {"type": "Point", "coordinates": [lon, lat]}}


def test_read_pois_keeps_named_points_with_their_osm_ref(tmp_path):
    path = _layer(tmp_path, [
        _point(106.70, 10.77, osm_type="node", osm_id=1, name="Chợ Bến Thành", category="marketplace"),
        _point(106.71, 10.78, osm_type="node", osm_id=2, name="  "),  # no name: not a place to go
        _point(106.72, 10.79, osm_type="way", osm_id=3, name="Rex Hotel", **{"name:en": "Rex"}),
    ])  # fmt: skip
    pois = read_pois(path)
    assert list(pois.columns) == [*POI_COLUMNS, "geometry"]
    assert pois["name"].tolist() == ["Chợ Bến Thành", "Rex Hotel"]
    assert pois["ref"].tolist() == ["node/1", "way/3"]
    assert pois["name_en"].tolist() == ["", "Rex"]
    assert pois.crs.to_epsg() == 4326


def test_spec_index_finds_a_poi_by_its_english_name(tmp_path):
    path = _layer(tmp_path, [_point(106.72, 10.79, osm_type="way", osm_id=3, name="Khách sạn Rex",
                                    **{"name:en": "Rex Hotel"})])  # fmt: skip
    index = load_pois(path)
    (place,) = index.find("rex hotel")
    assert (place.name, place.ref, place.lat, place.lon) == ("Khách sạn Rex", "way/3", 10.79, 106.72)


def test_an_unreadable_poi_layer_names_the_file(tmp_path):
    bad = tmp_path / "pois.geojson"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputFileError, match="pois.geojson: cannot read the POI layer"):
        read_pois(bad)
    with pytest.raises(InputFileError, match="missing.geojson"):
        read_pois(tmp_path / "missing.geojson")


def test_the_bundled_layer_reads():
    pois = read_pois()
    assert len(pois) > 1000 and (pois["name"] != "").all()
