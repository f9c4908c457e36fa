"""Fuzzy, accent-insensitive search over names: POIs, registry venues and producers.

People type "Rex" for "Rex Hotel", "cho ben thanh" for "Chợ Bến Thành", "Khách sạn Rex" for a hotel the OSM layer
calls "Rex Hotel". An exact comparison of folded names (:func:`ocop_geo.textnorm.fold`) finds none of the first and
third; a plain edit-distance ratio suggests "Khách sạn 46" for the third (two of its three words are "khách sạn").
:class:`NameIndex` scores each name by the query's words, each weighted by how rare it is among all names (inverse
document frequency): a generic word ("khách", "sạn", "chợ", "hotel") counts little, a distinctive one ("rex") a lot.
A query word matches a name word when it is equal, a prefix of it (from 2 letters: "ben th" finds "Bến Thành") or
close by edit distance (rapidfuzz, for typos: "hotl"). Ids (``HCM-P04``) match exactly or as a prefix.

The route studio's search box and the "did you mean" hints of route specs (:meth:`ocop_geo.spec.PoiIndex.suggest`)
both use it.

Example
-------
>>> ix = NameIndex([NameEntry("node/1", "Rex Hotel", "poi"), NameEntry("node/2", "Khách sạn 46", "poi"),
...                 NameEntry("node/3", "Khách sạn Hoàng Gia", "poi")])
>>> [h.entry.label for h in ix.search("Khách sạn Rex")][:1]
['Rex Hotel']
>>> [h.entry.label for h in ix.search("rex")]
['Rex Hotel']
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from .textnorm import fold

__all__ = ["NameEntry", "NameHit", "NameIndex"]

#: Smallest edit-distance ratio (0-100) for a query word to count as a misspelling of a name word.
_TYPO_RATIO = 78.0
#: Name words compared by edit distance per query word (the closest of the vocabulary).
_TYPO_LIMIT = 25
#: Kinds of place written in one language in the query and in the other in the name (folded): "Khách sạn Rex"
#: finds "Rex Hotel", "Rex Hotel" finds "Khách sạn Rex".
_SYNONYMS: tuple[tuple[str, str], ...] = (
    ("khach san", "hotel"), ("nha hang", "restaurant"), ("cho", "market"), ("ca phe", "cafe"),
    ("bao tang", "museum"), ("cong vien", "park"), ("sieu thi", "supermarket"), ("nha tho", "church"),
    ("chua", "pagoda"), ("ben xe", "bus station"), ("dia dao", "tunnels"),
)  # fmt: skip


@dataclass(frozen=True)
class NameEntry:
    """One searchable thing: its id (``ref``), the name to show (``label``), a ``kind`` (``"poi"``,
    ``"venue"``, ``"producer"``, …), other names it is known by (``aliases``: an English name) and free
    ``info`` for the caller (a category, a district)."""

    ref: str
    label: str
    kind: str
    aliases: tuple[str, ...] = ()
    info: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class NameHit:
    """A search result: the entry and its score (0-100, higher is closer)."""

    entry: NameEntry
    score: float


class NameIndex:
    """Word index over names with rarity weights; :meth:`search` ranks entries for a typed query."""

    def __init__(self, entries: Iterable[NameEntry]) -> None:
        self.entries: list[NameEntry] = list(entries)
        self._names: list[list[tuple[str, tuple[str, ...]]]] = []  # per entry: (folded name, its words)
        self._by_word: dict[str, set[int]] = {}
        self._by_ref: dict[str, int] = {}
        for i, e in enumerate(self.entries):
            names = []
            for label in dict.fromkeys((e.label, *e.aliases)):
                key = fold(label)
                if key:
                    names.append((key, tuple(key.split())))
                    for w in key.split():
                        self._by_word.setdefault(w, set()).add(i)
            self._names.append(names)
            self._by_ref.setdefault(fold(e.ref), i)
        n = max(1, len(self.entries))
        # squared: a rare word ("rex") outweighs two generic ones ("khách sạn") together
        self._idf = {w: math.log(1.0 + n / len(ids)) ** 2 for w, ids in self._by_word.items()}
        self._vocab = list(self._by_word)
        self._max_idf = math.log(1.0 + n) ** 2

    def __len__(self) -> int:
        return len(self.entries)

    def _weight(self, word: str) -> float:
        return self._idf.get(word, self._max_idf)

    def _word_matches(self, word: str) -> dict[str, float]:
        """Name words that ``word`` may stand for, with how well (1 equal, 0.9 prefix, typo ratio / 100 ·
        0.85)."""
        out: dict[str, float] = {}
        if word in self._by_word:
            out[word] = 1.0
        if len(word) >= 2:
            for w in self._vocab:
                if w != word and w.startswith(word):
                    out[w] = max(out.get(w, 0.0), 0.9)
        if len(word) >= 3:
            for w, ratio, _ in process.extract(word, self._vocab, scorer=fuzz.ratio, limit=_TYPO_LIMIT,
                                               score_cutoff=_TYPO_RATIO):  # fmt: skip
                out[w] = max(out.get(w, 0.0), 0.85 * ratio / 100.0)
        return out

    def search(self, query: str, *, limit: int = 10, kinds: Iterable[str] | None = None,
               min_score: float = 34.0) -> list[NameHit]:  # fmt: skip
        """The entries that best match ``query``, best first.

        Parameters
        ----------
        query
            What was typed, with or without diacritics, in any case; an id (``HCM-P04``) works too.
        limit
            At most this many hits.
        kinds
            Only entries of these kinds (default: all).
        min_score
            Drop hits scoring below this (0-100).

        Returns
        -------
        list of NameHit
            Best first; ties keep the order the entries were given in.
        """
        wanted = None if kinds is None else set(kinds)
        key = fold(query)
        if not key:
            return []
        scores: dict[int, float] = {}
        for variant in _variants(key):
            self._score(variant, scores)
        ranked = sorted((-s, i) for i, s in scores.items()
                        if s >= min_score and (wanted is None or self.entries[i].kind in wanted))  # fmt: skip
        return [NameHit(self.entries[i], round(-s, 1)) for s, i in ranked[:limit]]

    def _score(self, key: str, scores: dict[int, float]) -> None:
        """Raise ``scores[i]`` to how well entry ``i`` matches the folded query ``key``."""
        words = key.split()
        ref_hit = self._by_ref.get(key)
        if ref_hit is not None:
            scores[ref_hit] = 100.0
        elif len(key) >= 3:  # an id typed in part ("hcm p0")
            for ref, i in self._by_ref.items():
                if ref.startswith(key):
                    scores[i] = max(scores.get(i, 0.0), 80.0)
        matches = [self._word_matches(w) for w in words]
        weights = [self._weight(w) if m.get(w) == 1.0 else max((self._weight(x) for x in m), default=self._max_idf)
                   for w, m in zip(words, matches, strict=True)]  # fmt: skip
        total = sum(weights) or 1.0
        touched: set[int] = set()
        for m in matches:
            for w in m:
                touched |= self._by_word[w]
        for i in touched:
            best = 0.0
            for name, name_words in self._names[i]:
                if name == key:
                    best = 100.0
                    break
                got = 0.0
                for m, weight in zip(matches, weights, strict=True):
                    got += weight * max((m.get(nw, 0.0) for nw in name_words), default=0.0)
                score = 95.0 * got / total
                # a name that is all query (and little else) beats a longer one with the same words
                extra = sum(self._weight(nw) for nw in name_words if not any(nw in m for m in matches))
                score -= min(10.0, 4.0 * extra / (total + extra)) if extra else 0.0
                if name.startswith(key):
                    score = max(score, 92.0)
                best = max(best, score)
            scores[i] = max(scores.get(i, 0.0), best)


def _variants(key: str) -> list[str]:
    """The folded query and, when it names a kind of place in one language, the same in the other."""
    out = [key]
    padded = f" {key} "
    for vi, en in _SYNONYMS:
        for a, b in ((vi, en), (en, vi)):
            if f" {a} " in padded:
                out.append(padded.replace(f" {a} ", f" {b} ").strip())
    return list(dict.fromkeys(out))
