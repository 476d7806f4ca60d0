"""Score a knowledge base against gold annotations.

The rules are those of "How predictions are scored" in
``annotation-guidelines.md``:

* ``percentage``, ``ratio``, ``count``, ``money``: a prediction matches a gold
  fact of the same type when the spans overlap and the values are equal
  (``value``; ``numerator`` and ``denominator`` for ratios; ``value_max``
  too when either side has one). Numbers are compared with a relative
  tolerance of 1e-6, so ``12 == 12.0``.
* ``legal_ref``: same ``doc_type`` and ``number`` within the document,
  whatever the spans.
* ``shortcoming``: the spans overlap by at least half of the shorter one.

Matching is one-to-one within a document and a type. Candidate pairs form a
bipartite graph; each connected component of it is solved exactly with the
Hungarian algorithm so that the number of matches is maximal and, among
maximal matchings, the pairs are the closest ones (largest span overlap,
or, for legal references, the nearest mentions). Which pair is chosen never
depends on qualifier, topic or ``issued``, so the attribute accuracies are
not flattered by the matching.

Attributes are compared on matched pairs only: ``qualifier`` on
percentages (absent means the default ``exact``), ``issued`` on legal
references (equal including both absent), ``topic`` on every matched fact
whose gold fact has a topic. Document metadata (``published``,
``province``, ``district``) is compared per gold document, absence on both
sides counting as correct, after Unicode NFC normalisation, ``Ð`` → ``Đ``
and white-space collapsing.

Predicted facts whose ``review.status`` is ``"rejected"`` are ignored, and
so are predicted facts of a type the guidelines do not define (both are
counted under ``report["ignored"]``). Predicted documents that are not in
the gold are not scored.

Everything in the report is plain JSON (no NaN: ratios with a zero
denominator are 0.0) and its order is deterministic.
"""
from __future__ import annotations

import json
import math
import os
import unicodedata
from typing import Any, Iterable, Iterator, Optional

from .document import FACT_FIELDS, FACT_TYPES, NUMERIC_TYPES

#: Types behind the project's headline figure ``micro_numeric_legal``.
NUMERIC_LEGAL_TYPES = NUMERIC_TYPES + ("legal_ref",)
#: Metadata fields scored per document.
META_FIELDS = ("published", "province", "district")
#: Relative tolerance when comparing numeric values.
REL_TOL = 1e-6
#: Absolute tolerance (only matters for values near 0).
ABS_TOL = 1e-9
#: Stand-in for an absent predicted topic in the confusion matrix.
NO_TOPIC = "(none)"

GOLD_DOC_KEYS = ("id", "text", "meta", "facts")
FACT_KEYS = ("type", "start", "end")
KB_FACT_KEYS = ("doc_id", "type", "start", "end")


class EvaluationError(ValueError):
    """Bad evaluation input: unreadable gold file or knowledge base."""


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------

def _read_jsonl(path: str) -> Iterator[tuple[int, dict]]:
    """Yield ``(line_number, object)`` for each non-blank line of a JSONL file.

    Parameters
    ----------
    path : str
        File to read (UTF-8).

    Yields
    ------
    tuple of (int, dict)
        1-based line number and the decoded JSON object.

    Raises
    ------
    EvaluationError
        When a line is not valid JSON or not a JSON object.
    """
    with open(path, encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise EvaluationError(
                    f"{path}, line {lineno}: invalid JSON ({exc.msg}, column {exc.colno})"
                ) from None
            if not isinstance(obj, dict):
                raise EvaluationError(
                    f"{path}, line {lineno}: expected a JSON object, got {type(obj).__name__}"
                )
            yield lineno, obj


def _require_keys(obj: dict, keys: Iterable[str], where: str, what: str) -> None:
    """Raise :class:`EvaluationError` naming the keys of ``keys`` missing from ``obj``."""
    missing = [k for k in keys if k not in obj]
    if missing:
        names = ", ".join(repr(k) for k in missing)
        raise EvaluationError(f"{where}: {what} lacks key(s) {names}")


def _check_span(fact: dict, where: str) -> None:
    """Raise :class:`EvaluationError` unless ``start``/``end`` are integers."""
    for key in ("start", "end"):
        val = fact[key]
        if isinstance(val, bool) or not isinstance(val, int):
            raise EvaluationError(f"{where}: fact {key!r} must be an integer, got {val!r}")


def _check_gold_doc(doc: dict, where: str) -> None:
    """Validate one gold line (keys, key types, its facts)."""
    _require_keys(doc, GOLD_DOC_KEYS, where, "gold document")
    if not isinstance(doc["meta"], dict):
        raise EvaluationError(f"{where}: 'meta' must be an object")
    if not isinstance(doc["facts"], list):
        raise EvaluationError(f"{where}: 'facts' must be a list")
    for i, fact in enumerate(doc["facts"]):
        fwhere = f"{where}, fact {i}"
        if not isinstance(fact, dict):
            raise EvaluationError(f"{fwhere}: expected an object")
        _require_keys(fact, FACT_KEYS, fwhere, "fact")
        if fact["type"] not in FACT_TYPES:
            raise EvaluationError(
                f"{fwhere}: unknown fact type {fact['type']!r} (expected one of {', '.join(FACT_TYPES)})"
            )
        _check_span(fact, fwhere)


def load_gold(path: str) -> list[dict]:
    """Read a gold JSONL file (one ``{id, text, meta, facts}`` document a line).

    Parameters
    ----------
    path : str
        The gold file.

    Returns
    -------
    list of dict
        The gold documents, in file order.

    Raises
    ------
    EvaluationError
        When the file is missing, a line is not valid JSON, a document or a
        fact lacks a required key, a fact has an unknown type or a document
        id is repeated. The message names the file and the line.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise EvaluationError(f"gold file not found: {path}")
    docs: list[dict] = []
    seen: dict[str, int] = {}
    for lineno, doc in _read_jsonl(path):
        where = f"{path}, line {lineno}"
        _check_gold_doc(doc, where)
        if doc["id"] in seen:
            raise EvaluationError(
                f"{where}: duplicate document id {doc['id']!r} (first on line {seen[doc['id']]})"
            )
        seen[doc["id"]] = lineno
        docs.append(doc)
    return docs


def _kb_paths(kb_dir: str) -> tuple[str, str]:
    """Return the paths of ``facts.jsonl`` and ``documents.jsonl`` of a KB.

    ``kb_dir`` may also be the ``facts.jsonl`` file itself.
    """
    kb_dir = os.fspath(kb_dir)
    if os.path.isfile(kb_dir) and os.path.basename(kb_dir) == "facts.jsonl":
        kb_dir = os.path.dirname(kb_dir) or "."
    hint = "`python -m pipeline extract ... --out KB_DIR` writes it"
    if not os.path.isdir(kb_dir):
        raise EvaluationError(f"knowledge-base directory not found: {kb_dir} ({hint})")
    facts_path = os.path.join(kb_dir, "facts.jsonl")
    docs_path = os.path.join(kb_dir, "documents.jsonl")
    for path in (facts_path, docs_path):
        if not os.path.isfile(path):
            raise EvaluationError(
                f"{kb_dir} is not a knowledge base: {os.path.basename(path)} is missing ({hint})"
            )
    return facts_path, docs_path


def load_predictions(kb_dir: str) -> list[dict]:
    """Read a knowledge-base directory as prediction documents.

    Parameters
    ----------
    kb_dir : str
        Directory holding ``facts.jsonl`` and ``documents.jsonl`` (the
        output of ``python -m pipeline extract ... --out KB_DIR``).

    Returns
    -------
    list of dict
        ``{id, meta, facts}`` per document: documents in the order of
        ``documents.jsonl``, then documents that only appear in
        ``facts.jsonl`` (with empty ``meta``); facts in file order.

    Raises
    ------
    EvaluationError
        When a file is missing, a line is not valid JSON or lacks a required
        key (the message names the file and the line).
    """
    facts_path, docs_path = _kb_paths(kb_dir)
    docs: dict[str, dict] = {}
    for lineno, line in _read_jsonl(docs_path):
        where = f"{docs_path}, line {lineno}"
        _require_keys(line, ("id",), where, "document")
        meta = line.get("meta") or {}
        if not isinstance(meta, dict):
            raise EvaluationError(f"{where}: 'meta' must be an object")
        docs.setdefault(line["id"], {"id": line["id"], "meta": meta, "facts": []})
    for lineno, fact in _read_jsonl(facts_path):
        where = f"{facts_path}, line {lineno}"
        _require_keys(fact, KB_FACT_KEYS, where, "fact")
        _check_span(fact, where)
        doc = docs.setdefault(fact["doc_id"], {"id": fact["doc_id"], "meta": {}, "facts": []})
        doc["facts"].append(fact)
    return list(docs.values())


def evaluate(gold_path: str, kb_dir: str) -> dict:
    """Score the knowledge base in ``kb_dir`` against the gold file ``gold_path``.

    Parameters
    ----------
    gold_path : str
        Gold JSONL file.
    kb_dir : str
        Knowledge-base directory.

    Returns
    -------
    dict
        The report of :func:`score`.
    """
    return score(load_gold(gold_path), load_predictions(kb_dir))


# ---------------------------------------------------------------------------
# Comparing values
# ---------------------------------------------------------------------------

def _num_equal(a: Any, b: Any) -> bool:
    """True when two optional numbers are equal within :data:`REL_TOL`.

    Both absent (``None``) is equal; one absent is not. Values that are not
    numbers are compared as they are.
    """
    if a is None or b is None:
        return a is None and b is None
    try:
        fa, fb = float(a), float(b)
    except (TypeError, ValueError):
        return a == b
    if math.isnan(fa) or math.isnan(fb):
        return False
    return math.isclose(fa, fb, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def _value_keys(ftype: str) -> tuple[str, ...]:
    """The fields whose equality a numeric match requires."""
    if ftype == "ratio":
        return ("numerator", "denominator", "value_max")
    return ("value", "value_max")


def values_equal(gold: dict, pred: dict) -> bool:
    """True when a numeric prediction carries the gold fact's value(s).

    Parameters
    ----------
    gold, pred : dict
        Facts of the same numeric type.

    Returns
    -------
    bool
        ``value`` (``numerator`` and ``denominator`` for a ratio) equal, and
        ``value_max`` equal or absent on both sides.
    """
    return all(_num_equal(gold.get(k), pred.get(k)) for k in _value_keys(gold["type"]))


def norm_text(val: Any) -> Optional[str]:
    """Normalise a string for comparison (``None`` and blank → ``None``).

    NFC, ``Ð``/``ð`` → ``Đ``/``đ``, runs of white space → one space, stripped.
    """
    if val is None:
        return None
    text = unicodedata.normalize("NFC", str(val)).replace("\u00d0", "\u0110").replace("\u00f0", "\u0111")
    text = " ".join(text.split())
    return text or None


def _qualifier(fact: dict) -> str:
    """A percentage's qualifier, ``exact`` when absent (the guidelines' default)."""
    return fact.get("qualifier") or "exact"


# ---------------------------------------------------------------------------
# Matching
# ---------------------------------------------------------------------------

def _span(fact: dict) -> tuple[int, int]:
    return int(fact["start"]), int(fact["end"])


def overlap(a: dict, b: dict) -> int:
    """Number of characters shared by the spans of two facts."""
    (s1, e1), (s2, e2) = _span(a), _span(b)
    return max(0, min(e1, e2) - max(s1, s2))


def _iou(a: dict, b: dict) -> float:
    """Overlap over union of two spans (0 when the union is empty)."""
    (s1, e1), (s2, e2) = _span(a), _span(b)
    union = max(e1, e2) - min(s1, s2)
    return overlap(a, b) / union if union > 0 else 0.0


def _legal_key(fact: dict) -> tuple[Optional[str], Optional[str]]:
    return norm_text(fact.get("doc_type")), norm_text(fact.get("number"))


def is_match(gold: dict, pred: dict) -> bool:
    """Whether ``pred`` may be matched to ``gold`` (same type assumed).

    Parameters
    ----------
    gold, pred : dict
        Two facts of the same type.

    Returns
    -------
    bool
        The type's matching rule of the guidelines.
    """
    ftype = gold["type"]
    if ftype == "legal_ref":
        key = _legal_key(gold)
        return key[1] is not None and key == _legal_key(pred)
    shared = overlap(gold, pred)
    if shared <= 0:
        return False
    if ftype == "shortcoming":
        shorter = min(_span(gold)[1] - _span(gold)[0], _span(pred)[1] - _span(pred)[0])
        return 2 * shared >= shorter
    return values_equal(gold, pred)


def _closeness(gold: dict, pred: dict) -> float:
    """Preference in [0, 1] between two matchable facts (higher is closer).

    Span overlap-over-union; legal references that do not overlap score by
    the distance between the spans, below any overlapping pair.
    """
    if gold["type"] != "legal_ref":
        return _iou(gold, pred)
    if overlap(gold, pred) > 0:
        return 0.5 + 0.5 * _iou(gold, pred)
    (s1, e1), (s2, e2) = _span(gold), _span(pred)
    gap = max(s1, s2) - min(e1, e2)
    return 0.5 / (1.0 + max(gap, 0))


def _hungarian(cost: list[list[float]]) -> list[int]:
    """Minimum-cost assignment of every row of ``cost`` to a distinct column.

    Parameters
    ----------
    cost : list of list of float
        ``n x m`` matrix with ``n <= m``.

    Returns
    -------
    list of int
        ``cols[i]``: column assigned to row ``i``.
    """
    n, m = len(cost), len(cost[0])
    inf = float("inf")
    u, v = [0.0] * (n + 1), [0.0] * (m + 1)
    owner, way = [0] * (m + 1), [0] * (m + 1)
    for i in range(1, n + 1):
        owner[0], j0 = i, 0
        minv, used = [inf] * (m + 1), [False] * (m + 1)
        while True:
            used[j0] = True
            i0, delta, j1 = owner[j0], inf, 0
            for j in range(1, m + 1):
                if used[j]:
                    continue
                cur = cost[i0 - 1][j - 1] - u[i0] - v[j]
                if cur < minv[j]:
                    minv[j], way[j] = cur, j0
                if minv[j] < delta:
                    delta, j1 = minv[j], j
            for j in range(m + 1):
                if used[j]:
                    u[owner[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if owner[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            owner[j0] = owner[j1]
            j0 = j1
    cols = [0] * n
    for j in range(1, m + 1):
        if owner[j]:
            cols[owner[j] - 1] = j - 1
    return cols


def _components(edges: dict[tuple[int, int], float]) -> list[tuple[list[int], list[int]]]:
    """Connected components ``(gold indices, pred indices)`` of a bipartite graph."""
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(x: tuple[str, int]) -> tuple[str, int]:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for gi, pi in edges:
        ra, rb = find(("g", gi)), find(("p", pi))
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[tuple[str, int], tuple[set, set]] = {}
    for node in list(parent):
        side, idx = node
        group = groups.setdefault(find(node), (set(), set()))
        group[0 if side == "g" else 1].add(idx)
    return sorted((sorted(g), sorted(p)) for g, p in groups.values())


def _match_component(gis: list[int], pis: list[int],
                     edges: dict[tuple[int, int], float]) -> list[tuple[int, int]]:
    """Maximum matching of one component, closest pairs among maximum ones.

    An edge weighs ``1 + closeness / (k + 1)`` with ``k`` the size of the
    smaller side, so one more match always outweighs any closeness gain.
    """
    if len(gis) == 1 or len(pis) == 1:
        candidates = [(g, p) for g in gis for p in pis if (g, p) in edges]
        return [min(candidates, key=lambda pair: (-edges[pair], pair))]
    scale = 1.0 / (min(len(gis), len(pis)) + 1)
    transpose = len(gis) > len(pis)
    rows, cols = (pis, gis) if transpose else (gis, pis)

    def weight(r: int, c: int) -> float:
        pair = (c, r) if transpose else (r, c)
        return 1.0 + edges[pair] * scale if pair in edges else 0.0

    assignment = _hungarian([[-weight(r, c) for c in cols] for r in rows])
    pairs = []
    for ri, ci in enumerate(assignment):
        pair = (cols[ci], rows[ri]) if transpose else (rows[ri], cols[ci])
        if pair in edges:
            pairs.append(pair)
    return sorted(pairs)


def match_facts(gold: list[dict], pred: list[dict]) -> list[tuple[int, int]]:
    """One-to-one matching of facts of one type in one document.

    Parameters
    ----------
    gold, pred : list of dict
        Facts of a single type.

    Returns
    -------
    list of (int, int)
        Matched ``(gold index, pred index)`` pairs, sorted. The matching has
        maximum size; among maximum matchings it maximises closeness
        (span overlap over union; nearest mention for legal references).
    """
    edges = {(gi, pi): _closeness(g, p)
             for gi, g in enumerate(gold) for pi, p in enumerate(pred) if is_match(g, p)}
    pairs: list[tuple[int, int]] = []
    for gis, pis in _components(edges):
        pairs.extend(_match_component(gis, pis, edges))
    return sorted(pairs)


# ---------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------

def prf(tp: int, fp: int, fn: int) -> dict:
    """Counts with precision, recall and F1 (0.0 when undefined).

    Parameters
    ----------
    tp, fp, fn : int
        True positives, false positives, false negatives.

    Returns
    -------
    dict
        ``{tp, fp, fn, precision, recall, f1}``.
    """
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f1": f1}


def _accuracy(correct: int, n: int) -> dict:
    """``{accuracy, correct, n}`` (accuracy 0.0 when ``n`` is 0)."""
    return {"accuracy": correct / n if n else 0.0, "correct": correct, "n": n}


def _json_safe(val: Any) -> Any:
    """A JSON-valid copy of a value (non-finite floats and odd objects become strings)."""
    if isinstance(val, float) and not math.isfinite(val):
        return str(val)
    if isinstance(val, (str, int, float, bool)) or val is None:
        return val
    if isinstance(val, dict):
        return {str(k): _json_safe(v) for k, v in val.items()}
    if isinstance(val, (list, tuple)):
        return [_json_safe(v) for v in val]
    return str(val)


def fact_summary(doc_id: str, fact: dict) -> dict:
    """The fact as listed among misses / spurious facts of the report."""
    out = {"doc_id": doc_id, "type": fact["type"], "start": fact["start"],
           "end": fact["end"], "text": fact.get("text")}
    for key in FACT_FIELDS:
        if fact.get(key) is not None:
            out[key] = _json_safe(fact[key])
    for key in ("confidence", "source"):
        if key in fact:
            out[key] = _json_safe(fact[key])
    return out


def _fact_order(fact: dict) -> tuple:
    """Deterministic order of facts: span, then full content."""
    return (int(fact["start"]), int(fact["end"]),
            json.dumps(fact, sort_keys=True, ensure_ascii=False, default=str))


def _is_rejected(fact: dict) -> bool:
    review = fact.get("review")
    return isinstance(review, dict) and review.get("status") == "rejected"


class _Tally:
    """Accumulates counts and lists while documents are scored."""

    def __init__(self) -> None:
        self.counts = {t: {"tp": 0, "fp": 0, "fn": 0} for t in FACT_TYPES}
        self.attr = {"qualifier": [0, 0], "issued": [0, 0], "topic": [0, 0],
                     "topic_numeric": [0, 0], "topic_shortcoming": [0, 0]}
        self.confusion: dict[str, dict[str, int]] = {}
        self.meta = {f: [0, 0] for f in META_FIELDS}
        self.misses: list[dict] = []
        self.spurious: list[dict] = []
        self.mismatches: list[dict] = []
        self.meta_errors: list[dict] = []
        self.rejected = 0
        self.unknown: dict[str, int] = {}

    def attr_result(self, name: str, ok: bool) -> None:
        self.attr[name][0] += int(ok)
        self.attr[name][1] += 1


def _mismatch(doc_id: str, gold: dict, pred: dict, field: str, gval: Any, pval: Any) -> dict:
    return {"doc_id": doc_id, "type": gold["type"], "field": field,
            "gold": _json_safe(gval), "predicted": _json_safe(pval),
            "text": gold.get("text"), "start": gold["start"], "end": gold["end"],
            "pred_text": pred.get("text"), "pred_start": pred["start"], "pred_end": pred["end"]}


def _compare_attributes(tally: _Tally, doc_id: str, gold: dict, pred: dict) -> None:
    """Record qualifier / issued / topic agreement of a matched pair."""
    ftype = gold["type"]
    checks = []
    if ftype == "percentage":
        checks.append(("qualifier", _qualifier(gold), _qualifier(pred)))
    if ftype == "legal_ref":
        checks.append(("issued", norm_text(gold.get("issued")), norm_text(pred.get("issued"))))
    for name, gval, pval in checks:
        ok = gval == pval
        tally.attr_result(name, ok)
        if not ok:
            tally.mismatches.append(_mismatch(doc_id, gold, pred, name, gval, pval))
    gtopic = gold.get("topic")
    if gtopic is None:
        return
    ptopic = pred.get("topic")
    ok = gtopic == ptopic
    tally.attr_result("topic", ok)
    if ftype == "shortcoming":
        tally.attr_result("topic_shortcoming", ok)
    elif ftype in NUMERIC_TYPES:
        tally.attr_result("topic_numeric", ok)
    row = tally.confusion.setdefault(str(gtopic), {})
    key = NO_TOPIC if ptopic is None else str(ptopic)
    row[key] = row.get(key, 0) + 1
    if not ok:
        tally.mismatches.append(_mismatch(doc_id, gold, pred, "topic", gtopic, ptopic))


def _usable_predictions(tally: _Tally, facts: list[dict]) -> list[dict]:
    """Drop rejected facts and facts of unknown type (counting them)."""
    kept = []
    for fact in facts:
        if _is_rejected(fact):
            tally.rejected += 1
        elif fact.get("type") not in FACT_TYPES:
            key = str(fact.get("type"))
            tally.unknown[key] = tally.unknown.get(key, 0) + 1
        else:
            kept.append(fact)
    return kept


def _score_facts(tally: _Tally, doc_id: str, gold_facts: list[dict], pred_facts: list[dict]) -> None:
    """Match and count the facts of one document, type by type."""
    for ftype in FACT_TYPES:
        gold = sorted((f for f in gold_facts if f["type"] == ftype), key=_fact_order)
        pred = sorted((f for f in pred_facts if f["type"] == ftype), key=_fact_order)
        pairs = match_facts(gold, pred)
        matched_g = {g for g, _ in pairs}
        matched_p = {p for _, p in pairs}
        counts = tally.counts[ftype]
        counts["tp"] += len(pairs)
        counts["fn"] += len(gold) - len(pairs)
        counts["fp"] += len(pred) - len(pairs)
        for gi, pi in pairs:
            _compare_attributes(tally, doc_id, gold[gi], pred[pi])
        tally.misses.extend(fact_summary(doc_id, f) for i, f in enumerate(gold) if i not in matched_g)
        tally.spurious.extend(fact_summary(doc_id, f) for i, f in enumerate(pred) if i not in matched_p)


def _score_meta(tally: _Tally, doc_id: str, gold_meta: dict, pred_meta: dict) -> None:
    """Compare the metadata fields of one document."""
    for name in META_FIELDS:
        gval, pval = norm_text(gold_meta.get(name)), norm_text(pred_meta.get(name))
        ok = gval == pval
        tally.meta[name][0] += int(ok)
        tally.meta[name][1] += 1
        if not ok:
            tally.meta_errors.append({"doc_id": doc_id, "field": name, "gold": gval, "predicted": pval})


def _index_predictions(pred_docs: list[dict]) -> dict[str, dict]:
    """Predictions by document id (a repeated id is an error)."""
    index: dict[str, dict] = {}
    for doc in pred_docs:
        if doc["id"] in index:
            raise EvaluationError(f"predictions: duplicate document id {doc['id']!r}")
        index[doc["id"]] = doc
    return index


def _check_pred_facts(doc_id: str, facts: list[dict]) -> None:
    for i, fact in enumerate(facts):
        where = f"predictions, document {doc_id!r}, fact {i}"
        _require_keys(fact, FACT_KEYS, where, "fact")
        _check_span(fact, where)


def score(gold_docs: list[dict], pred_docs: list[dict]) -> dict:
    """Score predictions against gold documents.

    Parameters
    ----------
    gold_docs : list of dict
        Gold documents ``{id, text, meta, facts}``.
    pred_docs : list of dict
        Predicted documents ``{id, meta, facts}``. Only documents whose id
        is in the gold are scored; a gold document without prediction
        counts as predicted with no facts and no metadata.

    Returns
    -------
    dict
        The report (see the module docstring and :func:`format_report`):
        ``documents``, ``per_type``, ``micro``, ``micro_numeric_legal``,
        ``qualifier_accuracy``, ``issued_accuracy``, ``topic_accuracy``,
        ``topic_accuracy_by_type``, ``topic_confusion``,
        ``metadata_accuracy``, ``metadata_errors``, ``missing_docs``,
        ``misses``, ``spurious``, ``mismatches``, ``ignored``.

    Raises
    ------
    EvaluationError
        On a repeated document id or a fact without a valid span.
    """
    preds = _index_predictions(pred_docs)
    gold_ids: set[str] = set()
    tally = _Tally()
    missing: list[str] = []
    for gdoc in gold_docs:
        doc_id = gdoc["id"]
        if doc_id in gold_ids:
            raise EvaluationError(f"gold: duplicate document id {doc_id!r}")
        gold_ids.add(doc_id)
        pdoc = preds.get(doc_id)
        if pdoc is None:
            missing.append(doc_id)
            pdoc = {"id": doc_id, "meta": {}, "facts": []}
        pred_facts = list(pdoc.get("facts") or [])
        _check_pred_facts(doc_id, pred_facts)
        _score_facts(tally, doc_id, gdoc.get("facts") or [], _usable_predictions(tally, pred_facts))
        _score_meta(tally, doc_id, gdoc.get("meta") or {}, pdoc.get("meta") or {})
    return _build_report(tally, gold_docs, preds, gold_ids, missing)


def _micro(counts: dict, types: Iterable[str]) -> dict:
    return prf(*(sum(counts[t][k] for t in types) for k in ("tp", "fp", "fn")))


def _build_report(tally: _Tally, gold_docs: list[dict], preds: dict,
                  gold_ids: set, missing: list[str]) -> dict:
    """Assemble the report dict from a filled tally."""
    attr = {k: _accuracy(*v) for k, v in tally.attr.items()}
    confusion = {g: dict(sorted(row.items())) for g, row in sorted(tally.confusion.items())}
    return {
        "documents": {"gold": len(gold_docs), "predicted": len(preds),
                      "scored": len(gold_docs) - len(missing), "missing": len(missing),
                      "not_in_gold": sum(1 for d in preds if d not in gold_ids)},
        "per_type": {t: prf(**tally.counts[t]) for t in FACT_TYPES},
        "micro": _micro(tally.counts, FACT_TYPES),
        "micro_numeric_legal": _micro(tally.counts, NUMERIC_LEGAL_TYPES),
        "qualifier_accuracy": attr["qualifier"],
        "issued_accuracy": attr["issued"],
        "topic_accuracy": attr["topic"],
        "topic_accuracy_by_type": {"numeric": attr["topic_numeric"],
                                   "shortcoming": attr["topic_shortcoming"]},
        "topic_confusion": confusion,
        "metadata_accuracy": {f: _accuracy(*tally.meta[f]) for f in META_FIELDS},
        "metadata_errors": tally.meta_errors,
        "missing_docs": missing,
        "misses": tally.misses,
        "spurious": tally.spurious,
        "mismatches": tally.mismatches,
        "ignored": {"rejected": tally.rejected, "unknown_type": dict(sorted(tally.unknown.items()))},
    }


# ---------------------------------------------------------------------------
# Text report
# ---------------------------------------------------------------------------

def _short(text: Any, width: int = 90) -> str:
    """One-line, shortened rendering of a fact text."""
    text = " ".join(str(text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _values(item: dict) -> str:
    """``key=value`` rendering of a listed fact's identifying fields."""
    keys = ("value", "value_max", "numerator", "denominator", "qualifier", "unit",
            "currency", "doc_type", "number", "issued", "topic")
    return " ".join(f"{k}={item[k]}" for k in keys if k in item)


def _prf_line(name: str, row: dict) -> str:
    return (f"{name:<22}{row['tp']:>6}{row['fp']:>6}{row['fn']:>6}"
            f"{row['precision']:>8.3f}{row['recall']:>8.3f}{row['f1']:>8.3f}")


def _acc_line(name: str, row: dict) -> str:
    return f"{name:<34}{row['accuracy']:>7.3f}  ({row['correct']}/{row['n']})"


def _table_lines(report: dict) -> list[str]:
    lines = [f"{'type':<22}{'tp':>6}{'fp':>6}{'fn':>6}{'P':>8}{'R':>8}{'F1':>8}"]
    lines += [_prf_line(t, row) for t, row in report["per_type"].items()]
    lines.append("-" * len(lines[0]))
    lines.append(_prf_line("micro", report["micro"]))
    lines.append(_prf_line("micro numeric+legal", report["micro_numeric_legal"]))
    return lines


def _accuracy_lines(report: dict) -> list[str]:
    lines = [_acc_line("qualifier (matched percentages)", report["qualifier_accuracy"]),
             _acc_line("issued (matched legal_refs)", report["issued_accuracy"]),
             _acc_line("topic (matched, gold has topic)", report["topic_accuracy"])]
    lines += [_acc_line(f"  topic, {k}", v) for k, v in report["topic_accuracy_by_type"].items()]
    lines += [_acc_line(f"metadata {k}", v) for k, v in report["metadata_accuracy"].items()]
    return lines


def _confusion_lines(report: dict) -> list[str]:
    errors = [(n, g, p) for g, row in report["topic_confusion"].items()
              for p, n in row.items() if p != g]
    errors.sort(key=lambda e: (-e[0], e[1], e[2]))
    return [f"  {g} -> {p}: {n}" for n, g, p in errors]


def _section(title: str, items: list, render, max_errors: int) -> list[str]:
    if not items:
        return []
    shown = items[:max_errors] if max_errors >= 0 else items
    head = f"{title} ({len(items)}" + (f", first {len(shown)})" if len(shown) < len(items) else ")")
    return ["", head] + [render(item) for item in shown]


def _fact_line(item: dict) -> str:
    return (f"  {item['doc_id']}  {item['type']:<11} {item['start']}-{item['end']}"
            f"  \"{_short(item.get('text'))}\"  {_values(item)}").rstrip()


def _mismatch_line(item: dict) -> str:
    return (f"  {item['doc_id']}  {item['type']:<11} {item['start']}-{item['end']}"
            f"  \"{_short(item.get('text'), 60)}\"  {item['field']}: gold={item['gold']}"
            f" predicted={item['predicted']}")


def _meta_line(item: dict) -> str:
    return f"  {item['doc_id']}  {item['field']}: gold={item['gold']} predicted={item['predicted']}"


def format_report(report: dict, max_errors: int = 50) -> str:
    """Render a report of :func:`score` as readable text.

    Parameters
    ----------
    report : dict
        Output of :func:`score` / :func:`evaluate`.
    max_errors : int, optional
        At most this many entries per error list (misses, spurious facts,
        value mismatches, metadata errors); negative shows all.

    Returns
    -------
    str
        P/R/F1 table per type and micro rows, accuracies, topic confusions,
        then the error lists.
    """
    docs = report["documents"]
    lines = [f"Documents: {docs['gold']} gold, {docs['scored']} scored, {docs['missing']} missing"
             f" ({docs['not_in_gold']} predicted documents not in gold, not scored)"]
    ignored = report["ignored"]
    if ignored["rejected"] or ignored["unknown_type"]:
        unknown = ", ".join(f"{k}: {v}" for k, v in ignored["unknown_type"].items()) or "none"
        lines.append(f"Ignored predictions: {ignored['rejected']} rejected by review; unknown types: {unknown}")
    lines += [""] + _table_lines(report) + [""] + _accuracy_lines(report)
    confusions = _confusion_lines(report)
    if confusions:
        lines += ["", "Topic confusions (gold -> predicted: count)"] + confusions
    if report["missing_docs"]:
        lines += ["", "Missing documents: " + ", ".join(report["missing_docs"])]
    lines += _section("Misses", report["misses"], _fact_line, max_errors)
    lines += _section("Spurious", report["spurious"], _fact_line, max_errors)
    lines += _section("Value mismatches on matched facts", report["mismatches"], _mismatch_line, max_errors)
    lines += _section("Metadata errors", report["metadata_errors"], _meta_line, max_errors)
    return "\n".join(lines) + "\n"
