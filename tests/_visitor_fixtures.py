"""TEST FIXTURES for the visitor's pages: a demo-like site and the text a visitor sees in one language.

The itinerary is the hand-built one of ``_publish_fixtures`` (real bundled producers, straight legs), given what
the planner and the demo put into a real one: the officer's warnings (assumed hours with producer ids, precision),
a left-out list ending in "geocode it", a packed lunch named in both languages, an aggregate product row with its
English note, English leg notes. The registry frame gives hours for one producer only and contact data for two.
"""

from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

from _publish_fixtures import HOSTILE, itinerary, producers_gdf, products_df, venues_gdf

from ocop_geo import site
from ocop_geo.itinerary import Itinerary, NotChosen, Product

#: Hours the registry gives for the first producer of day 1 (others: none, so the planner assumed its default).
GIVEN_HOURS = "Mo-Fr 08:00-11:30,13:30-17:00; Sa 08:00-12:00; Su off"
PHONE = "0903 123 456"
ZALO = "0912 345 678"
WEBSITE = "https://www.example.vn/san-pham"
#: The producer of day 1's first stop (hours given, contact columns) and of day 2's first stop (free-text contact).
GIVEN_ID, CONTACT_ID = "HCM-P004", "HCM-P001"
#: Words of the officer's texts and English UI words that must not show in Vietnamese mode (Vietnamese words
#: written without diacritics such as "to", "no", "in", "an" are left out: they are Vietnamese too).
ENGLISH_WORDS = frozenset("""
    the and of for with not is are by from or this that its open opening closed hours assumed confirm before tour
    route routes stop stops producer producers ward centre center commune district street source names lunch packed
    bring day days directions share copy link call website address approximate location unknown geocode publish
    left warning minutes min today now straight line leg network road ferry basemap skip content registry level
    located only exact ask products product stars base url
""".split())  # fmt: skip
#: Vietnamese letters with diacritics (a lower-case word with one is Vietnamese text, not a place name).
VIETNAMESE = re.compile(r"[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.I)
#: An internal id of the registry (producers HCM-P…, venues HCM-V…).
INTERNAL_ID = re.compile(r"HCM-[PV]\d")


def demo_like_itinerary() -> Itinerary:
    """The fixture itinerary with the officer's texts a planned route carries (see the module note)."""
    it = itinerary(venue_stop=True)
    days = list(it.days)
    d1 = days[0]
    first = replace(d1.stops[1], opening_hours=GIVEN_HOURS)
    nest = Product("(14 sản phẩm chế biến từ tổ yến – names not in source)", 4, "Thực phẩm", "Food")
    first = replace(first, products=(*first.products, nest))
    lunch = replace(d1.stops[1], seq=2, kind="lunch", site_id=None, producer_ids=(), products=(), stars=None,
                    name="Ăn trưa / Lunch: mang theo đồ ăn / bring a packed lunch", opening_hours="", leg_in=None,
                    district="", ward="", unit_2025="")  # fmt: skip
    rest = [replace(s, seq=s.seq + 1) for s in d1.stops[2:]]
    days[0] = replace(d1, stops=(d1.stops[0], first, lunch, *rest))
    d2 = days[1]
    days[1] = replace(d2, stops=tuple(replace(s, opening_hours="Mo-Sa 08:00-17:00") if s.kind == "producer" else s
                                      for s in d2.stops))  # fmt: skip
    warnings = (
        "opening hours assumed 'Mo-Sa 08:00-17:00' for 3 producer(s) the registry gives none for: HCM-P001, "
        "HCM-P002, HCM-P005; confirm with the producers before the tour",
        "HCM-P004 is located only at ward level (Hòa Phú); ask the producer for the exact address before the tour",
        "day 1: no restaurant, market or food place within 15 min of the route fits lunch; bring a packed lunch",
    )
    left_out = (*it.not_chosen, NotChosen("HCM-P011", "HTX Nông nghiệp Thử", "unplaced",
                                          "no location in the registry: add an address or coordinates and geocode it",
                                          "chưa có vị trí"))  # fmt: skip
    return replace(it, days=tuple(days), warnings=(*it.warnings, *warnings), not_chosen=left_out)


def demo_like_producers(*, hostile: bool = False):
    """The fixture producers as the registry gives them: hours for one, contact columns for two, empty elsewhere;
    ``hostile`` names the first one with an HTML injection."""
    gdf = producers_gdf(hostile=hostile)
    gdf["opening_hours"] = ""
    gdf["phone"] = gdf["zalo"] = gdf["website"] = gdf["contact"] = gdf["address"] = ""
    one = gdf["producer_id"] == GIVEN_ID
    gdf.loc[one, ["opening_hours", "phone", "zalo", "website", "address"]] = [GIVEN_HOURS, PHONE, ZALO, WEBSITE,
                                                                              "ấp 3, xã Hòa Phú"]  # fmt: skip
    gdf.loc[gdf["producer_id"] == CONTACT_ID, "contact"] = "ĐT: 0283 823 4567 - email: lienhe@example.vn"
    return gdf


def publish_demo_like(out: Path, *, base_url: str | None = None, hostile: bool = False) -> site.SiteReport:
    """Publish the demo-like itinerary with the demo-like registry frames, in Vietnamese (the demo's language);
    ``hostile`` adds the route ``hostile`` whose names (stops, producer, address) are HTML and JS injections."""
    its = [demo_like_itinerary()]
    producers = demo_like_producers(hostile=hostile)
    if hostile:
        its.append(replace(itinerary(hostile=True, n_days=1), route_id="hostile"))
        producers.loc[producers["producer_id"] == GIVEN_ID, "address"] = HOSTILE
    return site.publish_site(its, out, producers=producers, products=products_df(), venues=venues_gdf(),
                             base_url=base_url, lang="vi")  # fmt: skip


class _Visible(HTMLParser):
    """The text of a page as a visitor reads it in one language: the other language, scripts, SVG titles, hidden
    elements and proper names (``translate="no"``: places, producers, products) left out."""

    _SKIP_TAGS = {"script", "style", "head", "svg", "template"}
    _VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang
        self.stack: list[bool] = []  # per open element: whether its subtree is skipped
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self._VOID:
            return
        a = dict(attrs)
        skip = (tag in self._SKIP_TAGS or (tag != "html" and a.get("lang") not in (None, self.lang))
                or a.get("translate") == "no" or "hidden" in a or a.get("aria-hidden") == "true"
                or a.get("id") == "lang-switch")  # fmt: skip
        self.stack.append(skip or (bool(self.stack) and self.stack[-1]))

    def handle_endtag(self, tag):
        if tag not in self._VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]):
            self.parts.append(data)


def visible_text(html: str, lang: str) -> str:
    """The page's text in ``lang`` as :class:`_Visible` reads it, whitespace collapsed."""
    p = _Visible(lang)
    p.feed(html)
    return " ".join(" ".join(p.parts).split())


def vietnamese_words(text: str) -> list[str]:
    """Lower-case words with Vietnamese diacritics in ``text``: Vietnamese sentences, not the capitalised names of
    places an English sentence may cite ("roads in north Củ Chi")."""
    return [w for w in re.findall(r"[^\W\d_]+", text) if w[0].islower() and VIETNAMESE.search(w)]


def english_words(text: str) -> list[str]:
    """The words of :data:`ENGLISH_WORDS` in ``text`` (whole words, any case)."""
    return [w for w in re.findall(r"[A-Za-z]+", text) if w.lower() in ENGLISH_WORDS]
