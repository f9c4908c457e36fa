"""Settings are read when used: derived paths follow data_dir, the environment is read at use."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocop_geo import settings


def test_paths_under_data_dir_follow_a_changed_data_dir(monkeypatch, tmp_path):
    monkeypatch.setattr(settings, "data_dir", tmp_path)
    assert settings.osm_extract == tmp_path / "osm" / "hcm_2018.osm.pbf"
    assert settings.pois_file == tmp_path / "pois" / "hcm_2018_pois.geojson"
    assert settings.admin_dir == tmp_path / "admin"
    assert settings.registry_producers.parent == tmp_path / "registry"


def test_environment_is_read_when_the_setting_is_used(monkeypatch, tmp_path):
    monkeypatch.setenv("OCOP_GEO_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("OCOP_GEO_ONLINE", "1")
    assert settings.cache_dir == tmp_path / "cache"
    assert settings.allow_online is True
    monkeypatch.setenv("OCOP_GEO_ONLINE", "0")
    assert settings.allow_online is False


def test_a_set_value_wins_until_deleted(tmp_path):
    default = settings.osm_extract
    settings.osm_extract = tmp_path / "other.osm.pbf"
    try:
        assert settings.osm_extract == tmp_path / "other.osm.pbf"
    finally:
        del settings.osm_extract
    assert settings.osm_extract == default
    assert isinstance(default, Path)


def test_an_unknown_setting_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no setting 'osm_extrakt'"):
        _ = settings.osm_extrakt
