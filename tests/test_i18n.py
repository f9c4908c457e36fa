"""The message catalogue: complete, used, and what the command line says in each language."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ocop_geo import i18n, settings

ROOT = Path(__file__).resolve().parent.parent


def _script():
    spec = importlib.util.spec_from_file_location("update_messages", ROOT / "scripts" / "update_messages.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_every_message_has_a_vietnamese_translation_and_none_is_stale():
    mod = _script()
    template = mod.extract()
    assert len(template) > 20  # the extractors found the code's messages
    assert mod.problems(mod.load(), template) == []


def test_the_check_fails_on_a_missing_translation(tmp_path):
    mod = _script()
    template = mod.extract()
    catalogue = mod.load()
    first = next(m for m in catalogue if m.id)
    first.string = ""
    assert mod.problems(catalogue, template) == [f"no Vietnamese translation: {first.id!r}"]
    del catalogue[first.id]
    assert mod.problems(catalogue, template) == [f"not in the catalogue: {first.id!r}"]


def test_gettext_both_and_placeholders():
    assert i18n.gettext("Rejected rows", "vi") == "Các dòng bị loại"
    assert i18n.gettext("Rejected rows", "en") == "Rejected rows"
    assert i18n.both("row") == {"vi": "dòng", "en": "row"}
    assert i18n.gettext("{n} producers have no location yet", "vi", n=3) == "3 chủ thể chưa có vị trí"
    assert i18n.gettext("a message nobody translated", "vi") == "a message nobody translated"
    with pytest.raises(ValueError, match="language must be one of vi, en"):
        i18n.gettext("row", "fr")


def test_default_language_is_vietnamese_and_follows_settings(monkeypatch):
    monkeypatch.delenv("OCOP_GEO_LANG", raising=False)
    assert i18n.language() == "vi"
    monkeypatch.setenv("OCOP_GEO_LANG", "en")
    assert i18n.language() == "en"
    settings.language = "vi"
    try:
        assert i18n.gettext("row") == "dòng"
    finally:
        del settings.language


def _validate(*args: str, env_lang: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "OCOP_GEO_LANG"}
    if env_lang:
        env["OCOP_GEO_LANG"] = env_lang
    files = [str(ROOT / "data" / "registry" / f) for f in ("producers.csv", "products.csv")]
    res = subprocess.run([sys.executable, "-m", "ocop_geo", *args, "validate", *files, "--no-geocode"],
                         capture_output=True, text=True, env=env, timeout=300)  # fmt: skip
    assert res.returncode in (0, 1), res.stderr
    return res.stdout


def test_the_command_line_speaks_vietnamese_by_default_and_english_when_asked():
    vi = _validate(env_lang=None)
    assert "Danh sách OCOP" in vi and "dòng đã đọc" in vi
    assert "rows read" not in vi
    en = _validate("--lang", "en", env_lang=None)
    assert "OCOP registry" in en and "rows read" in en
    assert "Danh sách OCOP" not in en


def test_the_page_scripts_messages_file_is_up_to_date():
    from ocop_geo import mapping

    path = mapping.STATIC_DIR / "ocop" / "messages.js"
    assert path.read_text(encoding="utf-8") == mapping.script_messages(), "run scripts/update_messages.py"
    assert '"Open now":"Đang mở cửa"' in path.read_text(encoding="utf-8")


def test_validation_problems_speak_the_language_of_the_run(tmp_path):
    """The registry's problems and fixes come from the catalogue: Vietnamese by default, English with --lang en."""
    bad = tmp_path / "producers.csv"
    bad.write_text("producer_id,name,district,lat,lon,website\n"
                   "P1,HTX Phước An,Bình Chánh,10.6657,106.5932,trang facebook HTX\n", encoding="utf-8")  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "OCOP_GEO_LANG"}
    env["COLUMNS"] = "250"  # one problem, one line

    def run(*args: str) -> str:
        res = subprocess.run([sys.executable, "-m", "ocop_geo", *args, "validate", str(bad), "--no-geocode"],
                             capture_output=True, text=True, env=env, timeout=300)  # fmt: skip
        assert res.returncode == 1, res.stderr  # the row is rejected
        return res.stdout

    vi = run()
    assert "producers.csv dòng 2, website = 'trang facebook HTX': không phải địa chỉ web." in vi
    assert "→ Ghi một địa chỉ, ví dụ https://htxphuocan.vn hoặc www.facebook.com/htxphuocan." in vi
    assert "not a web address" not in vi
    en = run("--lang", "en")
    assert "producers.csv row 2, website = 'trang facebook HTX': not a web address." in en
    assert "→ Write one address such as https://htxphuocan.vn or www.facebook.com/htxphuocan." in en
    assert "không phải địa chỉ web" not in en


def test_problem_messages_with_placeholders_are_filled_in_vietnamese():
    assert i18n.gettext("duplicate producer id, first used at {file} row {row}", "vi", file="a.csv", row=3) == (
        "mã chủ thể bị trùng, đã dùng lần đầu ở a.csv dòng 3")
    assert i18n.gettext("the text is {length:,} characters long (at most {limit:,} here): cells merged or pasted "
                        "by mistake?", "en", length=12345, limit=300).startswith("the text is 12,345 characters")


def _help(*args: str, env_lang: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "OCOP_GEO_LANG"}
    if env_lang:
        env["OCOP_GEO_LANG"] = env_lang
    env["COLUMNS"] = "250"  # one sentence, one line
    res = subprocess.run([sys.executable, "-m", "ocop_geo", *args, "--help"], capture_output=True, text=True,
                         env=env, timeout=300)  # fmt: skip
    assert res.returncode == 0, res.stderr
    return res.stdout


def test_help_speaks_vietnamese_by_default_and_english_when_asked():
    """``--help`` texts are catalogue messages in the language known when the CLI starts: ``--lang`` given before
    the command, else OCOP_GEO_LANG, else Vietnamese."""
    vi = _help(env_lang=None)
    assert "Tuyến du lịch đến các chủ thể OCOP tại TP. Hồ Chí Minh" in vi
    assert "Kiểm tra các tệp danh sách OCOP" in vi  # the command list
    assert "Tourism routes to OCOP producers" not in vi
    vi = _help("validate", env_lang=None)
    assert "Ví dụ: ocop-geo validate data/registry/producers.csv" in vi
    assert "Ghi các dòng bị loại vào tệp CSV này." in vi
    assert "Write the rejected rows to this CSV." not in vi
    for args, env_lang in ((("validate",), "en"), (("--lang", "en", "validate"), None),
                           (("--lang=en", "validate"), "vi")):  # fmt: skip
        en = _help(*args, env_lang=env_lang)
        assert "Example: ocop-geo validate data/registry/producers.csv" in en, args
        assert "Write the rejected rows to this CSV." in en
        assert "Ghi các dòng bị loại" not in en
    assert "Tourism routes to OCOP producers in Ho Chi Minh City" in _help("--lang", "en", env_lang="vi")
    assert "Tourism routes to OCOP producers in Ho Chi Minh City" in _help(env_lang="en")


def test_the_help_language_is_peeked_from_the_global_options_only(monkeypatch):
    from ocop_geo.cli_common import help_language

    monkeypatch.delenv("OCOP_GEO_LANG", raising=False)
    assert help_language([]) == "vi"
    assert help_language(["--lang", "en", "plan", "--help"]) == "en"
    assert help_language(["--debug", "--lang=en", "--help"]) == "en"
    assert help_language(["validate", "--lang", "en"]) == "vi"  # after the command: not the global option
    assert help_language(["--lang", "fr", "--help"]) == "vi"  # left for --lang itself to reject
    monkeypatch.setenv("OCOP_GEO_LANG", "en")
    assert help_language(["validate", "--help"]) == "en"
    assert help_language(["--lang", "vi"]) == "vi"
    monkeypatch.setenv("OCOP_GEO_LANG", "xx")
    assert help_language([]) == "vi"
