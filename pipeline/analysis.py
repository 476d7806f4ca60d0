"""Analysis helpers on top of :func:`pipeline.kb.load`: indicators, pivots, shortcomings, run diffs.

Every helper accepts either a KB directory (``str`` or ``Path``), a
``(facts, documents)`` pair as returned by :func:`pipeline.kb.load`, or the
two frames as separate arguments, so both of these work::

    indicators("kb/")
    facts, docs = load("kb/"); indicators(facts, docs)

Frames built by hand (tests, doctests) may leave out columns: missing fact
columns are added empty and the usual dtypes are applied.

Examples
--------
>>> facts, docs = example_frames()
>>> indicators(facts, docs, types=["percentage", "ratio"])[["type", "text", "value", "province"]]
         type   text  value   province
0  percentage  45,5%   45.5    Phú Yên
1       ratio  12/20   60.0    Phú Yên
2  percentage    30%   30.0    Phú Yên
3  percentage    62%   62.0  Sóc Trăng
>>> pivot_by_place(facts, docs)["latest"]
topic      email  digital_signature  online_services
province
Phú Yên     60.0               30.0             45.5
Sóc Trăng    NaN                NaN             62.0
"""
from __future__ import annotations

import os
from typing import Iterable, Optional

from .document import FACT_TYPES, NUMERIC_TYPES, QUALIFIERS, TOPICS

__all__ = ["indicators", "pivot_by_place", "shortcomings", "compare", "as_frames",
           "example_frames", "COMPARE_FIELDS", "CHANGES", "MEASURES"]

#: Fact fields whose difference makes a fact "changed" in :func:`compare`.
COMPARE_FIELDS = ("value", "qualifier", "value_max", "numerator", "denominator", "unit",
                  "currency", "doc_type", "number", "issued", "issuer", "topic")
#: Categories of the ``change`` column of :func:`compare`.
CHANGES = ("new", "lost", "changed", "unchanged")
#: Categories of the ``measure`` column of :func:`indicators`.
MEASURES = ("percent", "count", "money")
#: Place levels of :func:`pivot_by_place`.
LEVELS = ("province", "district", "province_2025")

_FACT_COLUMNS = ["doc_id", "id", "type", "start", "end", "text", "value", "qualifier", "value_max",
                 "numerator", "denominator", "unit", "currency", "doc_type", "number", "issued",
                 "issuer", "topic", "confidence", "source", "sentence_start", "sentence_end", "sentence"]
_FLOAT_COLUMNS = ("value", "value_max", "numerator", "denominator", "confidence")
_STRING_COLUMNS = ("doc_id", "id", "text", "unit", "currency", "doc_type", "number", "issuer",
                   "source", "sentence")
_DOC_COLUMNS = ("province", "district", "province_2025", "published", "title")
_MEASURE_OF_TYPE = {"percentage": "percent", "ratio": "percent", "count": "count", "money": "money"}
_KEY = ["doc_id", "type", "start", "end"]


# ---------------------------------------------------------------- inputs
def _is_path(obj) -> bool:
    return isinstance(obj, (str, os.PathLike))


def as_frames(kb, docs=None, with_text: bool = False):
    """Normalise the accepted KB forms into a ``(facts, documents)`` pair.

    Parameters
    ----------
    kb : str, Path, tuple of (DataFrame, DataFrame) or DataFrame
        A KB directory (loaded with :func:`pipeline.kb.load`), a
        ``(facts, documents)`` pair, or a facts frame.
    docs : DataFrame, optional
        The documents frame when ``kb`` is a facts frame.
    with_text : bool, default=False
        Load the document texts when ``kb`` is a directory.

    Returns
    -------
    facts : pandas.DataFrame
        With every column of :func:`pipeline.kb.load` and its dtypes.
    documents : pandas.DataFrame
        With at least ``id``, ``province``, ``district``,
        ``province_2025``, ``published`` (datetime) and ``title``; empty when
        no documents were given.

    Raises
    ------
    TypeError
        On anything else.
    """
    import pandas as pd

    if _is_path(kb):
        from .kb import load
        facts, documents = load(kb, with_text=with_text)
    elif isinstance(kb, (tuple, list)) and len(kb) == 2:
        facts, documents = kb
    elif isinstance(kb, pd.DataFrame):
        facts, documents = kb, docs
    else:
        raise TypeError(f"expected a KB directory, a (facts, documents) pair or a facts DataFrame, "
                        f"not {type(kb).__name__}")
    if not isinstance(facts, pd.DataFrame) or not (documents is None or isinstance(documents, pd.DataFrame)):
        raise TypeError("facts and documents must be pandas DataFrames (see pipeline.kb.load)")
    return _norm_facts(facts), _norm_docs(documents)


def _norm_facts(facts):
    import pandas as pd

    facts = facts.copy()
    for col in _FACT_COLUMNS:
        if col not in facts.columns:
            facts[col] = None
    for col, cats in (("type", FACT_TYPES), ("topic", TOPICS), ("qualifier", QUALIFIERS)):
        if not isinstance(facts[col].dtype, pd.CategoricalDtype) or list(facts[col].cat.categories) != list(cats):
            facts[col] = pd.Categorical(facts[col].astype(object), categories=list(cats))
    for col in ("start", "end"):
        facts[col] = pd.to_numeric(facts[col]).astype("int64")
    for col in ("sentence_start", "sentence_end"):
        facts[col] = pd.to_numeric(facts[col]).astype("Int64")
    for col in _FLOAT_COLUMNS:
        facts[col] = pd.to_numeric(facts[col], errors="coerce").astype("float64")
    if not pd.api.types.is_datetime64_any_dtype(facts["issued"]):
        facts["issued"] = pd.to_datetime(facts["issued"], errors="coerce", format="ISO8601")
    for col in _STRING_COLUMNS:
        facts[col] = facts[col].astype("string")
    return facts.reset_index(drop=True)


def _norm_docs(docs):
    import pandas as pd

    docs = pd.DataFrame({"id": pd.Series(dtype="string")}) if docs is None else docs.copy()
    for col in ("id",) + _DOC_COLUMNS:
        if col not in docs.columns:
            docs[col] = None
    if not pd.api.types.is_datetime64_any_dtype(docs["published"]):
        docs["published"] = pd.to_datetime(docs["published"], errors="coerce", format="mixed")
    for col in ("id", "province", "district", "province_2025", "title"):
        docs[col] = docs[col].astype("string")
    return docs.reset_index(drop=True)


def _with_places(facts, docs):
    """``facts`` left-joined with the place/date columns of their document.

    A document id repeated in ``docs`` keeps its first row, so the join never
    multiplies facts.
    """
    meta = docs[["id", *_DOC_COLUMNS]].drop_duplicates("id").rename(columns={"id": "doc_id"})
    out = facts.rename(columns={"id": "fact_id"}).merge(meta, on="doc_id", how="left", validate="many_to_one")
    return out


def _filter(facts, types=None, topics=None, min_confidence=None):
    mask = facts["type"].notna()
    if types is not None:
        types = [types] if isinstance(types, str) else list(types)
        unknown = set(types) - set(FACT_TYPES)
        if unknown:
            raise ValueError(f"unknown fact type(s) {sorted(unknown)}; expected some of {list(FACT_TYPES)}")
        mask &= facts["type"].isin(types)
    if topics is not None:
        topics = [topics] if isinstance(topics, str) else list(topics)
        unknown = set(topics) - set(TOPICS)
        if unknown:
            raise ValueError(f"unknown topic(s) {sorted(unknown)}; expected some of {list(TOPICS)}")
        mask &= facts["topic"].isin(topics)
    if min_confidence is not None:
        mask &= facts["confidence"].fillna(0.0) >= float(min_confidence)
    return facts[mask]


def _sort(frame, cols):
    return frame.sort_values(cols, na_position="first", kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------- indicators
def indicators(facts, docs=None, types: Iterable[str] = NUMERIC_TYPES, topics: Optional[Iterable[str]] = None,
               min_confidence: Optional[float] = None):
    """One row per numeric fact, with its document's place and date.

    Parameters
    ----------
    facts : DataFrame, str, Path or (DataFrame, DataFrame)
        The facts frame of :func:`pipeline.kb.load`, or anything
        :func:`as_frames` accepts (then ``docs`` is taken from it).
    docs : DataFrame, optional
        The documents frame. Without it the place and date columns are empty.
    types : iterable of str, default=("percentage", "ratio", "count", "money")
        Fact types to keep (numeric types only make sense here).
    topics : iterable of str, optional
        Keep only these topics.
    min_confidence : float, optional
        Keep only facts whose ``confidence`` is at least this.

    Returns
    -------
    pandas.DataFrame
        Columns ``doc_id``, ``fact_id``, ``type`` and ``topic``
        (categoricals), ``text``, ``start``, ``end``, ``value`` (float),
        ``measure``, ``share``, ``value_max``, ``qualifier``, ``numerator``,
        ``denominator``, ``unit``, ``currency``, ``confidence``,
        ``sentence``, ``province``, ``district``, ``province_2025``,
        ``published`` (datetime) and ``title``; sorted by publication date
        (undated first), document and position.

        ``value`` is comparable across types: a percentage's value in percent,
        a ratio as a percent (``100 * numerator / denominator``), a count as
        the number counted, money in the base unit of ``currency``.
        ``measure`` (categorical: ``percent``, ``count``, ``money``) says
        which. ``share`` is the fraction in 0..1 for percentages and ratios
        (``numerator / denominator``) and missing otherwise. A ratio with
        denominator 0 has a missing value and share.

    Examples
    --------
    >>> facts, docs = example_frames()
    >>> ind = indicators(facts, docs, types=["ratio"])
    >>> ind[["text", "numerator", "denominator", "share", "value", "district"]]
        text  numerator  denominator  share  value district
    0  12/20       12.0         20.0    0.6   60.0   Tuy An
    >>> str(indicators(facts, docs)["value"].dtype)
    'float64'
    """
    import numpy as np
    import pandas as pd

    if not isinstance(facts, pd.DataFrame):
        facts, docs = as_frames(facts)
    else:
        facts, docs = as_frames(facts, docs)
    types = [types] if isinstance(types, str) else list(types)
    sel = _filter(facts, types=types, topics=topics, min_confidence=min_confidence)
    out = _with_places(sel, docs)
    t = out["type"].astype(object)
    num, den = out["numerator"], out["denominator"]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio_share = (num / den.where(den != 0)).astype("float64")
    is_ratio, is_pct = t.eq("ratio"), t.eq("percentage")
    out["value"] = out["value"].where(~is_ratio, ratio_share * 100.0)
    out["share"] = np.where(is_ratio, ratio_share, np.where(is_pct, out["value"] / 100.0, np.nan)).astype("float64")
    out["measure"] = pd.Categorical(t.map(_MEASURE_OF_TYPE), categories=list(MEASURES))
    cols = ["doc_id", "fact_id", "type", "topic", "text", "start", "end", "value", "measure", "share",
            "value_max", "qualifier", "numerator", "denominator", "unit", "currency", "confidence",
            "sentence", "province", "district", "province_2025", "published", "title"]
    return _sort(out[cols], ["published", "doc_id", "start", "end"])


# ---------------------------------------------------------------- pivot
def pivot_by_place(facts, docs=None, level: str = "province", types: Iterable[str] = ("percentage", "ratio"),
                   topics: Optional[Iterable[str]] = None, min_confidence: Optional[float] = None):
    """A place × topic table: the latest value and the number of facts.

    Parameters
    ----------
    facts, docs
        As for :func:`indicators`.
    level : {"province", "district", "province_2025"}, default="province"
        Rows are provinces, districts (indexed by ``(province, district)``
        so that namesakes in different provinces stay apart) or the merged
        provinces of 2025. Documents without that place (national reports;
        province-wide reports at district level) are left out.
    types : iterable of str, default=("percentage", "ratio")
        Numeric types to tabulate. The default keeps values in percent so that
        "latest value" compares like with like; pass ``["count"]`` or
        ``["money"]`` for the other measures, not a mix.
    topics : iterable of str, optional
        Keep only these topics (columns).
    min_confidence : float, optional
        Keep only facts at least this confident.

    Returns
    -------
    pandas.DataFrame
        Index: the place (name ``province``/``province_2025``, or the
        ``(province, district)`` MultiIndex). Columns: a MultiIndex
        ``(stat, topic)`` with ``stat`` in

        - ``latest``: the value (as in :func:`indicators`) of the fact from
          the most recently published document; undated documents count
          as oldest; within one document the first mention wins; facts
          without a value (a ratio ``x/0``) are skipped;
        - ``n``: number of facts (int, 0 where none);
        - ``published``: publication date of the ``latest`` value.

        Topics are the ``topics`` asked for, else those present (all 13
        when none is), in the order of :data:`pipeline.document.TOPICS`.
        ``table["latest"]`` is a plain place × topic frame. Facts without a
        topic are left out. An empty selection gives a frame with no rows
        and the same columns, so ``table["n"]`` always works.

    Examples
    --------
    >>> facts, docs = example_frames()
    >>> table = pivot_by_place(facts, docs)
    >>> table["n"]
    topic      email  digital_signature  online_services
    province
    Phú Yên        1                  1                1
    Sóc Trăng      0                  0                1
    >>> table.loc["Phú Yên", ("published", "email")]
    Timestamp('2023-05-02 00:00:00')
    """
    import pandas as pd

    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    ind = indicators(facts, docs, types=types, topics=topics, min_confidence=min_confidence)
    index = ["province", "district"] if level == "district" else [level]
    ind = ind.dropna(subset=index + ["topic"])
    ind = ind.assign(topic=ind["topic"].astype(object))
    if topics is not None:
        wanted = {topics} if isinstance(topics, str) else set(topics)
        present = [t for t in TOPICS if t in wanted]
    else:
        present = [t for t in TOPICS if t in set(ind["topic"])] or list(TOPICS)
    if ind.empty:
        idx = (pd.MultiIndex.from_arrays([pd.array([], dtype="string")] * 2, names=index) if len(index) == 2
               else pd.Index(pd.array([], dtype="string"), name=level))
        parts = {"latest": pd.DataFrame(index=idx, columns=present, dtype="float64"),
                 "n": pd.DataFrame(index=idx, columns=present, dtype="int64"),
                 "published": pd.DataFrame(index=idx, columns=present, dtype="datetime64[us]")}
        return pd.concat(parts, axis=1, names=["stat", "topic"])
    keys = index + ["topic"]
    # latest: last published document; within it, the first mention
    valued = ind.dropna(subset=["value"])
    ordered = valued.assign(_neg=-valued["start"]).sort_values(
        ["published", "doc_id", "_neg"], na_position="first", kind="stable")
    latest = ordered.groupby(keys, sort=False).tail(1).set_index(keys)
    counts = ind.groupby(keys).size()
    latest_v = latest["value"].unstack("topic")
    latest_d = latest["published"].unstack("topic")
    n = counts.unstack("topic").fillna(0).astype("int64")
    places = n.index.sort_values()
    date_dtype = ind["published"].dtype
    parts = {"latest": latest_v.reindex(index=places, columns=present).astype("float64"),
             "n": n.reindex(index=places, columns=present).fillna(0).astype("int64"),
             "published": latest_d.reindex(index=places, columns=present).astype(date_dtype)}
    return pd.concat(parts, axis=1, names=["stat", "topic"])


# ---------------------------------------------------------------- shortcomings
def shortcomings(facts, docs=None, topics: Optional[Iterable[str]] = None,
                 min_confidence: Optional[float] = None):
    """Shortcoming sentences with their topic, place and date.

    Parameters
    ----------
    facts, docs
        As for :func:`indicators`.
    topics : iterable of str, optional
        Keep only these topics.
    min_confidence : float, optional
        Keep only sentences at least this confident.

    Returns
    -------
    pandas.DataFrame
        Columns ``doc_id``, ``fact_id``, ``topic`` (categorical), ``text``
        (the sentence), ``start``, ``end``, ``confidence``, ``province``,
        ``district``, ``province_2025``, ``published``, ``title``; sorted by
        date (undated first), document and position.

    Examples
    --------
    >>> facts, docs = example_frames()
    >>> shortcomings(facts, docs)[["topic", "text", "province"]]
                   topic                                 text province
    0  digital_signature  Tỷ lệ ký số còn thấp, chưa đạt 30%.  Phú Yên
    >>> shortcomings(facts, docs)["topic"].value_counts().loc["digital_signature"]
    np.int64(1)
    """
    import pandas as pd

    if not isinstance(facts, pd.DataFrame):
        facts, docs = as_frames(facts)
    else:
        facts, docs = as_frames(facts, docs)
    sel = _filter(facts, types=["shortcoming"], topics=topics, min_confidence=min_confidence)
    out = _with_places(sel, docs)
    cols = ["doc_id", "fact_id", "topic", "text", "start", "end", "confidence",
            "province", "district", "province_2025", "published", "title"]
    return _sort(out[cols], ["published", "doc_id", "start"])


# ---------------------------------------------------------------- compare
def _same(a, b):
    """Element-wise equality of two aligned Series; missing == missing."""
    import numpy as np
    import pandas as pd

    a_na, b_na = a.isna().to_numpy(), b.isna().to_numpy()
    if pd.api.types.is_float_dtype(a) and pd.api.types.is_float_dtype(b):
        av = a.to_numpy(dtype="float64", na_value=np.nan)
        bv = b.to_numpy(dtype="float64", na_value=np.nan)
        with np.errstate(invalid="ignore"):
            eq = np.isclose(av, bv, rtol=1e-9, atol=1e-12)
    else:
        av, bv = a.astype(object).to_numpy(), b.astype(object).to_numpy()
        eq = np.array([x == y if not (xn or yn) else False
                       for x, y, xn, yn in zip(av, bv, a_na, b_na)], dtype=bool)
    return (a_na & b_na) | (~a_na & ~b_na & eq)


def compare(kb_a, kb_b, fields: Iterable[str] = COMPARE_FIELDS, include_unchanged: bool = False):
    """What changed between two KB runs: new, lost and changed facts.

    Facts are keyed by ``(doc_id, type, start, end)``. A key only in
    ``kb_b`` is ``new``, only in ``kb_a`` is ``lost``; a key in both whose
    ``fields`` differ (numbers within a relative 1e-9, missing equals
    missing) is ``changed``.

    Parameters
    ----------
    kb_a, kb_b : str, Path, (DataFrame, DataFrame) or DataFrame
        The earlier and the later run: KB directories, ``(facts, documents)``
        pairs or facts frames.
    fields : iterable of str, default=COMPARE_FIELDS
        Fact fields compared on keys present in both runs.
    include_unchanged : bool, default=False
        Also list facts that did not change (``change == "unchanged"``).

    Returns
    -------
    pandas.DataFrame
        Columns ``change`` (categorical: new, lost, changed, unchanged),
        ``doc_id``, ``type``, ``start``, ``end``, ``text`` (from ``kb_b``
        when the fact is there), ``changed_fields`` (comma-separated names,
        empty unless changed) and, for every compared field ``f``,
        ``f_a`` and ``f_b``. Sorted by document, position and type. If a key
        occurs several times in a run (a KB holding a document twice), its
        occurrences are paired in file order.

    Examples
    --------
    >>> facts, docs = example_frames()
    >>> later = facts.copy()
    >>> later.loc[later["text"] == "30%", "value"] = 35.0
    >>> later = later[later["type"] != "money"]
    >>> diff = compare((facts, docs), later)
    >>> diff[["change", "doc_id", "type", "changed_fields", "value_b"]]
        change doc_id        type changed_fields  value_b
    0  changed     d1  percentage          value     35.0
    1     lost     d2       money                     NaN
    """
    import pandas as pd

    fields = list(fields)
    unknown = set(fields) - set(_FACT_COLUMNS)
    if unknown:
        raise ValueError(f"unknown fact field(s) {sorted(unknown)}")
    fa, _ = as_frames(kb_a)
    fb, _ = as_frames(kb_b)
    cols = _KEY + ["text"] + fields
    a = fa[cols].assign(_occ=fa.groupby(_KEY, observed=True).cumcount())
    b = fb[cols].assign(_occ=fb.groupby(_KEY, observed=True).cumcount())
    for frame in (a, b):
        frame["type"] = frame["type"].astype(object)
    m = a.merge(b, on=_KEY + ["_occ"], how="outer", suffixes=("_a", "_b"), indicator=True)
    diffs = pd.DataFrame({f: ~_same(m[f + "_a"], m[f + "_b"]) for f in fields}, index=m.index)
    both = m["_merge"].eq("both").to_numpy()
    changed_fields = diffs.apply(lambda r: ",".join(f for f in fields if r[f]), axis=1) if fields else \
        pd.Series("", index=m.index)
    changed_fields = changed_fields.where(both, "") if len(m) else pd.Series([], dtype=object)
    change = m["_merge"].map({"left_only": "lost", "right_only": "new", "both": "unchanged"}).astype(object)
    change = change.where(~(both & changed_fields.ne("").to_numpy()), "changed")
    out = pd.DataFrame({
        "change": pd.Categorical(change, categories=list(CHANGES)),
        "doc_id": m["doc_id"].astype("string"),
        "type": pd.Categorical(m["type"], categories=list(FACT_TYPES)),
        "start": m["start"].astype("int64"),
        "end": m["end"].astype("int64"),
        "text": m["text_b"].fillna(m["text_a"]).astype("string"),
        "changed_fields": changed_fields.astype("string"),
    })
    for f in fields:
        out[f + "_a"] = m[f + "_a"]
        out[f + "_b"] = m[f + "_b"]
    if not include_unchanged:
        out = out[out["change"] != "unchanged"]
    out = out.assign(_t=out["type"].cat.codes).sort_values(["doc_id", "start", "end", "_t"], kind="stable")
    return out.drop(columns="_t").reset_index(drop=True)


# ---------------------------------------------------------------- example data
_EXAMPLE_DOCS = (
    ("d1", {"province": "Phú Yên", "district": "Tuy An", "published": "2023-05-02", "title": "Tuy An chuyển đổi số"},
     "Tỷ lệ hồ sơ trực tuyến đạt 45,5%. Có 12/20 xã dùng thư điện tử.\nTỷ lệ ký số còn thấp, chưa đạt 30%.",
     [("percentage", "45,5%", dict(value=45.5, qualifier="exact", topic="online_services")),
      ("ratio", "12/20", dict(numerator=12, denominator=20, unit="xã", topic="email")),
      ("shortcoming", "Tỷ lệ ký số còn thấp, chưa đạt 30%.", dict(topic="digital_signature", confidence=0.8)),
      ("percentage", "30%", dict(value=30.0, qualifier="under", topic="digital_signature"))]),
    ("d2", {"province": "Sóc Trăng", "published": "2024-01-15", "title": "Sóc Trăng: dịch vụ công"},
     "Năm 2023, 62% hồ sơ được nộp trực tuyến, với 140 dịch vụ công toàn trình và kinh phí 1,2 tỷ đồng.",
     [("percentage", "62%", dict(value=62.0, qualifier="exact", topic="online_services")),
      ("count", "140", dict(value=140.0, unit="dịch vụ công", topic="online_services")),
      ("money", "1,2 tỷ đồng", dict(value=1.2e9, currency="VND", topic="budget"))]),
)


def example_frames(with_text: bool = True):
    """Two tiny hand-written documents as ``(facts, documents)`` frames.

    For examples, doctests and quick trials of the helpers and of
    :func:`pipeline.display.render`; offsets are exact.

    Parameters
    ----------
    with_text : bool, default=True
        Include the documents' ``text`` column.

    Returns
    -------
    facts, documents : pandas.DataFrame
        Shaped like the output of :func:`pipeline.kb.load`.

    Examples
    --------
    >>> facts, docs = example_frames()
    >>> len(facts), list(docs["id"])
    (7, ['d1', 'd2'])
    >>> all(docs.set_index("id").loc[f.doc_id, "text"][f.start:f.end] == f.text for f in facts.itertuples())
    True
    """
    import pandas as pd

    from .document import Fact

    fact_rows, doc_rows = [], []
    for doc_id, meta, text, items in _EXAMPLE_DOCS:
        counts = {t: 0 for t in FACT_TYPES}
        for ftype, snippet, attrs in items:
            start = text.index(snippet)
            attrs = dict(attrs)
            conf = attrs.pop("confidence", 0.95)
            fact = Fact(ftype, start, start + len(snippet), snippet, confidence=conf, source="example", **attrs)
            row = fact.to_dict(doc_id)
            fact_rows.append(row)
            counts[ftype] += 1
        row = {"id": doc_id, **meta, **{f"n_{t}": n for t, n in counts.items()}, "n_chars": len(text)}
        if with_text:
            row["text"] = text
        doc_rows.append(row)
    facts, docs = as_frames((pd.DataFrame(fact_rows), pd.DataFrame(doc_rows)))
    for col in [c for c in docs.columns if c.startswith("n_")]:
        docs[col] = docs[col].fillna(0).astype("int64")
    return facts, docs
