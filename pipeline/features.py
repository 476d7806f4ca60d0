"""Featurizers of the trained classifiers: scikit-learn transformers, built for speed.

The classifiers see *records*, one plain dict per item to classify, built
per document by :func:`sentence_records` (shortcoming classifier: one record
per sentence, with its neighbours) and :func:`fact_records` (topic
classifier: one record per fact, with the list item around the number, the
words before and after it, its sentence and the document's lead). No
underthesea call: a syllable is a white-space token, lower-cased.

Transformers (all keep the estimator contract: hyperparameters in
``__init__`` stored unchanged, learned state ending in ``_``, ``fit``
returns ``self``):

- :class:`SyllableNgrams`: syllable n-grams of one record field, tf-idf
  weighted, L2-normalised.
- :class:`CharNgrams`: character n-grams of one record field (measured; too
  slow for the default models).
- :class:`CueFeatures`: the shortcoming cues of ``patterns/shortcoming.yml``
  and named markers (recommendation, aim, achievement, contrast, negation,
  ranking, starting point...), for the sentence and its neighbours, plus
  position and length; and the *gate* (:data:`GATE`): the words without
  which a sentence is not scored at all.
- :class:`TopicKeywords` / :class:`TopicKeywordFields`: the topic lexicon of
  ``patterns/topics.yml`` as 13 scores of one record field / of several.
- :class:`KindFeatures`: the fact type.
- :class:`FastUnion`: :class:`~sklearn.pipeline.FeatureUnion` whose
  ``transform`` stacks sequentially (no joblib round trip per document).

How a document stays cheap (about 10 ns a character is what a regular
expression costs over Vietnamese text in CPython, so the text is read with
``str``/``bytes`` operations and per-syllable dictionary lookups instead):

- the text is NFC-normalised, lower-cased and *prepared* once
  (:func:`_prepare`: punctuation blanked and digits made ``0`` with one
  ``bytes.translate``, offsets unchanged); a sentence's syllables are then a
  ``split`` of its slice, computed once and kept with their offsets in the
  per-document cache (``doc.user_data["_clf"]``, dropped after the topic stage);
- the gate is checked on each sentence's syllables with set operations, so
  only the candidate sentences (and their neighbours' context features) are
  featurized; the lexicon's cue regexes are only tried in sentences that
  have one of the syllables they start with, at the places where their
  literal prefix occurs;
- a fact's fields are syllable ranges of its sentence, so the sentence's
  n-gram ids and keyword hits are looked up once and each field sums those
  in its range;
- a linear model is applied without building sparse matrices:
  :meth:`FastUnion.prepare_dot` folds the coefficients into the featurizers
  once (for n-grams ``idf * coef`` per n-gram) and :meth:`FastUnion.dot`
  sums the rows of the active features (plain Python for a binary model,
  one ``numpy.add.reduceat`` otherwise): the same numbers as
  ``transform(X) @ coef`` (tested).
"""
from __future__ import annotations

import bisect
import math
import re
import unicodedata
from functools import lru_cache
from itertools import accumulate, chain
from operator import mul
from typing import Optional

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import FeatureUnion
from sklearn.utils.validation import check_is_fitted

from .document import TOPICS

__all__ = ["syllables", "sentence_records", "fact_records", "gate_candidates", "SyllableNgrams", "CharNgrams",
           "CueFeatures", "TopicKeywords", "TopicKeywordFields", "KindFeatures", "FastUnion", "MARKERS", "SHAPES",
           "GATE"]

# --------------------------------------------------------------------------- tokens
#: Characters that separate syllables: ASCII punctuation but ``%`` (``33,2%`` gives
#: ``00`` and ``0%``), and common non-ASCII punctuation and spaces.
_PUNCT = "!\"#$&'()*+,-./:;<=>?@[\\]^_`{|}~\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"
_UPUNCT = ("\u00a0“”‘’…–—•«»·°′″\u200b\ufeff\x85\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
           "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
#: ``bytes.translate`` table: ASCII punctuation and white space to a space, digits to ``0``.
_ASCII_TABLE = bytes.maketrans(_PUNCT.encode() + b"123456789",
                               b" " * len(_PUNCT) + b"0" * 9)


def _prepare(low: str) -> str:
    """Lower-cased text made ready to split: same length, punctuation blanked, every digit a ``0``.

    Only C-speed string operations (single-character ``str.replace`` and a
    ``bytes.translate``: some 20 microseconds for an article; a regular
    expression over Vietnamese text costs about 10 ns a character). Every
    change maps one character to one character, so offsets stay valid.
    """
    if not low.isascii():
        for ch in _UPUNCT:
            if ch in low:
                low = low.replace(ch, " ")
    return low.encode("utf-8", "surrogatepass").translate(_ASCII_TABLE).decode("utf-8", "surrogatepass")


def _split(piece: str) -> list:
    """Syllables of a piece of prepared text.

    :func:`_prepare` turns every character that ``str.isspace`` accepts into
    ``" "`` (they are all in ``_PUNCT`` or ``_UPUNCT``), so ``split()`` gives
    the non-empty pieces of ``split(" ")`` in one C call.
    """
    return piece.split()


def syllables(text: str) -> list:
    """Lower-cased syllables (white-space tokens without punctuation) of ``text``.

    Every digit becomes ``0``, so a number keeps its shape but not its value
    (``2024`` -> ``0000``, ``33,2%`` -> ``00``, ``0%``, ``100%`` -> ``000%``);
    punctuation separates syllables and is dropped, except ``%``.

    Parameters
    ----------
    text : str

    Returns
    -------
    list of str

    Examples
    --------
    >>> syllables("Tỷ lệ đạt 33,2%: còn thấp (năm 2024).")
    ['tỷ', 'lệ', 'đạt', '00', '0%', 'còn', 'thấp', 'năm', '0000']
    """
    if not text:
        return []
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return _split(_prepare(text.lower()))


# --------------------------------------------------------------------------- per-document cache
#: The document-level keyword scores of the topic classifier are those of the
#: first sentences, up to this many syllables (the title and the lead: the
#: training excerpts are about 350 syllables long, and long articles then
#: keep the same scale).
DOC_LEAD = 400


class _DocCache:
    """What the featurizers of one document share, computed once.

    The prepared text (:func:`_prepare`: same offsets as the text), the
    syllables of each sentence and their offsets, keyword hits and n-gram
    ids per sentence. Kept in ``doc.user_data["_clf"]``; rebuilt when the
    document's sentences change.
    """

    __slots__ = ("key", "text", "sents", "starts", "prep", "toks", "offs", "doc_toks", "ctx", "gate", "memo")

    def __init__(self, doc, key):
        self.key = key
        self.text = text = doc.text
        self.sents = doc.sentences
        self.starts = [s.start for s in self.sents]
        norm = unicodedata.normalize("NFC", text) if not text.isascii() else text
        low = norm.lower()
        # offsets only hold when normalising and lower-casing kept the length
        self.prep = _prepare(low) if len(low) == len(text) else None
        self.toks = [None] * len(self.sents)
        self.offs = {}
        self.doc_toks = None
        self.ctx = {}
        self.gate = {}
        self.memo = {}

    def __reduce__(self):
        return _no_cache, ()  # a pickled document does not carry its cache (it is rebuilt when needed)

    def exact(self, i: int) -> bool:
        """True when sentence ``i`` can be read from the prepared text (offsets hold)."""
        s = self.sents[i]
        return self.prep is not None and s.end - s.start == len(s.text)

    def piece(self, a: int, b: int) -> list:
        """Syllables of ``text[a:b]``."""
        if self.prep is not None:
            return _split(self.prep[a:b])
        return syllables(self.text[a:b])

    def tokens(self, i: int) -> list:
        """Syllables of sentence ``i`` (computed once)."""
        t = self.toks[i]
        if t is None:
            s = self.sents[i]
            if self.prep is not None and s.end - s.start == len(s.text):
                t = self.prep[s.start:s.end].split()  # see _split
            else:
                t = syllables(s.text)
            self.toks[i] = t
        return t

    def all_tokens(self) -> list:
        """Syllables of every sentence (:meth:`tokens` of each, in one pass)."""
        toks = self.toks
        if None in toks:
            prep = self.prep
            for i, s in enumerate(self.sents):
                if toks[i] is None:
                    if prep is not None and s.end - s.start == len(s.text):
                        toks[i] = prep[s.start:s.end].split()  # see _split
                    else:
                        toks[i] = syllables(s.text)
        return toks

    def offsets(self, i: int) -> list:
        """Start offsets (in the text) of the syllables of sentence ``i`` (needs :meth:`exact`)."""
        o = self.offs.get(i)
        if o is None:
            s = self.sents[i]
            o = self.offs[i] = []
            pos = s.start
            for p in self.prep[s.start:s.end].split(" "):
                if p:
                    o.append(pos)
                pos += len(p) + 1
        return o

    def breaks(self, i: int) -> tuple:
        """List-item breaks ``[(start, end)]`` and word-group break ends of sentence ``i`` (see :func:`_clause`).

        The same as scanning the sentence with ``_ITEM_BREAK`` and ``_PRE_BREAK``,
        but the scan only looks for a few ASCII characters and for ``và`` /
        ``với`` (a regular expression that can start at any space is slow).
        """
        b = self.memo.get(("breaks", i))
        if b is None:
            s = self.sents[i]
            text = self.text
            lo, hi = s.start, s.end
            if self.prep is None:  # offsets of the prepared text do not hold: scan with the expressions
                b = self.memo[("breaks", i)] = ([(m.start(), m.end()) for m in _ITEM_BREAK.finditer(text, lo, hi)],
                                                [m.end() for m in _PRE_BREAK.finditer(text, lo, hi)])
                return b
            items, pres = [], []
            for m in _BREAK_CHARS.finditer(text, lo, hi):
                p = m.start()
                ch = text[p]
                if ch == ",":
                    if not text[p + 1:p + 2].isdigit():
                        pres.append(p + 1)
                    h = _ITEM_COMMA.match(text, p, hi)
                    if h is not None:
                        items.append((p, h.end()))
                else:
                    items.append((p, p + 1))
                    if ch in ";:([":
                        pres.append(p + 1)
            low = self.prep
            for w in (" và ", " với "):
                k = low.find(w, lo, hi)
                while k >= 0:
                    h = _ITEM_AND.match(text, k, hi)
                    if h is not None:
                        items.append((k, h.end()))
                    k = low.find(w, k + 1, hi)
            items.sort()
            b = self.memo[("breaks", i)] = (items, pres)
        return b

    def lead(self) -> list:
        """The first sentences of the document, up to :data:`DOC_LEAD` syllables (the last one may cross it)."""
        out, n = [], 0
        for i in range(len(self.sents)):
            if n >= DOC_LEAD:
                break
            out.append(i)
            n += len(self.tokens(i))
        return out

    def document_tokens(self) -> list:
        """Syllables of the :meth:`lead` sentences, in order (one list): the ``doc`` field of a fact record."""
        if self.doc_toks is None:
            tok = self.tokens
            self.doc_toks = [t for i in self.lead() for t in tok(i)]
        return self.doc_toks

    def context_tokens(self, i: int) -> list:
        """Syllables of sentences ``i - 1``, ``i`` and ``i + 1`` (one list, shared by the facts of ``i``)."""
        c = self.ctx.get(i)
        if c is None:
            n = len(self.sents)
            c = self.ctx[i] = [t for j in (i - 1, i, i + 1) if 0 <= j < n for t in self.tokens(j)]
        return c


def _no_cache():
    return None


def _cache(doc) -> _DocCache:
    sents = doc.sentences
    key = (id(sents), len(sents), sents[0].start if sents else 0, sents[-1].end if sents else 0, len(doc.text))
    c = doc.user_data.get("_clf")
    if c is None or c.key != key or c.text is not doc.text:
        c = doc.user_data["_clf"] = _DocCache(doc, key)
    return c


# --------------------------------------------------------------------------- records
def sentence_records(doc, indices=None) -> list:
    """One record per sentence of ``doc`` (a :class:`~pipeline.document.Document`).

    Parameters
    ----------
    doc : Document
        With ``sentences`` set (the ``segment`` stage).
    indices : iterable of int, optional
        Only these sentences (default: all), e.g. the candidates of the gate.

    Returns
    -------
    list of dict
        ``text``, ``tokens``, ``prev``/``prev_tokens``, ``next``/``next_tokens``
        (empty at the edges), ``index`` and relative position ``pos`` in [0, 1].
    """
    sents = doc.sentences
    n = len(sents)
    c = _cache(doc)
    tok = c.tokens
    out = []
    for i in (range(n) if indices is None else indices):
        out.append({
            "text": sents[i].text, "tokens": tok(i),
            "prev": sents[i - 1].text if i else "", "prev_tokens": tok(i - 1) if i else [],
            "next": sents[i + 1].text if i + 1 < n else "", "next_tokens": tok(i + 1) if i + 1 < n else [],
            "index": i, "pos": i / (n - 1) if n > 1 else 0.0,
        })
    return out


#: Where a list item of a sentence ends: ``;``, ``:``, brackets, and a comma or
#: ``và`` that starts a new item (a number or ``tỷ lệ`` follows; a decimal
#: comma ``0,45`` is no break).
_ITEM_BREAK = re.compile(r"[;:()\[\]]|,(?:\s+(?=\d)|\s*(?=(?:tỷ lệ|tỉ lệ|số\s|trong đó|có\s+\d)))"
                         r"|\s(?:và|với)\s+(?=\d)", re.I)
#: Where the words that introduce a number start: after ``;`` ``:`` ``(`` or a comma.
_PRE_BREAK = re.compile(r"[;:(\[]|,(?!\d)")
#: The parts of ``_ITEM_BREAK`` (see :meth:`_DocCache.breaks`).
_BREAK_CHARS = re.compile(r"[;:()\[\],]")
_ITEM_COMMA = re.compile(r",(?:\s+(?=\d)|\s*(?=(?:tỷ lệ|tỉ lệ|số\s|trong đó|có\s+\d)))", re.I)
_ITEM_AND = re.compile(r"\s(?:và|với)\s+(?=\d)", re.I)


def _clause(text: str, lo: int, hi: int, start: int, end: int, breaks=None) -> tuple:
    """The list item of ``text[lo:hi]`` holding ``[start, end)``.

    Items end at ``;`` ``:`` brackets and at a comma (or ``và``) followed by
    a number or ``tỷ lệ``, so ``100% cán bộ, công chức được trang bị máy
    tính, 100% văn bản đi, đến ...`` gives one item per number. A number in
    brackets (``Bộ Y tế (1,4 triệu lượt)``) also gets the item before the
    bracket.
    """
    a, b = lo, hi
    prev_a, opener = lo, ""
    items = breaks[0] if breaks is not None else [(m.start(), m.end()) for m in _ITEM_BREAK.finditer(text, lo, hi)]
    for ms, me in items:
        if me <= start:
            prev_a, a, opener = a, me, text[ms]
        elif ms >= end:
            b = ms
            break
    if opener and opener in "([":
        a = prev_a
    if b - a < 12:  # a bare number: take the text before it too
        a = max(lo, start - 90)
    return a, b


def _pre(text: str, lo: int, start: int, breaks=None) -> int:
    """Where the words before the number start: after the last ``,`` ``;`` ``:`` or ``(`` (at most 100 back)."""
    a = max(lo, start - 100)
    if breaks is not None:
        ends = breaks[1]
        k = bisect.bisect_right(ends, start) - 1
        return ends[k] if k >= 0 and ends[k] > a else a
    last = a
    for m in _PRE_BREAK.finditer(text, a, start):
        last = m.end()
    return last


def fact_records(doc, facts) -> list:
    """One record per fact, for the topic classifier.

    Parameters
    ----------
    doc : Document
        With ``sentences`` set.
    facts : list of Fact
        The facts to classify (numeric facts and shortcomings).

    Returns
    -------
    list of dict
        ``clause`` (the list item holding the number; the sentence itself for a
        shortcoming), ``window`` (90 characters before the number to 40 after,
        within the sentence), ``pre`` (the words between the last comma,
        semicolon, colon or bracket and the number: ``tỷ lệ hồ sơ trực
        tuyến đạt``), ``unit`` (the two syllables after the number, the counted
        thing: ``hồ sơ``, ``tài khoản``), ``sentence``, ``prev``, ``next``, ``head``
        (the first sentence of the document, usually its title), each with
        ``*_tokens``; ``context_tokens`` (previous + this + next sentence),
        ``doc_tokens`` (the first sentences, up to :data:`DOC_LEAD` syllables) and
        ``kind`` (the fact type). The
        syllables of a part of the sentence are those that start inside it.
        ``_loc`` (the document's cache, the sentence index and each field's
        syllable and character range) lets the featurizers reuse what they
        computed for the sentence.
    """
    sents = doc.sentences
    c = _cache(doc)
    starts = c.starts
    n = len(sents)
    tok = c.tokens
    head = sents[0].text if sents else ""
    head_tokens = tok(0) if sents else []
    out = []
    text = doc.text
    for f in facts:
        i = bisect.bisect_right(starts, f.start) - 1
        if i >= 0 and not (sents[i].start <= f.start < sents[i].end):
            i = -1
        loc = None
        if i < 0:
            lo, hi = max(0, f.start - 150), min(len(text), f.end + 50)
            sent_text = text[lo:hi]
            sent_tokens = c.piece(lo, hi)
            prev = nxt = ""
            prev_tokens = next_tokens = []
            context_tokens = sent_tokens
        else:
            s = sents[i]
            lo, hi = s.start, s.end
            sent_text, sent_tokens = s.text, tok(i)
            prev, prev_tokens = (sents[i - 1].text, tok(i - 1)) if i > 0 else ("", [])
            nxt, next_tokens = (sents[i + 1].text, tok(i + 1)) if i + 1 < n else ("", [])
            context_tokens = None
            if c.exact(i):
                loc = (c, i, {"sentence": (0, len(sent_tokens), lo, hi)})
            else:
                context_tokens = c.context_tokens(i)
        if f.type == "shortcoming":
            clause, clause_tokens = sent_text, sent_tokens
            window, window_tokens = sent_text, sent_tokens
            pre = unit = ""
            pre_tokens, unit_tokens = [], []
            if loc is not None:
                loc[2].update(clause=loc[2]["sentence"], window=loc[2]["sentence"], pre=(0, 0, lo, lo),
                              unit=(0, 0, lo, lo))
        else:
            brk = c.breaks(i) if i >= 0 else None
            ca, cb = _clause(text, lo, hi, f.start, f.end, brk)
            wa, wb = max(lo, f.start - 90), min(hi, f.end + 40)
            pa = _pre(text, lo, f.start, brk)
            clause, window, pre = text[ca:cb], text[wa:wb], text[pa:f.start]
            ub = min(hi, f.end + 40)
            unit = text[f.end:ub]
            if loc is not None:
                offs = c.offsets(i)
                bl = bisect.bisect_left
                k = [bl(offs, x) for x in (ca, cb, wa, wb, pa, f.start, f.end)]
                ku = min(k[6] + 2, len(offs))
                ue = offs[ku] if ku < len(offs) else hi
                ranges = loc[2]
                ranges["clause"] = (k[0], k[1], ca, cb)
                ranges["window"] = (k[2], k[3], wa, wb)
                ranges["pre"] = (k[4], k[5], pa, f.start)
                ranges["unit"] = (k[6], ku, f.end, ue)
                clause_tokens = sent_tokens[k[0]:k[1]]
                window_tokens = sent_tokens[k[2]:k[3]]
                pre_tokens = sent_tokens[k[4]:k[5]]
                unit_tokens = sent_tokens[k[6]:ku]
                unit = text[f.end:ue]
            else:
                clause_tokens, window_tokens = c.piece(ca, cb), c.piece(wa, wb)
                pre_tokens, unit_tokens = c.piece(pa, f.start), c.piece(f.end, ub)[:2]
        out.append({
            "kind": f.type, "clause": clause, "clause_tokens": clause_tokens,
            "window": window, "window_tokens": window_tokens,
            "pre": pre, "pre_tokens": pre_tokens, "unit": unit, "unit_tokens": unit_tokens,
            "sentence": sent_text, "sentence_tokens": sent_tokens,
            "prev": prev, "prev_tokens": prev_tokens, "next": nxt, "next_tokens": next_tokens,
            "head": head, "head_tokens": head_tokens,
            "_loc": loc,
        })
        if loc is None:
            out[-1]["context_tokens"] = context_tokens
            out[-1]["doc_tokens"] = c.document_tokens()
    return out


def _tokens_of(record: dict, field: str) -> list:
    toks = record.get(field + "_tokens")
    if toks is None:
        loc = record.get("_loc")
        if loc is not None and field in ("doc", "context"):  # left out of the record until needed
            return loc[0].document_tokens() if field == "doc" else loc[0].context_tokens(loc[1])
        val = record.get(field)
        toks = val if isinstance(val, list) else syllables(val or "")
    return toks


def _csr(rows_idx: list, rows_val: list, n_cols: int) -> sp.csr_matrix:
    indptr = np.zeros(len(rows_idx) + 1, dtype=np.int32)
    np.cumsum([len(r) for r in rows_idx], out=indptr[1:])
    indices = np.array(list(chain.from_iterable(rows_idx)), dtype=np.int32)
    data = np.array(list(chain.from_iterable(rows_val)), dtype=np.float64)
    return sp.csr_matrix((data, indices, indptr), shape=(len(rows_idx), n_cols))


class _Collector:
    """Sparse entries of a batch of records, as shared segments.

    Featurizers add ``(columns, values)`` lists per record; a list added for
    several records (the sentence's n-grams for every fact of the sentence,
    the document's keywords for every fact) is summed once.
    """

    __slots__ = ("segs", "keys", "rows")

    def __init__(self, n: int):
        self.segs = []
        self.keys = {}
        self.rows = [[] for _ in range(n)]

    def add(self, r: int, idx: list, vals: list) -> None:
        key = id(idx)
        j = self.keys.get(key)
        if j is None or self.segs[j][0] is not idx:
            j = self.keys[key] = len(self.segs)
            self.segs.append((idx, vals))
        self.rows[r].append(j)

    def result(self, W) -> np.ndarray:
        """``rows @ W``: ``W`` is an array (n, k), or a list of floats when k = 1."""
        n = len(self.rows)
        if isinstance(W, list):  # one column: plain Python sums are faster than numpy for a few rows
            sums = [sum(map(mul, map(W.__getitem__, idx), vals)) for idx, vals in self.segs]
            return np.array([sum(map(sums.__getitem__, row)) for row in self.rows], dtype=np.float64).reshape(n, 1)
        segs, rows = self.segs, self.rows
        sizes = [len(sg[0]) for sg in segs]
        counts = [sum(map(sizes.__getitem__, row)) for row in rows]
        order = list(chain.from_iterable(rows))
        seg_idx = [sg[0] for sg in segs]
        seg_val = [sg[1] for sg in segs]
        return _accumulate_flat(chain.from_iterable(map(seg_idx.__getitem__, order)),
                                chain.from_iterable(map(seg_val.__getitem__, order)), counts, W)


def _accumulate_flat(idx_iter, val_iter, counts: list, W: np.ndarray) -> np.ndarray:
    """Rows of ``W`` weighted by the values and summed per record (``counts`` entries each)."""
    n = len(counts)
    total = sum(counts)
    if not total:
        return np.zeros((n, W.shape[1]))
    flat = np.fromiter(idx_iter, dtype=np.intp, count=total)
    vals = np.fromiter(val_iter, dtype=np.float64, count=total)
    weighted = W[flat]
    weighted *= vals[:, None]
    if all(counts):
        return np.add.reduceat(weighted, list(accumulate(counts, initial=0))[:-1], axis=0)
    out = np.zeros((n, W.shape[1]))
    nz = [i for i, c in enumerate(counts) if c]
    starts = list(accumulate(counts, initial=0))
    out[nz] = np.add.reduceat(weighted, [starts[i] for i in nz], axis=0)
    return out


#: Keyword scores of token lists, shared by the keyword featurizers of a document
#: (``{(id(index), id(tokens)): (index, tokens, score)}``, bounded).
_KW_SCORES: dict = {}


# --------------------------------------------------------------------------- n-grams
_NO_START = object()  # no ``<s>`` token (``boundary=False``)


class _NgramBase(TransformerMixin, BaseEstimator):
    """Shared fit/transform of the n-gram featurizers (subclasses define ``_grams``)."""

    _fast_ranges = False  # n-grams of a record field may be read from its sentence's cached ids

    def _check(self):
        lo, hi = self.ngram_range
        if not (1 <= lo <= hi):
            raise ValueError(f"ngram_range must be (lo, hi) with 1 <= lo <= hi, got {self.ngram_range!r}")

    def fit(self, X, y=None):
        """Learn the vocabulary (``vocabulary_``) and ``idf_`` from records ``X``.

        Parameters
        ----------
        X : list of dict
            Records (see :func:`sentence_records`, :func:`fact_records`).
        y : ignored

        Returns
        -------
        self
        """
        self._check()
        df: dict = {}
        n = 0
        for rec in X:
            n += 1
            for g in set(self._grams(rec)):
                df[g] = df.get(g, 0) + 1
        kept = [(c, g) for g, c in df.items() if c >= self.min_df]
        kept.sort(key=lambda cg: (-cg[0], cg[1]))
        if self.max_features is not None:
            kept = kept[: self.max_features]
        terms = sorted(g for _, g in kept)
        self.vocabulary_ = {g: i for i, g in enumerate(terms)}
        dfs = np.array([df[g] for g in terms], dtype=np.float64)
        self.idf_ = (np.log((1.0 + n) / (1.0 + dfs)) + 1.0) if self.use_idf else np.ones(len(terms))
        self.idf_ = self.idf_.tolist()  # read element by element at transform time: a list is faster
        self.n_features_out_ = len(terms)
        return self

    def _rows(self, X) -> list:
        """The sorted vocabulary indices found in each record (records sharing a token list are looked up once)."""
        get = self.vocabulary_.get
        shared = self.field + "_tokens"
        seen: dict = {}
        rows = []
        for rec in X:
            toks = rec.get(shared)
            if toks is not None:
                hit = seen.get(id(toks))
                if hit is not None and hit[0] is toks:
                    rows.append(hit[1])
                    continue
            found = set(map(get, self._grams(rec)))
            found.discard(None)
            idx = sorted(found)
            rows.append(idx)
            if toks is not None:
                seen[id(toks)] = (toks, idx)
        return rows

    def transform(self, X):
        """Sparse tf-idf rows, L2-normalised, one per record.

        Parameters
        ----------
        X : list of dict

        Returns
        -------
        scipy.sparse.csr_matrix of shape (len(X), n_features_out_)
        """
        check_is_fitted(self, "vocabulary_")
        idf = self.idf_
        rows_idx = self._rows(X)
        rows_val = []
        for idx in rows_idx:
            if idx:
                w = [idf[j] for j in idx]
                inv = 1.0 / math.sqrt(sum(x * x for x in w))
                rows_val.append([x * inv for x in w])
            else:
                rows_val.append(())
        return _csr(rows_idx, rows_val, self.n_features_out_)

    def prepare_sparse(self, block: np.ndarray, offset: int, q: np.ndarray):
        """For :meth:`FastUnion.prepare_dot`: rows ``idf * coef`` and a lookup of global columns.

        Parameters
        ----------
        block : ndarray (n_features_out_, k)
            This part's coefficients (union weight included).
        offset : int
            Where this part's rows start among all sparse rows.
        q : ndarray
            Squared idf by global column; this part's slice is filled in.

        Returns
        -------
        rows : ndarray (n_features_out_, k)
        ctx : tuple
            For :meth:`add_rows`.
        """
        check_is_fitted(self, "vocabulary_")
        idf = np.asarray(self.idf_, dtype=np.float64)
        q[offset:offset + len(idf)] = idf * idf
        vocab = {g: j + offset for g, j in self.vocabulary_.items()}
        return idf[:, None] * block, (vocab,)

    def add_rows(self, X, ctx, q, out: "_Collector") -> None:
        """Add this part's entries of every record to ``out`` (global columns).

        Each record's n-grams get the value ``1 / ||idf||`` (the ``idf`` is in the rows).
        """
        vocab = ctx[0]
        get = vocab.get
        field = self.field
        shared = field + "_tokens"
        fast = self._fast_ranges and tuple(self.ngram_range) in ((1, 1), (1, 2))
        # syllable unigrams: the ids of ``<s>`` (with ``boundary``) and of the syllables, in the order of _grams
        unigrams = self._fast_ranges and tuple(self.ngram_range) == (1, 1)
        start = get("<s>") if getattr(self, "boundary", False) else _NO_START
        seen: dict = {}
        for r, rec in enumerate(X):
            toks = rec.get(shared)
            hit = seen.get(id(toks)) if toks is not None else None
            if hit is None or hit[0] is not toks:
                loc = rec.get("_loc") if fast else None
                if loc is not None and field in loc[2]:
                    found = self._found_in_range(vocab, loc, field)
                elif unigrams:
                    tk = toks if toks is not None else _tokens_of(rec, field)
                    found = {start} if tk and start is not _NO_START else set()
                    found.update(map(get, tk))
                else:
                    found = set(map(get, self._grams(rec)))
                found.discard(None)
                if found:
                    inv = 1.0 / math.sqrt(sum(map(q.__getitem__, found)))
                    hit = (toks, list(found), [inv] * len(found))
                else:
                    hit = (toks, (), ())
                if toks is not None:
                    seen[id(toks)] = hit
            if hit[1]:
                out.add(r, hit[1], hit[2])

    def _found_in_range(self, vocab: dict, loc, field: str) -> set:
        """The vocabulary entries of a field that is a syllable range of its sentence (ids cached per sentence)."""
        c, i, ranges = loc
        k0, k1 = ranges[field][:2]
        get = vocab.get
        bigrams = self.ngram_range[1] >= 2
        if not bigrams:  # unigrams: look up the distinct syllables of the range
            toks = c.tokens(i)
            found = set(map(get, set(toks[k0:k1])))
            if getattr(self, "boundary", False) and k1 > k0:
                found.add(get("<s>"))
            return found
        key = ("ng", id(vocab), len(vocab), i)  # the vocabulary lives as long as its model
        ids = c.memo.get(key)
        if ids is None:
            toks = c.tokens(i)
            uni = list(map(get, toks))
            bi = list(map(get, map(" ".join, zip(toks, toks[1:])))) if bigrams else None
            ids = c.memo[key] = (uni, bi)
        uni, bi = ids
        found = set(uni[k0:k1])
        if bigrams and k1 - k0 > 1:
            found.update(bi[k0:k1 - 1])
        if getattr(self, "boundary", False) and k1 > k0:
            found.add(get("<s>"))
            if bigrams:
                found.add(get("<s> " + c.tokens(i)[k0]))
        return found

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "vocabulary_")
        names = sorted(self.vocabulary_, key=self.vocabulary_.get)
        return np.asarray([f"{self.field}:{g}" for g in names], dtype=object)


class SyllableNgrams(_NgramBase):
    """Syllable n-grams of one record field (binary tf, idf, L2 norm).

    Parameters
    ----------
    field : str, default="text"
        Record field; its token list ``<field>_tokens`` is used when present.
    ngram_range : tuple of int, default=(1, 2)
    min_df : int, default=2
        Keep n-grams seen in at least this many records.
    max_features : int or None, default=20000
        Keep the most frequent n-grams only (small models, fast loading).
    use_idf : bool, default=True
    boundary : bool, default=True
        Add ``<s>`` before the first token so sentence-initial n-grams
        (``<s> cần``) are features of their own.

    Attributes
    ----------
    vocabulary_ : dict of str to int
    idf_ : list of float (one per n-gram)
    n_features_out_ : int
    """

    _fast_ranges = True

    def __init__(self, field="text", ngram_range=(1, 2), min_df=2, max_features=20000, use_idf=True,
                 boundary=True):
        self.field = field
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.use_idf = use_idf
        self.boundary = boundary

    def _grams(self, rec):
        toks = _tokens_of(rec, self.field)
        if self.boundary and toks:
            toks = ["<s>"] + toks
        lo, hi = self.ngram_range
        out = list(toks) if lo == 1 else []
        if lo <= 2 <= hi:
            out += [f"{a} {b}" for a, b in zip(toks, toks[1:])]
        for n in range(max(3, lo), hi + 1):
            out.extend(" ".join(toks[i:i + n]) for i in range(len(toks) - n + 1))
        return out


class CharNgrams(_NgramBase):
    """Character n-grams of one record field, inside word boundaries.

    Parameters
    ----------
    field : str, default="text"
    ngram_range : tuple of int, default=(2, 4)
    min_df : int, default=2
    max_features : int or None, default=30000
    use_idf : bool, default=True

    Attributes
    ----------
    vocabulary_ : dict of str to int
    idf_ : list of float
    n_features_out_ : int
    """

    def __init__(self, field="text", ngram_range=(2, 4), min_df=2, max_features=30000, use_idf=True):
        self.field = field
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.use_idf = use_idf

    def _grams(self, rec):
        lo, hi = self.ngram_range
        out = []
        for tok in _tokens_of(rec, self.field):
            w = f" {tok} "
            for n in range(lo, hi + 1):
                out.extend(w[i:i + n] for i in range(len(w) - n + 1))
        return out


# --------------------------------------------------------------------------- cues
#: Named markers of :class:`CueFeatures`: phrases matched on a sentence's syllables
#: (digits match any digit: ``giảm 10 bậc`` is ``giảm 12 bậc`` too, ``đến năm 2025``
#: any year; a leading ``^`` anchors the phrase at the start of the sentence).
MARKERS = {
    "rec_start": ["^cần", "^đề nghị", "^kiến nghị", "^đề xuất", "^yêu cầu", "^phấn đấu", "^tiếp tục", "^tập trung",
                  "^tăng cường", "^đẩy mạnh", "^chỉ đạo", "^giao", "^triển khai", "^thực hiện", "^quán triệt",
                  "^nâng cao", "^đôn đốc", "^phải", "^sớm", "^chủ động", "^khẩn trương", "^các xã cần",
                  "^huyện cần", "^tỉnh cần"],
    "rec_any": ["cần", "phải", "hãy", "đề nghị", "kiến nghị", "đề xuất", "yêu cầu", "giao cho", "chỉ đạo"],
    "future": ["thời gian tới", "sắp tới", "giai đoạn tới", "năm tới", "tới đây", "sẽ", "dự kiến", "phấn đấu",
               "mục tiêu", "định hướng", "đến năm 2025"],
    "aim": [f"{a} {b}" for a in ("nhằm", "để", "góp phần", "giúp", "nhằm góp phần", "để từng bước", "nhằm từng bước")
            for b in ("hạn chế", "khắc phục", "giảm", "tránh", "ngăn chặn", "phòng ngừa", "tháo gỡ", "giải quyết")],
    "fix": ["khắc phục", "tháo gỡ", "giải quyết", "cải thiện", "vượt qua", "xử lý dứt điểm"],
    "achieve": ["đã", "đạt", "hoàn thành", "thành công", "hiệu quả", "ổn định", "kịp thời", "thông suốt", "đầy đủ",
                "đáp ứng", "nâng lên", "tăng", "dẫn đầu", "vươn lên", "đi đầu", "tích cực", "đáng kể", "khả quan"],
    "full": ["100%", "tất cả", "toàn bộ", "100 phần trăm"],
    "contrast_start": ["^tuy nhiên", "^tuy vậy", "^song", "^nhưng", "^mặc dù", "^dù", "^bên cạnh", "^ngoài ra",
                       "^cùng với", "^dù vậy", "^bên cạnh đó", "^bên cạnh những"],
    "contrast": ["tuy nhiên", "nhưng", "song", "mặc dù", "tuy"],
    "neg": ["chưa", "không", "thiếu", "chẳng"],
    "still": ["còn", "vẫn", "vẫn còn", "hiện còn", "hiện nay"],
    "low": ["thấp", "chậm", "ít", "yếu", "kém", "hạn chế", "khó khăn", "vướng mắc", "bất cập", "tồn tại", "trở ngại",
            "thách thức", "hạn hẹp", "eo hẹp", "lạc hậu", "xuống cấp", "hư hỏng", "quá tải", "lỗi", "sự cố",
            "gián đoạn", "phức tạp", "rườm rà", "lúng túng", "hình thức", "manh mún", "chồng chéo", "lãng phí", "khó",
            "không cao", "chưa cao"],
    "worst": ["thấp nhất", "cuối bảng", "tốp cuối", "top cuối", "nhóm cuối", "đứng cuối", "xếp cuối", "chót",
              "giảm 10 bậc", "tụt 10 bậc", "tụt hạng", "sụt giảm", "giảm mạnh"]
             + [f"{v} {d} bậc" for v in ("giảm", "tụt") for d in "123456789"],
    "only": ["chỉ đạt", "chỉ có", "mới đạt", "mới có", "chỉ chiếm", "chỉ"],
    "start_point": ["xuất phát điểm", "điểm xuất phát", "từ một", "từ chỗ", "vượt qua", "trước đây", "trước kia"],
    "improve": ["đã giảm", "giảm so với", "giảm mạnh so", "đã được khắc phục", "được khắc phục", "cải thiện rõ"],
    "past": ["năm qua", "thời gian qua", "vừa qua", "giai đoạn 2021 2025"],
}

#: Features computed from the sentence's characters, not from phrases.
SHAPES = ("question", "colon_end", "no_final", "bullet", "principle", "tally")
_BULLET = re.compile(r"\s*(?:[-–•+*]|\d+[.)]|[a-zđ][.)])\s")
_TALLY_NOUNS = {"tiêu chí", "chỉ tiêu", "nhiệm vụ", "mục tiêu"}
_CLOSERS = "\"”»)’' \t"

_CONTEXT = ("cue_any", "block_any", "colon_end", "low", "contrast_start", "rec_start")


def _tally(toks: list) -> bool:
    """``16 tiêu chí đạt, 06 tiêu chí chưa đạt``: a count of criteria/targets/tasks and ``chưa``."""
    if "chưa" not in toks:
        return False
    for k in range(len(toks) - 2):
        if toks[k][0] == "0" and " ".join(toks[k + 1:k + 3]) in _TALLY_NOUNS:
            return True
    return False


@lru_cache(maxsize=512)
def _compile(source: str):
    """A lexicon cue for matching lower-cased text quickly: ``(regex, boundary, prefixes, anchored)``.

    ``(?i)`` is dropped (the text is lower-cased instead) and so is a leading
    ``\\b`` (the start boundary is checked on each match instead). A cue whose
    every match starts with one of a few literal strings (``(?:còn|vẫn)\\s+...``)
    gets those ``prefixes``: they are found with ``str.find`` and the cue is
    only tried there, several times faster than scanning with the regular
    expression. A cue anchored with ``^`` is ``anchored``: it is tried at line
    starts only.
    """
    src = source.replace("(?i)", "")
    boundary = src.startswith(r"\b")
    if boundary:
        src = src[2:]
    try:
        rx = re.compile(src, re.M)
    except re.error:  # a cue written for the ``regex`` module
        import regex
        return regex.compile(src, regex.M | regex.V0), boundary, None, False, ()
    prefixes, anchored, required = None, False, ()
    try:
        from re import _parser as sre_parse  # Python >= 3.11
    except ImportError:  # pragma: no cover
        import sre_parse
    try:
        items = list(sre_parse.parse(src, re.M))
        if items and items[0][0] == sre_parse.AT and items[0][1] == sre_parse.AT_BEGINNING:
            anchored = True
        else:
            found = _literal_prefixes(items, sre_parse)
            if found and all(found):
                prefixes = tuple(sorted(set(found)))
        required = tuple(_required_syllables(items, sre_parse))
    except Exception:  # an unexpected parse tree: scan with the expression
        prefixes, anchored, required = None, False, ()
    return rx, boundary, prefixes, anchored, required


def _is_space(item, sre_parse) -> bool:
    """True for a parsed item that matches white space (``\\s``, ``\\s+``, ``\\s*``, a space) or an anchor."""
    op, av = item
    if op == sre_parse.AT:
        return True
    if op == sre_parse.LITERAL:
        return av == 32
    if op == sre_parse.IN:
        return av == [(sre_parse.CATEGORY, sre_parse.CATEGORY_SPACE)]
    if op in (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT):
        sub = list(av[2])
        return len(sub) == 1 and _is_space(sub[0], sre_parse)
    return False


def _leading_syllable(alt: list, after, sre_parse):
    """The first whole syllable of a parsed alternative that starts with literals, or None."""
    chars = []
    k = 0
    while k < len(alt) and alt[k][0] == sre_parse.LITERAL:
        chars.append(chr(alt[k][1]))
        k += 1
    run = "".join(chars)
    if not run or not run[0].isalpha():
        return None
    word = run.split(" ")[0]
    whole = " " in run or (k < len(alt) and _is_space(alt[k], sre_parse)) or (
        k == len(alt) and (after is None or _is_space(after, sre_parse)))
    toks = syllables(word)
    return toks[0] if whole and len(toks) == 1 else None


def _required_syllables(items: list, sre_parse) -> list:
    """Sets of syllables, one of each must be among a sentence's syllables for the pattern to match.

    From the top-level alternations whose every branch starts with a whole
    literal syllable, and top-level literal words; conservative: what cannot
    be read this way gives no set.
    """
    groups = []
    for k, (op, av) in enumerate(items):
        after = items[k + 1] if k + 1 < len(items) else None
        before = items[k - 1] if k else None
        if op == sre_parse.BRANCH:
            firsts = [_leading_syllable(list(alt), after, sre_parse) for alt in av[1]]
            if firsts and all(firsts):
                groups.append(frozenset(firsts))
        elif op == sre_parse.LITERAL and (before is None or before[0] != sre_parse.LITERAL):
            first = _leading_syllable(items[k:], after=None, sre_parse=sre_parse)
            if first and (before is None or _is_space(before, sre_parse)):
                groups.append(frozenset([first]))
    return groups


def _literal_prefixes(items, sre_parse):
    """Literal strings one of which starts every match of the parsed pattern ``items``, or None."""
    if not items:
        return None
    op, av = items[0]
    if op == sre_parse.LITERAL:
        chars = []
        for op2, av2 in items:
            if op2 != sre_parse.LITERAL:
                break
            chars.append(chr(av2))
        return ["".join(chars)]
    if op == sre_parse.SUBPATTERN:
        return _literal_prefixes(list(av[-1]), sre_parse)
    if op == sre_parse.BRANCH:
        out = []
        for alt in av[1]:
            found = _literal_prefixes(list(alt), sre_parse)
            if not found:
                return None
            out.extend(found)
        return out
    return None


def _shortcoming_cues() -> list:
    from .patterns import load
    data = load().spec("shortcoming").data
    cues = [(f"pos{i}", p) for i, p in enumerate(data.get("positive_cues", []))]
    cues += [(f"block{i}", p) for i, p in enumerate(data.get("blocking_cues", []))]
    return cues


#: The gate of the shortcoming classifier: a sentence whose syllables contain
#: none of these words (negation, ``còn``/``vẫn``, words of lack, slowness,
#: difficulty, failure, decline, ranking last, ``mới đạt``, and ``chỉ`` unless it
#: starts ``chỉ đạo``, ``chỉ số``, ``chỉ tiêu`` ...) is not a shortcoming and is not
#: scored. Measured by grouped cross-validation on the dev gold: no shortcoming
#: sentence lacks all of them (docs/classifiers.md).
GATE = {
    "phrases": ["chưa", "không", "thiếu", "chẳng", "còn", "vẫn", "thấp", "chậm", "ít", "yếu", "kém", "khó", "vướng",
                "lỗi", "mất", "cuối", "chót", "tụt", "sụt", "giảm", "trễ", "hạn chế", "bất cập", "tồn tại", "trở ngại",
                "thách thức", "hạn hẹp", "eo hẹp", "lạc hậu", "xuống cấp", "hư hỏng", "quá tải", "sự cố", "gián đoạn",
                "chập chờn", "phức tạp", "rườm rà", "lúng túng", "hình thức", "manh mún", "chồng chéo", "lãng phí",
                "dàn trải", "quá hạn", "mới đạt", "mới có", "mới chỉ"],
    "unless_next": {"chỉ": ["đạo", "số", "tiêu", "thị", "huy", "định", "ra", "dẫn", "rõ", "trích", "tay", "điểm",
                            "mục"]},
}


def _gate_index(gate: dict):
    """``(words, first syllables of pairs, pairs, unless_next)`` of a gate."""
    key = id(gate)
    cached = _GATE_INDEX.get(key)
    if cached is not None and cached[0] is gate:
        return cached[1]
    words, pairs = set(), {}
    for p in gate.get("phrases", ()):
        toks = syllables(p)
        if len(toks) == 1:
            words.add(toks[0])
        elif len(toks) == 2:
            pairs.setdefault(toks[0], set()).add(toks[1])
        elif toks:
            raise ValueError(f"gate phrases have one or two syllables, got {p!r}")
    unless = {syllables(k)[0]: frozenset(syllables(" ".join(v))) for k, v in (gate.get("unless_next") or {}).items()}
    index = (frozenset(words), frozenset(pairs) | frozenset(unless), pairs, unless)
    _GATE_INDEX[key] = (gate, index)
    return index


_GATE_INDEX: dict = {}


def gate_tokens(toks: list, gate: dict = GATE) -> bool:
    """True when a sentence with syllables ``toks`` passes the gate."""
    words, firsts, pairs, unless = _gate_index(gate)
    if not words.isdisjoint(toks):
        return True
    if firsts.isdisjoint(toks):
        return False
    n = len(toks)
    for k, t in enumerate(toks):
        if t in firsts:
            nxt = toks[k + 1] if k + 1 < n else None
            second = pairs.get(t)
            if second is not None and nxt in second:
                return True
            stop = unless.get(t)
            if stop is not None and nxt not in stop:
                return True
    return False


def gate_candidates(doc, gate: dict = GATE) -> list:
    """Indices of the sentences of ``doc`` that pass the gate (ascending).

    Parameters
    ----------
    doc : Document
        With ``sentences`` set.
    gate : dict, default=GATE

    Returns
    -------
    list of int
    """
    c = _cache(doc)
    hit = c.gate.get(id(gate))
    if hit is None:
        words, firsts = _gate_index(gate)[:2]
        # the two set tests decide most sentences; gate_tokens looks at the pairs of the others
        hit = c.gate[id(gate)] = [i for i, toks in enumerate(c.all_tokens())
                                  if not words.isdisjoint(toks)
                                  or (not firsts.isdisjoint(toks) and gate_tokens(toks, gate))]
    return hit


def gate_matches(text: str, gate: dict = GATE) -> bool:
    """True when the sentence ``text`` passes the gate (see :func:`gate_candidates`)."""
    return gate_tokens(syllables(text), gate)


class CueFeatures(TransformerMixin, BaseEstimator):
    """Binary cue and marker features of a sentence and its neighbours.

    Three kinds of features, in this order:

    - the lexicon's cues (``patterns/shortcoming.yml``): ``pos*`` and
      ``block*`` regular expressions, each run once over all sentences of
      the batch, plus ``cue_any``, ``block_any`` and ``lexicon`` (the
      baseline's decision: a positive cue and no blocking cue);
    - named markers (:data:`MARKERS`): phrases looked up in the sentence's
      syllables (recommendation, future, aim, achievement, contrast,
      negation, ranking, starting point ...), and shape features
      (:data:`SHAPES`: question, final colon, no final mark, list bullet,
      general principle, tally);
    - with ``context``, a few of them for the previous (``prev:*``) and
      next (``next:*``) sentences, then position and length.

    Parameters
    ----------
    cues : list of (str, str) or None, default=None
        ``(name, regex)`` lexicon cues; None reads ``patterns/shortcoming.yml``.
        Copied into ``cues_`` at ``fit``, so a saved model does not change
        when the pattern files do.
    markers : dict of str to list of str, or None, default=None
        None uses :data:`MARKERS`; copied into ``markers_``.
    context : bool, default=True
        Add features of the previous and next sentences.
    weight : float, default=1.0
        Multiplies every feature value.
    gate : dict or None, default=None
        The words a sentence must contain to be scored at all (:data:`GATE`:
        ``phrases`` of one or two syllables, and ``unless_next``: a word that
        counts unless one of the listed syllables follows it); sentences it
        rejects get probability 0 from
        :class:`~pipeline.models.ShortcomingComponent`. Stored with the model;
        None scores every sentence.

    Attributes
    ----------
    cues_ : list of (str, str)
    markers_ : dict of str to list of str
    feature_names_ : list of str
    n_features_out_ : int
    """

    def __init__(self, cues=None, markers=None, context=True, weight=1.0, gate=None):
        self.cues = cues
        self.markers = markers
        self.context = context
        self.weight = weight
        self.gate = gate

    def fit(self, X=None, y=None):
        """Fix the cue and marker lists (nothing is learnt from data).

        Returns
        -------
        self
        """
        cues = list(self.cues) if self.cues is not None else _shortcoming_cues()
        for _name, src in cues:
            _compile(src)
        if self.gate is not None:
            _gate_index(self.gate)
        self.cues_ = [(str(n), str(src)) for n, src in cues]
        markers = self.markers if self.markers is not None else MARKERS
        self.markers_ = {str(k): [str(p) for p in v] for k, v in markers.items()}
        names = self._own_names()
        if self.context:
            names += [f"prev:{n}" for n in _CONTEXT] + [f"next:{n}" for n in _CONTEXT]
            names += ["prev:none", "next:none", "after_intro"]
        names += ["pos", "first", "last", "len_short", "len_long", "has_pct", "has_num"]
        self.feature_names_ = names
        self.n_features_out_ = len(names)
        return self

    def _own_names(self) -> list:
        """Names of the per-sentence features (before context, position and length)."""
        return ([n for n, _ in self.cues_] + ["cue_any", "block_any", "lexicon"]
                + list(self.markers_) + list(SHAPES))

    def _phrases(self):
        """Marker phrase indexes: ``(by_first, start, maxlen, ctx_by_first, ctx_start)``.

        ``by_first``: ``{first syllable: (columns of one-syllable phrases,
        [(length, phrase, columns)])}`` of the markers matched anywhere;
        ``start``: ``{first syllable: [(length, phrase, columns)]}`` of those
        anchored at the start, shortest first (so one lookup of the first
        syllable finds them, in the order of growing length); the ``ctx_*``
        ones hold only the markers that the context features of the
        neighbouring sentences need.
        """
        index = self.__dict__.get("_phrase_index")
        if index is None:
            base = len(self.cues_) + 3
            ctx_names = set(_CONTEXT)
            anywhere, start, maxlen = {}, {}, 1
            for j, (name, phrases) in enumerate(self.markers_.items()):
                for p in phrases:
                    table = start if p.startswith("^") else anywhere
                    toks = tuple(syllables(p.lstrip("^")))
                    if toks:
                        table.setdefault(toks, set()).add(base + j)
                        maxlen = max(maxlen, len(toks))
            ctx_cols = {base + j for j, name in enumerate(self.markers_) if name in ctx_names}

            def first_index(table, keep=None):
                """``{first syllable: (columns of one-syllable phrases, [(length, phrase, columns)])}``."""
                single: dict = {}
                multi: dict = {}
                for toks, cols in table.items():
                    cols = cols if keep is None else cols & keep
                    if not cols:
                        continue
                    if len(toks) == 1:
                        single.setdefault(toks[0], set()).update(cols)
                    else:
                        multi.setdefault(toks[0], []).append((len(toks), toks, tuple(sorted(cols))))
                return {t: (tuple(sorted(single.get(t, ()))), multi.get(t, [])) for t in set(single) | set(multi)}

            def start_index(table, keep=None):
                out = {}
                for toks, cols in table.items():
                    cols = tuple(sorted(cols if keep is None else cols & keep))
                    if cols:
                        out.setdefault(toks[0], []).append((len(toks), toks, cols))
                for entries in out.values():
                    entries.sort(key=lambda e: e[0])  # one phrase of each length can match: same order as by length
                return out

            ctx_first = first_index(anywhere, ctx_cols)
            ctx_single = {t: e[0] for t, e in ctx_first.items() if e[0]}
            ctx_multi = {t: e[1] for t, e in ctx_first.items() if e[1]}
            index = (first_index(anywhere), start_index(start), maxlen, (ctx_single, frozenset(ctx_single), ctx_multi,
                                                                        frozenset(ctx_multi)),
                     start_index(start, ctx_cols))
            self.__dict__["_phrase_index"] = index
        return index

    def _cue_plan(self):
        """How to look for each cue: ``(entries, by_syllable, first_syllables, always)``.

        An entry is ``(column, regex, boundary, mode, required)``; ``by_syllable``
        maps a syllable to the ``(entry, prefixes)`` to try in a sentence that has
        it (a prefix cue: the literal prefixes starting with that syllable), so a
        cue is only considered for sentences with a syllable it starts with (or
        of its first required set), and its ``required`` sets are checked first.

        ``required``: sets of syllables one of each of which a sentence must
        contain for the cue to match at all (read from the regular expression:
        ``(?:còn|vẫn)\\s+...(?:hạn chế|thấp ...)`` needs ``còn`` or ``vẫn``
        and ``hạn`` or ``thấp`` ...), so most cues are never tried on most
        sentences. ``mode``: ``"anchored"`` (``^...``: tried at the sentence
        start), ``"prefix"`` (tried where one of the literal ``prefixes``
        occurs) or ``"scan"``.
        """
        plan = self.__dict__.get("_cue_plan_cache")
        if plan is None:
            entries, by_syl, always = [], {}, []
            for j, (_name, src) in enumerate(self.cues_):
                rx, boundary, prefixes, anchored, required = _compile(src)
                firsts = [syllables(p)[:1] for p in prefixes] if prefixes and boundary and not anchored else None
                if firsts and all(f and p.startswith(f[0]) for f, p in zip(firsts, prefixes)):
                    # tried where one of its literal prefixes occurs, in sentences with the prefix's first syllable
                    entry = (j, rx, boundary, "prefix", ())  # checking the other sets costs more than it saves
                    groups: dict = {}
                    for f, p in zip(firsts, prefixes):
                        groups.setdefault(f[0], []).append(p)
                    for syl, pres in groups.items():
                        by_syl.setdefault(syl, []).append((entry, tuple(pres)))
                elif required:  # dispatched on the syllables of its first required set
                    entry = (j, rx, boundary, "anchored" if anchored else "scan", required[1:])
                    for syl in required[0]:
                        by_syl.setdefault(syl, []).append((entry, None))
                else:
                    entry = (j, rx, boundary, "anchored" if anchored else "scan", ())
                    always.append((entry, None))
                entries.append(entry)
            plan = (entries, by_syl, frozenset(by_syl), always)
            self.__dict__["_cue_plan_cache"] = plan
        return plan

    def _match(self, texts: list, tokens: list, n_full: Optional[int] = None) -> list:
        """Active own features of ``texts``: one set of column indices per text.

        Rows from ``n_full`` on are neighbours: only the features in
        :data:`_CONTEXT` are computed for them.
        """
        n_cues = len(self.cues_)
        n_rows = len(texts)
        n_full = n_rows if n_full is None else n_full
        act = [set() for _ in texts]
        if not texts:
            return act
        big = "\n".join(texts)
        if not big.isascii() and not unicodedata.is_normalized("NFC", big):  # the cues are written in NFC
            texts = [unicodedata.normalize("NFC", t) for t in texts]
            big = "\n".join(texts)
        low = big.lower()
        if len(low) != len(big):  # a character whose lower case is longer: keep offsets exact
            low = "".join(c if len(c.lower()) != 1 else c.lower() for c in big)
        _entries, by_syl, first_syls, always = self._cue_plan()
        is_pos = self.__dict__.get("_is_pos")
        if is_pos is None:
            is_pos = self.__dict__["_is_pos"] = [name.startswith("pos") for name, _ in self.cues_]
            self.__dict__["_is_block"] = [name.startswith("block") for name, _ in self.cues_]
        is_block = self.__dict__["_is_block"]
        s0 = 0
        for i in range(n_rows):
            e0 = s0 + len(texts[i])
            a = act[i]
            toks = tokens[i]
            found = first_syls.intersection(toks)
            cands = always
            if found:
                cands = list(always)
                for syl in found:
                    cands.extend(by_syl[syl])
            ts = None
            tried = set()
            for (j, rx, boundary, mode, required), pres in cands:
                if j in a:
                    continue
                if mode != "prefix":
                    if j in tried:
                        continue
                    tried.add(j)
                if required:
                    if ts is None:
                        ts = set(toks)
                    if any(group.isdisjoint(ts) for group in required):
                        continue
                if mode == "prefix":
                    for prefix in pres:
                        k = low.find(prefix, s0, e0)
                        while k >= 0:
                            if not (boundary and k and low[k - 1].isalnum()):
                                h = rx.match(low, k)
                                if h is not None and h.end() <= e0:
                                    a.add(j)
                                    break
                            k = low.find(prefix, k + 1, e0)
                        if j in a:
                            break
                elif mode == "anchored":
                    h = rx.match(low, s0)
                    if h is not None and h.end() <= e0:
                        a.add(j)
                else:
                    for h in rx.finditer(low, s0, e0):
                        k = h.start()
                        if not (boundary and k and low[k - 1].isalnum()):
                            a.add(j)
                            break
            if a:
                p = any(is_pos[j] for j in a)
                b = any(is_block[j] for j in a)
                if p:
                    a.add(n_cues)
                if b:
                    a.add(n_cues + 1)
                if p and not b:
                    a.add(n_cues + 2)
            s0 = e0 + 1
        by_first, start, maxlen, ctx, ctx_start = self._phrases()
        ctx_single, ctx_single_keys, ctx_multi, ctx_multi_keys = ctx
        for i, toks in enumerate(tokens):
            a = act[i]
            if toks:
                for n, phrase, hit in (start if i < n_full else ctx_start).get(toks[0], ()):
                    if n == 1 or (n <= len(toks) and tuple(toks[:n]) == phrase):
                        a.update(hit)
            if i >= n_full:  # a neighbour: only the few context markers, found with set operations
                for syl in ctx_single_keys.intersection(toks):
                    a.update(ctx_single[syl])
                if not ctx_multi_keys.isdisjoint(toks):
                    for k, t in enumerate(toks):
                        for n, phrase, hit in ctx_multi.get(t, ()):
                            if tuple(toks[k:k + n]) == phrase:
                                a.update(hit)
                continue
            get = by_first.get
            for k, t in enumerate(toks):
                e = get(t)
                if e is None:
                    continue
                if e[0]:
                    a.update(e[0])
                for n, phrase, hit in e[1]:
                    if tuple(toks[k:k + n]) == phrase:
                        a.update(hit)
        shape0 = n_cues + 3 + len(self.markers_)
        for i, (text, toks) in enumerate(zip(texts, tokens)):
            tail = text.rstrip(_CLOSERS)
            a = act[i]
            last = tail[-1] if tail else ""
            if last == ":":
                a.add(shape0 + 1)
            if i >= n_full:
                continue
            if last == "?":
                a.add(shape0)
            if last and last not in ".!?:;…":
                a.add(shape0 + 2)
            if _BULLET.match(text) is not None:
                a.add(shape0 + 3)
            if "nếu" in toks:
                lt = text.lower()
                if "không thể" in lt or "không có" in lt:
                    a.add(shape0 + 4)
            if "chưa" in toks and _tally(toks):
                a.add(shape0 + 5)
        return act

    def _layout(self):
        """``(n_own, context columns, total)`` of the output."""
        lay = self.__dict__.get("_layout_cache")
        if lay is None:
            own = self._own_names()
            col = {name: j for j, name in enumerate(own)}
            lay = self.__dict__["_layout_cache"] = (len(own), [col[name] for name in _CONTEXT], self.n_features_out_)
        return lay

    def _active(self, X) -> list:
        """For each record: the list of its features that are 1, and the value of ``pos``."""
        texts = [r.get("text") or "" for r in X]
        uniq: dict = {}
        toks: list = []
        for r, t in zip(X, texts):
            if t not in uniq:
                uniq[t] = len(uniq)
                tk = r.get("tokens")
                toks.append(tk if tk is not None else syllables(t))
        n_full = len(uniq)
        context = self.context
        if context:
            for r in X:
                for key in ("prev", "next"):
                    t = r.get(key) or ""
                    if t and t not in uniq:
                        uniq[t] = len(uniq)
                        tk = r.get(key + "_tokens")
                        toks.append(tk if tk is not None else syllables(t))
        act = self._match(list(uniq), toks, n_full)
        n_own, ctx_cols, total = self._layout()
        n_ctx = len(ctx_cols)
        ctx_prev = [(j, n_own + c) for c, j in enumerate(ctx_cols)]  # (own column, context column)
        ctx_next = [(j, n_own + n_ctx + c) for c, j in enumerate(ctx_cols)]
        base = total - 7
        o = n_own + 2 * n_ctx
        out = []
        for r, text in zip(X, texts):
            u = uniq[text]
            cols = list(act[u])
            if context:
                prev, nxt = r.get("prev"), r.get("next")
                if prev:
                    other = act[uniq[prev]]
                    if other:
                        cols += [col for j, col in ctx_prev if j in other]
                    if prev.rstrip(_CLOSERS).endswith(":"):
                        cols.append(o + 2)
                else:
                    cols.append(o)
                if nxt:
                    other = act[uniq[nxt]]
                    if other:
                        cols += [col for j, col in ctx_next if j in other]
                else:
                    cols.append(o + 1)
            tk = toks[u]
            k = len(tk)
            if r.get("index", 1) == 0:
                cols.append(base + 1)
            if not r.get("next") and "next" in r:
                cols.append(base + 2)
            if k < 6:
                cols.append(base + 3)
            if k > 40:
                cols.append(base + 4)
            if "%" in text:
                cols.append(base + 5)
            if "00" in " ".join(tk):
                cols.append(base + 6)
            out.append((cols, r.get("pos", 0.0)))
        return out

    def _dense(self, X) -> np.ndarray:
        """The features of ``X`` as a dense array (one row per record)."""
        total = self._layout()[2]
        base = total - 7
        rows, cols = [], []
        pos_vals = []
        for i, (c, pos) in enumerate(self._active(X)):
            rows.extend([i] * len(c))
            cols.extend(c)
            pos_vals.append(pos)
        out = np.zeros((len(X), total))
        if rows:
            out[rows, cols] = 1.0
        out[:, base] = pos_vals
        if self.weight != 1.0:
            out *= self.weight
        return out

    def prepare_sparse(self, block: np.ndarray, offset: int, q: np.ndarray):
        """For :meth:`FastUnion.prepare_dot`: the rows are the coefficients (weight folded in)."""
        check_is_fitted(self, "cues_")
        return block * self.weight, offset

    def add_rows(self, X, ctx, q, out: "_Collector") -> None:
        """Add this part's entries of every record to ``out``: its active features, and ``pos``."""
        base = ctx + self._layout()[2] - 7
        for r, (cols, pos) in enumerate(self._active(X)):
            idx = list(map(ctx.__add__, cols))
            vals = [1.0] * len(idx)
            if pos:
                idx.append(base)
                vals.append(pos)
            if idx:
                out.add(r, idx, vals)

    def __getstate__(self):
        state = super().__getstate__()
        for key in ("_phrase_index", "_cue_plan_cache", "_is_pos", "_is_block", "_layout_cache"):
            state.pop(key, None)  # derived, rebuilt on first use
        return state

    def transform(self, X):
        """Cue features as a sparse matrix (so they stack with n-grams).

        Parameters
        ----------
        X : list of dict
            Records with ``text`` (and ``tokens``, ``prev``, ``next``, ``pos``,
            ``index`` when present).

        Returns
        -------
        scipy.sparse.csr_matrix of shape (len(X), n_features_out_)
        """
        check_is_fitted(self, "cues_")
        return sp.csr_matrix(self._dense(X))

    def candidates(self, doc) -> Optional[list]:
        """Indices of the sentences of ``doc`` that pass the gate (None: no gate, all sentences)."""
        gate = getattr(self, "gate", None)
        return None if gate is None else gate_candidates(doc, gate)

    def candidate_mask(self, records) -> np.ndarray:
        """Which sentence records pass the gate (all True without a gate)."""
        gate = getattr(self, "gate", None)
        if gate is None:
            return np.ones(len(records), dtype=bool)
        return np.array([gate_tokens(_tokens_of(r, "text") if "tokens" not in r else r["tokens"], gate)
                         for r in records], dtype=bool)

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "cues_")
        return np.asarray(["cue:" + n for n in self.feature_names_], dtype=object)


# --------------------------------------------------------------------------- topic keywords
def _topic_keywords() -> dict:
    from .patterns import load
    kw = load().spec("topic").data.get("keywords") or {}
    return {t: list(words) for t, words in kw.items()}


#: Keyword indexes by lexicon content, shared by all featurizers with the same keywords.
_KW_INDEXES: dict = {}
_CAPS_LOWER: dict = {}


def _caps_lower(caps: list) -> frozenset:
    """The syllables of the capitalised keywords, lower-cased (a sentence without any has none of them)."""
    key = id(caps)
    got = _CAPS_LOWER.get(key)
    if got is None or got[0] is not caps:
        got = _CAPS_LOWER[key] = (caps, frozenset(t for w, _, _ in caps for t in syllables(w)))
    return got[1]


def _keyword_index(keywords: dict) -> tuple:
    """``(by_first, caps)``: syllable phrases by their first syllable, and capitalised keywords with their regex."""
    col = {t: j for j, t in enumerate(TOPICS)}
    phrases: dict = {}
    caps: dict = {}
    for topic, words in keywords.items():
        for w in words:
            weight = 1.0 + 0.3 * len(w.split())
            if w.isupper() and len(w.split()) == 1:
                caps.setdefault(w, []).append((col[topic], weight))
                continue
            toks = tuple(syllables(w))
            if toks:
                phrases.setdefault(toks, []).append((col[topic], weight))
    by_first: dict = {}
    for toks, hits in phrases.items():
        by_first.setdefault(toks[0], []).append((len(toks), toks, tuple(hits)))
    caps_rx = [(w, re.compile(rf"(?<!\w){re.escape(w)}(?!\w)"), tuple(hit)) for w, hit in caps.items()]
    return by_first, caps_rx


class TopicKeywords(TransformerMixin, BaseEstimator):
    """The topic lexicon as 13 features: ``log1p`` of the keyword weight per topic.

    A keyword matches a run of syllables; keywords in capitals (``LAN``,
    ``IOC``) only match capitals in the text.

    Parameters
    ----------
    field : str, default="clause"
    keywords : dict of str to list of str, or None, default=None
        ``{topic: [keyword, ...]}``; None reads ``patterns/topics.yml``.
        Copied into ``keywords_`` at ``fit``.
    weight : float, default=1.0
    vote : bool, default=False
        Also the lexicon's decision (the topic with the highest score) as a
        one-hot block of 13 more features.
    fallback : str or None, default=None
        With ``vote``: the field whose scores decide when ``field`` has no keyword.

    Attributes
    ----------
    keywords_ : dict
    n_features_out_ : int
    """

    def __init__(self, field="clause", keywords=None, weight=1.0, vote=False, fallback=None):
        self.field = field
        self.keywords = keywords
        self.weight = weight
        self.vote = vote
        self.fallback = fallback

    def fit(self, X=None, y=None):
        """Fix and index the keyword list.

        Returns
        -------
        self
        """
        kw = self.keywords if self.keywords is not None else _topic_keywords()
        for topic in kw:
            if topic not in TOPICS:
                raise ValueError(f"unknown topic {topic!r} in keywords; use one of {', '.join(TOPICS)}")
        self.keywords_ = {t: [str(w) for w in ws] for t, ws in kw.items()}
        self.n_features_out_ = len(TOPICS) * (2 if self.vote else 1)
        return self

    def _index(self):
        """The keyword index ``(by_first, caps)``; featurizers with the same keywords share one (and its caches)."""
        key = id(self.keywords_)
        cached = getattr(self, "_index_cache", None)
        if cached is not None and cached[0] == key:
            return cached[1]
        content = tuple((t, tuple(ws)) for t, ws in self.keywords_.items())
        index = _KW_INDEXES.get(content)
        if index is None:
            index = _KW_INDEXES[content] = _keyword_index(self.keywords_)
        self._index_cache = (key, index)
        return index

    def _rows(self, X, offset: int = 0):
        """Column indices (plus ``offset``) and values of every record; records with the same scores share lists."""
        rows_idx, rows_val = [], []
        n_topics = len(TOPICS)
        weight = self.weight
        field = self.field
        vote = self.vote
        seen: dict = {}  # id(score) -> (score, idx, vals): scores computed once are shared (a document's ``doc``)
        for rec in X:
            score = self._score(rec, field)
            if not vote:
                hit = seen.get(id(score))
                if hit is not None and hit[0] is score:
                    rows_idx.append(hit[1])
                    rows_val.append(hit[2])
                    continue
            idx = sorted(score)
            vals = list(map(math.log1p, map(score.__getitem__, idx)))
            if weight != 1.0:
                vals = list(map(weight.__mul__, vals))
            if offset:
                idx = list(map(offset.__add__, idx))
            if vote:
                fb = score
                if not fb and self.fallback:
                    fb = self._score(rec, self.fallback)
                if fb:
                    best = max(fb.values())
                    idx.append(offset + n_topics + min(j for j, v in fb.items() if v == best))
                    vals.append(weight)
            else:
                seen[id(score)] = (score, idx, vals)
            rows_idx.append(idx)
            rows_val.append(vals)
        return rows_idx, rows_val

    def transform(self, X):
        """Keyword scores per topic.

        Parameters
        ----------
        X : list of dict

        Returns
        -------
        scipy.sparse.csr_matrix of shape (len(X), 13) (26 with ``vote``)
        """
        check_is_fitted(self, "keywords_")
        rows_idx, rows_val = self._rows(X)
        return _csr(rows_idx, rows_val, self.n_features_out_)

    def prepare_sparse(self, block: np.ndarray, offset: int, q: np.ndarray):
        """For :meth:`FastUnion.prepare_dot`: the rows are the coefficients; the context is the offset."""
        check_is_fitted(self, "keywords_")
        return block, offset

    def add_rows(self, X, ctx, q, out: "_Collector") -> None:
        """Add this part's entries of every record to ``out`` (global columns)."""
        rows_idx, rows_val = self._rows(X, ctx)
        for r, (idx, vals) in enumerate(zip(rows_idx, rows_val)):
            if idx:
                out.add(r, idx, vals)

    def _sentence_hits(self, c, i: int) -> tuple:
        """Keyword hits of sentence ``i``: ``(syllable hits [(k, k_end, hits)], capitals hits [(start, end, hits)])``."""
        by_first, caps = self._index()
        key = ("kw", id(by_first), i)  # indexes are shared and kept (``_KW_INDEXES``)
        memo = c.memo.get(key)
        if memo is not None:
            return memo
        toks = c.tokens(i)
        th = []
        get = by_first.get
        last = len(toks) - 1
        for k, t in enumerate(toks):
            cands = get(t)
            if cands is None:
                continue
            nxt = toks[k + 1] if k < last else None
            for n, phrase, hits in cands:
                if n == 1 or (phrase[1] == nxt and (n == 2 or tuple(toks[k:k + n]) == phrase)):
                    th.append((k, k + n, hits))
        ch = []
        if caps and not _caps_lower(caps).isdisjoint(toks):  # a capitalised keyword's syllable is there
            sent = c.sents[i]
            raw = sent.text
            for w, rx, hits in caps:
                if w in raw:
                    for m in rx.finditer(raw):
                        ch.append((sent.start + m.start(), sent.start + m.end(), hits))
        c.memo[key] = (th, ch)
        return th, ch

    def _whole(self, c, sentences, score: dict) -> dict:
        for j in sentences:
            th, ch = self._sentence_hits(c, j)
            for _, _, hits in th:
                for col, w in hits:
                    score[col] = score.get(col, 0.0) + w
            for _, _, hits in ch:
                for col, w in hits:
                    score[col] = score.get(col, 0.0) + w
        return score

    def _score_loc(self, loc, field):
        """Scores of a field of a record made by :func:`fact_records` (None: not a known field)."""
        c, i, ranges = loc
        r = ranges.get(field)
        if r is not None:
            k0, k1, a, b = r
            key = ("kwr", id(self._index()[0]), i, k0, k1, a, b)
            score = c.memo.get(key)
            if score is not None:
                return score
            th, ch = self._sentence_hits(c, i)
            score = c.memo[key] = {}
            for k, ke, hits in th:
                if k >= k0 and ke <= k1:
                    for col, w in hits:
                        score[col] = score.get(col, 0.0) + w
            for p, pe, hits in ch:
                if p >= a and pe <= b:
                    for col, w in hits:
                        score[col] = score.get(col, 0.0) + w
            return score
        n = len(c.sents)
        if field == "doc":
            key = ("kwdoc", id(self._index()[0]))
            memo = c.memo.get(key)
            if memo is None:
                memo = c.memo[key] = self._whole(c, c.lead(), {})
            return memo
        if field == "context":
            return self._whole(c, [j for j in (i - 1, i, i + 1) if 0 <= j < n], {})
        if field in ("prev", "next", "head"):
            j = {"prev": i - 1, "next": i + 1, "head": 0}[field]
            return self._whole(c, [j] if 0 <= j < n else [], {})
        return None

    def _score(self, rec, field) -> dict:
        """``{topic column: summed keyword weight}`` of one record field (shared between featurizers; do not modify)."""
        loc = rec.get("_loc")
        if loc is not None:
            score = self._score_loc(loc, field)
            if score is not None:
                return score
        by_first, caps = self._index()
        toks = _tokens_of(rec, field)
        key = (id(by_first), id(toks))
        hit = _KW_SCORES.get(key)
        if hit is not None and hit[0] is by_first and hit[1] is toks:
            return hit[2]
        score: dict = {}
        for i, t in enumerate(toks):
            cands = by_first.get(t)
            if cands is None:
                continue
            for n, phrase, hits in cands:
                if n == 1 or tuple(toks[i:i + n]) == phrase:
                    for j, w in hits:
                        score[j] = score.get(j, 0.0) + w
        if caps:
            raw = rec.get(field)
            if raw and isinstance(raw, str) and not raw.islower():
                for w, rx, hits in caps:
                    if w in raw:
                        found = len(rx.findall(raw))
                        if found:
                            for j, wt in hits:
                                score[j] = score.get(j, 0.0) + wt * found
        if len(_KW_SCORES) > 4096:
            _KW_SCORES.clear()
        _KW_SCORES[key] = (by_first, toks, score)
        return score

    def get_feature_names_out(self, input_features=None):
        names = [f"{self.field}:topic={t}" for t in TOPICS]
        if self.vote:
            names += [f"{self.field}:vote={t}" for t in TOPICS]
        return np.asarray(names, dtype=object)

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_index_cache", None)  # derived from keywords_, rebuilt on first use
        return state


class TopicKeywordFields(TopicKeywords):
    """The topic lexicon as 13 features for each of several record fields, in one pass.

    The same values as one :class:`TopicKeywords` per field (``log1p`` of the
    summed keyword weights, times the field's weight), computed together: for
    a record made by :func:`fact_records`, the keyword hits of its sentence are
    found once and each field sums those in its range.

    Parameters
    ----------
    fields : tuple of str, default=("clause", "window", "sentence", "doc", "pre", "unit")
    weights : tuple of float, default=(1.0, 1.0, 0.5, 0.3, 1.5, 1.0)
        One per field.
    keywords : dict of str to list of str, or None, default=None
        ``{topic: [keyword, ...]}``; None reads ``patterns/topics.yml``.

    Attributes
    ----------
    keywords_ : dict
    n_features_out_ : int
        13 per field.
    """

    def __init__(self, fields=("clause", "window", "sentence", "doc", "pre", "unit"),
                 weights=(1.0, 1.0, 0.5, 0.3, 1.5, 1.0), keywords=None):
        self.fields = fields
        self.weights = weights
        self.keywords = keywords

    def fit(self, X=None, y=None):
        """Fix and index the keyword list.

        Returns
        -------
        self
        """
        if len(self.fields) != len(self.weights):
            raise ValueError(f"{len(self.fields)} fields but {len(self.weights)} weights")
        kw = self.keywords if self.keywords is not None else _topic_keywords()
        for topic in kw:
            if topic not in TOPICS:
                raise ValueError(f"unknown topic {topic!r} in keywords; use one of {', '.join(TOPICS)}")
        self.keywords_ = {t: [str(w) for w in ws] for t, ws in kw.items()}
        self.n_features_out_ = len(TOPICS) * len(self.fields)
        return self

    # the single-field attributes the shared helpers read
    field = property(lambda self: self.fields[0])
    weight = property(lambda self: 1.0)
    vote = property(lambda self: False)
    fallback = property(lambda self: None)

    def _record_rows(self, X, offset: int = 0):
        """Column indices (plus ``offset``) and values of every record, all fields together."""
        n_topics = len(TOPICS)
        fields = list(zip(range(0, n_topics * len(self.fields), n_topics), self.fields,
                          [float(w) for w in self.weights]))
        log1p = math.log1p
        rows_idx, rows_val = [], []
        lead: dict = {}  # (id(cache), column base) -> (cache, idx, vals): the ``doc`` field, the same for every fact
        for rec in X:
            loc = rec.get("_loc")
            idx, vals = [], []
            if loc is not None:
                c, i, ranges = loc
                th, ch = self._sentence_hits(c, i)
            for base, field, w in fields:
                r = ranges.get(field) if loc is not None else None
                if r is not None:
                    if not th and not ch:  # no keyword in the sentence, so none in the range
                        continue
                    k0, k1, a, b = r
                    score: dict = {}
                    for k, ke, hits in th:
                        if k >= k0 and ke <= k1:
                            for col, v in hits:
                                score[col] = score.get(col, 0.0) + v
                    for p, pe, hits in ch:
                        if p >= a and pe <= b:
                            for col, v in hits:
                                score[col] = score.get(col, 0.0) + v
                elif loc is not None and field == "doc":  # the document's lead: scored once per batch
                    got = lead.get((id(c), base))
                    if got is None or got[0] is not c:
                        score = self._score(rec, field)
                        cols = sorted(score)
                        got = lead[(id(c), base)] = (c, [base + offset + col for col in cols],
                                                     [log1p(score[col]) * w for col in cols])
                    idx += got[1]
                    vals += got[2]
                    continue
                else:
                    score = self._score(rec, field)
                base += offset
                for col in sorted(score):
                    idx.append(base + col)
                    vals.append(log1p(score[col]) * w)
            rows_idx.append(idx)
            rows_val.append(vals)
        return rows_idx, rows_val

    def _rows(self, X, offset: int = 0):
        return self._record_rows(X, offset)

    def add_rows(self, X, ctx, q, out: "_Collector") -> None:
        """Add this part's entries of every record to ``out`` (global columns)."""
        rows_idx, rows_val = self._record_rows(X, ctx)
        for r, idx in enumerate(rows_idx):
            if idx:
                out.add(r, idx, rows_val[r])

    def get_feature_names_out(self, input_features=None):
        return np.asarray([f"{f}:topic={t}" for f in self.fields for t in TOPICS], dtype=object)


class KindFeatures(TransformerMixin, BaseEstimator):
    """One-hot fact type of a topic record (``shortcoming``, ``percentage`` ...).

    Parameters
    ----------
    kinds : tuple of str, default=("shortcoming", "percentage", "ratio", "count", "money")

    Attributes
    ----------
    n_features_out_ : int
    """

    def __init__(self, kinds=("shortcoming", "percentage", "ratio", "count", "money")):
        self.kinds = kinds

    def fit(self, X=None, y=None):
        self.n_features_out_ = len(self.kinds)
        return self

    def _rows(self, X):
        col = {k: j for j, k in enumerate(self.kinds)}
        return [[col[r["kind"]]] if r.get("kind") in col else [] for r in X]

    def transform(self, X):
        check_is_fitted(self, "n_features_out_")
        rows = self._rows(X)
        return _csr(rows, [[1.0] * len(r) for r in rows], self.n_features_out_)

    def prepare_sparse(self, block: np.ndarray, offset: int, q: np.ndarray):
        return block, offset

    def add_rows(self, X, ctx, q, out: "_Collector") -> None:
        one = [1.0]
        segs = {}
        for r, cols in enumerate(self._rows(X)):
            if cols:
                idx = segs.get(cols[0])
                if idx is None:
                    idx = segs[cols[0]] = [ctx + cols[0]]
                out.add(r, idx, one)

    def get_feature_names_out(self, input_features=None):
        return np.asarray([f"kind={k}" for k in self.kinds], dtype=object)


# --------------------------------------------------------------------------- union
class FastUnion(FeatureUnion):
    """A :class:`~sklearn.pipeline.FeatureUnion` whose ``transform`` runs in-process.

    ``FeatureUnion.transform`` dispatches through joblib even with one job,
    which costs more than featurizing a whole document; this one calls each
    transformer in turn and stacks the (sparse) results. ``fit`` is
    inherited. ``transformer_weights`` are honoured.

    :meth:`prepare_dot` and :meth:`dot` compute ``transform(X) @ W`` for a
    fixed coefficient matrix ``W`` without building the sparse matrix: this
    is how :class:`~pipeline.models.Scorer` applies a linear model.
    """

    def _parts(self):
        weights = self.transformer_weights or {}
        for name, trans in self.transformer_list:
            if trans == "drop" or trans is None:
                continue
            yield name, trans, weights.get(name)

    def transform(self, X):
        """Stack the features of every transformer.

        Parameters
        ----------
        X : list of dict

        Returns
        -------
        scipy.sparse.csr_matrix
        """
        mats = []
        for _name, trans, w in self._parts():
            m = trans.transform(X)
            if w is not None and w != 1.0:
                m = m * w
            mats.append(m if sp.issparse(m) else sp.csr_matrix(m))
        if not mats:
            return sp.csr_matrix((len(X), 0))
        return sp.hstack(mats, format="csr")

    def fit_transform(self, X, y=None, **params):
        self.fit(X, y, **params)
        return self.transform(X)

    def prepare_dot(self, W: np.ndarray) -> tuple:
        """Fold the coefficients ``W`` (n_features x k, e.g. ``coef_.T``) into the featurizers once.

        Parts that produce sparse entries (n-grams, keywords, kinds: they have
        ``prepare_sparse`` / ``add_rows``) share one row space, so :meth:`dot`
        gathers all their entries and sums them in a single step; other parts
        (the dense cue features) are multiplied by their block. Parts whose
        coefficients are all zero are skipped. Transformer weights are folded
        into the rows.

        Returns
        -------
        tuple
            For :meth:`dot`.
        """
        W = np.asarray(W, dtype=np.float64)
        k = W.shape[1]
        col = 0
        pending = []
        for _name, trans, w in self._parts():
            n = int(getattr(trans, "n_features_out_", None) or len(trans.get_feature_names_out()))
            block = W[col:col + n]
            if w is not None and w != 1.0:
                block = block * w
            col += n
            if np.any(block):
                pending.append((trans, block))
        if col != W.shape[0]:
            raise ValueError(f"the coefficients have {W.shape[0]} rows but the features {col} columns")
        n_sparse = sum(len(b) for t, b in pending if hasattr(t, "add_rows"))
        q = np.zeros(n_sparse)
        sparse, dense, rows, off = [], [], [], 0
        for trans, block in pending:
            if hasattr(trans, "add_rows"):
                r, ctx = trans.prepare_sparse(block, off, q)
                rows.append(r)
                sparse.append((trans, ctx))
                off += len(block)
            elif hasattr(trans, "_dense"):
                dense.append((trans, np.ascontiguousarray(block), True))
            else:
                dense.append((trans, np.ascontiguousarray(block), False))
        Wg = np.ascontiguousarray(np.vstack(rows)) if rows else np.zeros((0, k))
        if k == 1:
            Wg = Wg[:, 0].tolist()
        return k, sparse, Wg, q.tolist(), dense

    def dot(self, X, prepared: tuple) -> np.ndarray:
        """``transform(X) @ W`` for the ``W`` given to :meth:`prepare_dot`."""
        k, sparse, Wg, q, dense = prepared
        if sparse:
            col = _Collector(len(X))
            for trans, ctx in sparse:
                trans.add_rows(X, ctx, q, col)
            out = col.result(Wg)
        else:
            out = np.zeros((len(X), k))
        for trans, block, fast in dense:
            out += trans._dense(X) @ block if fast else np.asarray(trans.transform(X) @ block)
        return out
