"""Featurizers of the trained classifiers: scikit-learn transformers, built for speed.

The classifiers see *records*, one plain dict per item to classify, built
once per document by :func:`sentence_records` (shortcoming classifier: one
record per sentence, with its neighbours) and :func:`fact_records` (topic
classifier: one record per fact, with the clause around the number, the
sentence and the previous/next sentences). Token lists are computed once per
sentence and shared between records, and the featurizers only look tokens
up in dictionaries, so a whole document is vectorised in one call without
any underthesea call: a syllable is a white-space token, lower-cased.

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
  position and length.
- :class:`TopicKeywords`: the topic lexicon of ``patterns/topics.yml`` as 13
  scores of one record field.
- :class:`FastUnion`: :class:`~sklearn.pipeline.FeatureUnion` whose
  ``transform`` stacks sequentially (no joblib round trip per document).
"""
from __future__ import annotations

import bisect
import math
import re
import unicodedata
from functools import lru_cache
from itertools import chain

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import FeatureUnion
from sklearn.utils.validation import check_is_fitted

from .document import TOPICS

__all__ = ["syllables", "sentence_records", "fact_records", "SyllableNgrams", "CharNgrams",
           "CueFeatures", "TopicKeywords", "KindFeatures", "FastUnion", "MARKERS", "SHAPES"]

# --------------------------------------------------------------------------- tokens
_TOKEN = re.compile(r"[^\W\d_]+|\d+(?:[.,]\d+)*%?|%|:|\?")


def _norm_token(tok: str) -> str:
    if tok[0].isdigit():
        if tok.endswith("%"):
            return "100%" if tok == "100%" else "<pct>"
        return tok if len(tok) == 1 else "<num>"
    return tok


def syllables(text: str) -> list:
    """Lower-cased syllables (white-space tokens without punctuation) of ``text``.

    Numbers become ``<num>`` (single digits stay: ``mức độ 3``), percentages
    ``<pct>`` (``100%`` stays), and ``:`` / ``?`` are tokens of their own.

    Parameters
    ----------
    text : str

    Returns
    -------
    list of str

    Examples
    --------
    >>> syllables("Tỷ lệ đạt 33,2%: còn thấp")
    ['tỷ', 'lệ', 'đạt', '<pct>', ':', 'còn', 'thấp']
    """
    if not text:
        return []
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return [_norm_token(t) for t in _TOKEN.findall(text.lower())]


# --------------------------------------------------------------------------- records
def _sentence_syllables(doc) -> list:
    """Syllables of every sentence of ``doc``, computed once per document (kept in ``doc.user_data``)."""
    sents = doc.sentences
    key = (len(sents), sents[0].start if sents else 0, sents[-1].end if sents else 0)
    cached = doc.user_data.get("syllables")
    if cached is not None and cached[0] == key:
        return cached[1]
    toks = [syllables(s.text) for s in sents]
    doc.user_data["syllables"] = (key, toks)
    return toks


def sentence_records(doc) -> list:
    """One record per sentence of ``doc`` (a :class:`~pipeline.document.Document`).

    Parameters
    ----------
    doc : Document
        With ``sentences`` set (the ``segment`` stage).

    Returns
    -------
    list of dict
        ``text``, ``tokens``, ``prev``/``prev_tokens``, ``next``/``next_tokens``
        (empty at the edges), ``index`` and relative position ``pos`` in [0, 1].
    """
    sents = doc.sentences
    texts = [s.text for s in sents]
    toks = _sentence_syllables(doc)
    n = len(sents)
    out = []
    for i in range(n):
        out.append({
            "text": texts[i], "tokens": toks[i],
            "prev": texts[i - 1] if i else "", "prev_tokens": toks[i - 1] if i else [],
            "next": texts[i + 1] if i + 1 < n else "", "next_tokens": toks[i + 1] if i + 1 < n else [],
            "index": i, "pos": i / (n - 1) if n > 1 else 0.0,
        })
    return out


#: Where a list item of a sentence ends: ``;``, ``:``, brackets, and a comma or
#: ``và`` that starts a new item (a number or ``tỷ lệ`` follows).
_ITEM_BREAK = re.compile(r"[;:()\[\]]|,\s*(?=(?:\d|tỷ lệ|tỉ lệ|số\s|trong đó|có\s+\d))|\s(?:và|với)\s+(?=\d)",
                         re.I)


def _clause(text: str, lo: int, hi: int, start: int, end: int) -> tuple:
    """The list item of ``text[lo:hi]`` holding ``[start, end)``.

    Items end at ``;`` ``:`` brackets and at a comma (or ``và``) followed by
    a number or ``tỷ lệ``, so ``100% cán bộ, công chức được trang bị máy
    tính, 100% văn bản đi, đến ...`` gives one item per number.
    """
    a, b = lo, hi
    for m in _ITEM_BREAK.finditer(text, lo, hi):
        if m.end() <= start:
            a = m.end()
        elif m.start() >= end:
            b = m.start()
            break
    if b - a < 12:  # a bare number in brackets: take the text before it too
        a = max(lo, start - 90)
    return a, b


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
        within the sentence), ``sentence``, ``prev``, ``next``, ``head`` (the first
        sentence of the document, usually its title), each with ``*_tokens``,
        and ``kind`` (the fact type).
    """
    sents = doc.sentences
    starts = [s.start for s in sents]
    all_toks = _sentence_syllables(doc)

    def toks(i):
        return all_toks[i] if 0 <= i < len(sents) else []

    head = sents[0].text if sents else ""
    head_tokens = toks(0) if sents else []
    doc_tokens = [t for i in range(len(sents)) for t in toks(i)]
    out = []
    text = doc.text
    for f in facts:
        i = bisect.bisect_right(starts, f.start) - 1
        if i >= 0 and not (sents[i].start <= f.start < sents[i].end):
            i = -1
        if i < 0:
            lo, hi = max(0, f.start - 150), min(len(text), f.end + 50)
            sent_text = text[lo:hi]
            sent_tokens = syllables(sent_text)
            prev = nxt = ""
            prev_tokens = next_tokens = []
        else:
            s = sents[i]
            lo, hi = s.start, s.end
            sent_text, sent_tokens = s.text, toks(i)
            prev, prev_tokens = (sents[i - 1].text, toks(i - 1)) if i > 0 else ("", [])
            nxt, next_tokens = (sents[i + 1].text, toks(i + 1)) if i + 1 < len(sents) else ("", [])
        if f.type == "shortcoming":
            clause, clause_tokens = sent_text, sent_tokens
            window, window_tokens = sent_text, sent_tokens
            near_tokens = []
        else:
            a, b = _clause(text, lo, hi, f.start, f.end)
            clause = text[a:b]
            clause_tokens = syllables(clause)
            window = text[max(lo, f.start - 90):min(hi, f.end + 40)]
            window_tokens = syllables(window)
            near_tokens = syllables(text[max(lo, f.start - 40):f.start])[-5:] + ["<x>"] + \
                syllables(text[f.end:min(hi, f.end + 40)])[:5]
        out.append({
            "kind": f.type, "clause": clause, "clause_tokens": clause_tokens,
            "window": window, "window_tokens": window_tokens, "near_tokens": near_tokens,
            "sentence": sent_text, "sentence_tokens": sent_tokens,
            "prev": prev, "prev_tokens": prev_tokens, "next": nxt, "next_tokens": next_tokens,
            "head": head, "head_tokens": head_tokens,
            "context_tokens": prev_tokens + sent_tokens + next_tokens, "doc_tokens": doc_tokens,
        })
    return out


def _tokens_of(record: dict, field: str) -> list:
    toks = record.get(field + "_tokens")
    if toks is None:
        val = record.get(field)
        toks = val if isinstance(val, list) else syllables(val or "")
    return toks


def _csr(rows_idx: list, rows_val: list, n_cols: int) -> sp.csr_matrix:
    indptr = np.zeros(len(rows_idx) + 1, dtype=np.int32)
    np.cumsum([len(r) for r in rows_idx], out=indptr[1:])
    indices = np.array(list(chain.from_iterable(rows_idx)), dtype=np.int32)
    data = np.array(list(chain.from_iterable(rows_val)), dtype=np.float64)
    return sp.csr_matrix((data, indices, indptr), shape=(len(rows_idx), n_cols))


# --------------------------------------------------------------------------- n-grams
class _NgramBase(TransformerMixin, BaseEstimator):
    """Shared fit/transform of the n-gram featurizers (subclasses define ``_grams``)."""

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
        get = self.vocabulary_.get
        idf = self.idf_
        rows_idx, rows_val = [], []
        shared = self.field + "_tokens"
        seen: dict = {}  # records of one document share token lists (``doc_tokens``)
        for rec in X:
            toks = rec.get(shared)
            if toks is not None and id(toks) in seen and seen[id(toks)][0] is toks:
                rows_idx.append(seen[id(toks)][1])
                rows_val.append(seen[id(toks)][2])
                continue
            found = set(map(get, self._grams(rec)))
            found.discard(None)
            if found:
                idx = sorted(found)
                w = [idf[j] for j in idx]
                inv = 1.0 / math.sqrt(sum(x * x for x in w))
                rows_idx.append(idx)
                rows_val.append([x * inv for x in w])
            else:
                rows_idx.append(())
                rows_val.append(())
            if toks is not None and len(toks) > 40:
                seen[id(toks)] = (toks, rows_idx[-1], rows_val[-1])
        return _csr(rows_idx, rows_val, self.n_features_out_)

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
#: (``<num>`` is any number of two digits or more; a leading ``^`` anchors the
#: phrase at the start of the sentence).
MARKERS = {
    "rec_start": ["^cần", "^đề nghị", "^kiến nghị", "^đề xuất", "^yêu cầu", "^phấn đấu", "^tiếp tục", "^tập trung",
                  "^tăng cường", "^đẩy mạnh", "^chỉ đạo", "^giao", "^triển khai", "^thực hiện", "^quán triệt",
                  "^nâng cao", "^đôn đốc", "^phải", "^sớm", "^chủ động", "^khẩn trương", "^các xã cần",
                  "^huyện cần", "^tỉnh cần"],
    "rec_any": ["cần", "phải", "hãy", "đề nghị", "kiến nghị", "đề xuất", "yêu cầu", "giao cho", "chỉ đạo"],
    "future": ["thời gian tới", "sắp tới", "giai đoạn tới", "năm tới", "tới đây", "sẽ", "dự kiến", "phấn đấu",
               "mục tiêu", "định hướng", "đến năm <num>"],
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
              "giảm <num> bậc", "tụt <num> bậc", "tụt hạng", "sụt giảm", "giảm mạnh"]
             + [f"{v} {d} bậc" for v in ("giảm", "tụt") for d in "123456789"],
    "only": ["chỉ đạt", "chỉ có", "mới đạt", "mới có", "chỉ chiếm", "chỉ"],
    "start_point": ["xuất phát điểm", "điểm xuất phát", "từ một", "từ chỗ", "vượt qua", "trước đây", "trước kia"],
    "improve": ["đã giảm", "giảm so với", "giảm mạnh so", "đã được khắc phục", "được khắc phục", "cải thiện rõ"],
    "past": ["năm qua", "thời gian qua", "vừa qua", "giai đoạn <num> <num>"],
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
        if (toks[k] == "<num>" or toks[k].isdigit()) and " ".join(toks[k + 1:k + 3]) in _TALLY_NOUNS:
            return True
    return False


@lru_cache(maxsize=512)
def _compile(source: str):
    """A lexicon cue for matching lower-cased text quickly.

    ``(?i)`` is dropped (the text is lower-cased instead) and so is a leading
    ``\\b``, which stops Python's scanner from skipping to candidate first
    characters; the start boundary is checked on each match instead.
    """
    src = source.replace("(?i)", "")
    boundary = src.startswith(r"\b")
    if boundary:
        src = src[2:]
    try:
        return re.compile(src, re.M), boundary
    except re.error:  # a cue written for the ``regex`` module
        import regex
        return regex.compile(src, regex.M | regex.V0), boundary


def _shortcoming_cues() -> list:
    from .patterns import load
    data = load().spec("shortcoming").data
    cues = [(f"pos{i}", p) for i, p in enumerate(data.get("positive_cues", []))]
    cues += [(f"block{i}", p) for i, p in enumerate(data.get("blocking_cues", []))]
    return cues


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

    Attributes
    ----------
    cues_ : list of (str, str)
    markers_ : dict of str to list of str
    feature_names_ : list of str
    n_features_out_ : int
    """

    def __init__(self, cues=None, markers=None, context=True, weight=1.0):
        self.cues = cues
        self.markers = markers
        self.context = context
        self.weight = weight

    def fit(self, X=None, y=None):
        """Fix the cue and marker lists (nothing is learnt from data).

        Returns
        -------
        self
        """
        cues = list(self.cues) if self.cues is not None else _shortcoming_cues()
        for _name, src in cues:
            _compile(src)
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

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_phrase_index", None)  # derived from markers_, rebuilt on first use
        return state

    def _phrases(self):
        index = self.__dict__.get("_phrase_index")
        if index is None:
            base = len(self.cues_) + 3
            anywhere, start, maxlen = {}, {}, 1
            for j, (name, phrases) in enumerate(self.markers_.items()):
                for p in phrases:
                    table = start if p.startswith("^") else anywhere
                    toks = tuple(syllables(p.lstrip("^")))
                    if toks:
                        table.setdefault(toks, set()).add(base + j)
                        maxlen = max(maxlen, len(toks))
            index = (anywhere, start, maxlen, {t[0] for t in anywhere})
            self.__dict__["_phrase_index"] = index
        return index

    def _match(self, texts: list, tokens: list) -> np.ndarray:
        """Own features of ``texts`` (one row each)."""
        cues = self.cues_
        n_cues = len(cues)
        m = np.zeros((len(texts), n_cues + 3 + len(self.markers_) + len(SHAPES)), dtype=np.float64)
        if not texts:
            return m
        big = "\n".join(texts)
        low = big.lower()
        if len(low) != len(big):  # a character whose lower case is longer: keep offsets exact
            low = "".join(c if len(c.lower()) != 1 else c.lower() for c in big)
        starts, pos = [], 0
        for t in texts:
            starts.append(pos)
            pos += len(t) + 1
        pos_cols, block_cols = [], []
        for j, (name, src) in enumerate(cues):
            rx, boundary = _compile(src)
            (pos_cols if name.startswith("pos") else block_cols if name.startswith("block") else []).append(j)
            for hit in rx.finditer(low):
                s = hit.start()
                if boundary and s and low[s - 1].isalnum():
                    continue
                i = bisect.bisect_right(starts, s) - 1
                if hit.end() <= starts[i] + len(texts[i]):
                    m[i, j] = 1.0
        if pos_cols:
            m[:, n_cues] = m[:, pos_cols].max(axis=1)
        if block_cols:
            m[:, n_cues + 1] = m[:, block_cols].max(axis=1)
        m[:, n_cues + 2] = m[:, n_cues] * (1.0 - m[:, n_cues + 1])
        anywhere, start, maxlen, first = self._phrases()
        shape0 = n_cues + 3 + len(self.markers_)
        for i, (text, toks) in enumerate(zip(texts, tokens)):
            row = m[i]
            for n in range(1, maxlen + 1):
                hit = start.get(tuple(toks[:n]))
                if hit:
                    for j in hit:
                        row[j] = 1.0
            for k, t in enumerate(toks):
                if t not in first:
                    continue
                for n in range(1, maxlen + 1):
                    hit = anywhere.get(tuple(toks[k:k + n]))
                    if hit:
                        for j in hit:
                            row[j] = 1.0
            tail = text.rstrip(_CLOSERS)
            row[shape0] = tail.endswith("?")
            row[shape0 + 1] = tail.endswith(":")
            row[shape0 + 2] = bool(tail) and tail[-1] not in ".!?:;…"
            row[shape0 + 3] = _BULLET.match(text) is not None
            row[shape0 + 4] = "nếu" in toks and ("không thể" in text.lower() or "không có" in text.lower())
            row[shape0 + 5] = _tally(toks)
        return m

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
        texts = [r.get("text") or "" for r in X]
        uniq: dict = {}
        toks: list = []
        for r, t in zip(X, texts):
            if t not in uniq:
                uniq[t] = len(uniq)
                tk = r.get("tokens")
                toks.append(tk if tk is not None else syllables(t))
        if self.context:
            for r in X:
                for key in ("prev", "next"):
                    t = r.get(key) or ""
                    if t and t not in uniq:
                        uniq[t] = len(uniq)
                        tk = r.get(key + "_tokens")
                        toks.append(tk if tk is not None else syllables(t))
        hits = self._match(list(uniq), toks)
        parts = [hits[[uniq[t] for t in texts]]]
        if self.context:
            col = {n: j for j, n in enumerate(self._own_names())}
            ctx_cols = [col[n] for n in _CONTEXT]
            blank = np.zeros(len(ctx_cols))
            for key in ("prev", "next"):
                rows = [hits[uniq[r[key]], ctx_cols] if r.get(key) else blank for r in X]
                parts.append(np.vstack(rows) if rows else np.zeros((0, len(ctx_cols))))
            extra = np.zeros((len(X), 3))
            for i, r in enumerate(X):
                extra[i, 0] = not r.get("prev")
                extra[i, 1] = not r.get("next")
                extra[i, 2] = bool(r.get("prev")) and r["prev"].rstrip(_CLOSERS).endswith(":")
            parts.append(extra)
        tail = np.zeros((len(X), 7))
        for i, r in enumerate(X):
            tk = toks[uniq[texts[i]]]
            n = len(tk)
            tail[i] = (r.get("pos", 0.0), r.get("index", 1) == 0, not r.get("next") and "next" in r,
                       n < 6, n > 40, "<pct>" in tk or "100%" in tk, "<num>" in tk)
        parts.append(tail)
        out = np.hstack(parts)
        if self.weight != 1.0:
            out *= self.weight
        return sp.csr_matrix(out)

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "cues_")
        return np.asarray(["cue:" + n for n in self.feature_names_], dtype=object)


# --------------------------------------------------------------------------- topic keywords
def _topic_keywords() -> dict:
    from .patterns import load
    kw = load().spec("topic").data.get("keywords") or {}
    return {t: list(words) for t, words in kw.items()}


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
        key = id(self.keywords_)
        cached = getattr(self, "_index_cache", None)
        if cached is not None and cached[0] == key:
            return cached[1]
        col = {t: j for j, t in enumerate(TOPICS)}
        phrases: dict = {}
        caps: dict = {}
        maxlen = 1
        for topic, words in self.keywords_.items():
            for w in words:
                weight = 1.0 + 0.3 * len(w.split())
                if w.isupper() and len(w.split()) == 1:
                    caps.setdefault(w, []).append((col[topic], weight))
                    continue
                toks = tuple(syllables(w))
                if toks:
                    phrases.setdefault(toks, []).append((col[topic], weight))
                    maxlen = max(maxlen, len(toks))
        first = {p[0] for p in phrases}
        index = (phrases, first, maxlen, caps)
        self._index_cache = (key, index)
        return index

    def transform(self, X):
        """Keyword scores per topic.

        Parameters
        ----------
        X : list of dict

        Returns
        -------
        scipy.sparse.csr_matrix of shape (len(X), 13)
        """
        check_is_fitted(self, "keywords_")
        rows_idx, rows_val = [], []
        n_topics = len(TOPICS)
        seen: dict = {}  # records of one document share token lists (``doc_tokens``)
        for rec in X:
            key = id(rec.get(self.field + "_tokens"))
            if key in seen and seen[key][0] is rec.get(self.field + "_tokens"):
                rows_idx.append(seen[key][1])
                rows_val.append(seen[key][2])
                continue
            score = self._score(rec, self.field)
            idx = sorted(score)
            vals = [math.log1p(score[j]) * self.weight for j in idx]
            if self.vote:
                if not score and self.fallback:
                    score = self._score(rec, self.fallback)
                if score:
                    best = max(score.values())
                    idx.append(n_topics + min(j for j, v in score.items() if v == best))
                    vals.append(self.weight)
            rows_idx.append(idx)
            rows_val.append(vals)
            if rec.get(self.field + "_tokens") is not None:
                seen[key] = (rec[self.field + "_tokens"], idx, vals)
        return _csr(rows_idx, rows_val, self.n_features_out_)

    def _score(self, rec, field) -> dict:
        phrases, first, maxlen, caps = self._index()
        toks = _tokens_of(rec, field)
        score: dict = {}
        for i, t in enumerate(toks):
            if t not in first:
                continue
            for n in range(1, maxlen + 1):
                hit = phrases.get(tuple(toks[i:i + n]))
                if hit:
                    for j, w in hit:
                        score[j] = score.get(j, 0.0) + w
        if caps:
            raw = rec.get(field) or ""
            for w, hit in caps.items():
                if w in raw and re.search(rf"(?<!\w){re.escape(w)}(?!\w)", raw):
                    for j, wt in hit:
                        score[j] = score.get(j, 0.0) + wt
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

    def transform(self, X):
        check_is_fitted(self, "n_features_out_")
        col = {k: j for j, k in enumerate(self.kinds)}
        rows = [[col[r["kind"]]] if r.get("kind") in col else [] for r in X]
        return _csr(rows, [[1.0] * len(r) for r in rows], self.n_features_out_)

    def get_feature_names_out(self, input_features=None):
        return np.asarray([f"kind={k}" for k in self.kinds], dtype=object)


# --------------------------------------------------------------------------- union
class FastUnion(FeatureUnion):
    """A :class:`~sklearn.pipeline.FeatureUnion` whose ``transform`` runs in-process.

    ``FeatureUnion.transform`` dispatches through joblib even with one job,
    which costs more than featurizing a whole document; this one calls each
    transformer in turn and stacks the (sparse) results. ``fit`` is
    inherited. ``transformer_weights`` are honoured.
    """

    def transform(self, X):
        """Stack the features of every transformer.

        Parameters
        ----------
        X : list of dict

        Returns
        -------
        scipy.sparse.csr_matrix
        """
        weights = self.transformer_weights or {}
        mats = []
        for name, trans in self.transformer_list:
            if trans == "drop" or trans is None:
                continue
            m = trans.transform(X)
            w = weights.get(name)
            if w is not None and w != 1.0:
                m = m * w
            mats.append(m if sp.issparse(m) else sp.csr_matrix(m))
        if not mats:
            return sp.csr_matrix((len(X), 0))
        return sp.hstack(mats, format="csr")

    def fit_transform(self, X, y=None, **params):
        self.fit(X, y, **params)
        return self.transform(X)
