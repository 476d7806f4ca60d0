"""Train, cross-validate and save the shortcoming and topic classifiers.

``python -m pipeline train --data GOLD.jsonl [--data MORE ...] --out models/``

Training data (``--data``, repeatable) may be

- a gold file (JSON Lines ``{id, text, meta, facts}``, the format of the
  annotation guidelines);
- a file of labelled sentences, one ``{"text": ..., "shortcoming": true|false,
  "topic": ...}`` a line (each line is a one-sentence document);
- a knowledge-base directory curated by reviewers: ``documents.jsonl`` (which
  keeps each document's text) and ``facts.jsonl``. Facts whose
  ``review.status`` is ``rejected`` are dropped; when any fact has a
  ``review``, only documents with a reviewed fact (or ``meta.review_done``)
  are used.

A document id seen again in a later ``--data`` replaces the earlier one (so
reviewed corrections override the gold they started from).

Sentences come from the pipeline's own segmenter; a sentence is a positive
example when a gold shortcoming overlaps at least half of the shorter of the
two (the scoring rule); the shortcoming model is trained on the sentences
that pass its gate (:data:`pipeline.features.GATE`) and gives the others
probability 0. Topic examples are every gold fact with a topic: numeric
facts (the list item around the number, the words before and after it, its
sentence, the document's lead) and shortcomings.

Cross-validation is grouped by document (:class:`StratifiedGroupKFold`: no
sentence of a test document is seen in training), and reported per input
file next to the cue-lexicon baseline of :mod:`pipeline.classify`. The
decision threshold is the one that maximises the (smoothed) F1 of the
out-of-fold probabilities. End to end, each held-out fold is run through the
whole pipeline with the models of the other folds and scored with
:func:`pipeline.evaluate.score`. Then both models are fitted on all the data
and saved with skops, each with a model card (``<name>.json`` and ``.md``).

The library entry point is :func:`train_models` (a list of gold-format
dicts), so other sources (review corrections) can be passed in directly.
"""
from __future__ import annotations

import datetime as _dt
import json
import platform
import sys
import time
import zipfile
from collections import Counter
from pathlib import Path
from typing import Iterable, Optional

import numpy as np

from .document import FACT_TYPES, TOPICS, Document, Fact
from .errors import PipelineError
from .fileio import atomic_write, write_json_atomic, write_text_atomic
from .features import (GATE, CharNgrams, CueFeatures, FastUnion, KindFeatures, SyllableNgrams, TopicKeywordFields,
                       TopicKeywords, fact_records, gate_tokens, sentence_records)
from .models import SHORTCOMING, TOPIC, ShortcomingComponent, TopicComponent, sha256_file

__all__ = ["TrainingDataError", "load_training_data", "load_kb", "prepare", "build_shortcoming_model",
           "build_topic_model", "cross_validate", "train_models", "add_commands"]


class TrainingDataError(PipelineError, ValueError):
    """Training data that cannot be used (the message names the file and line)."""


# --------------------------------------------------------------------------- reading
def _jsonl(path: Path):
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise TrainingDataError(f"{path}:{lineno}: not valid JSON ({exc.msg}, column {exc.colno})") from None
            if not isinstance(obj, dict):
                raise TrainingDataError(f"{path}:{lineno}: expected a JSON object, got {type(obj).__name__}")
            yield lineno, obj


def _check_fact(fact, text: str, where: str, k: int) -> None:
    if not isinstance(fact, dict):
        raise TrainingDataError(f"{where}: fact {k} is not an object")
    ftype = fact.get("type")
    if ftype not in FACT_TYPES:
        raise TrainingDataError(f"{where}: fact {k} has unknown type {ftype!r}; use one of {', '.join(FACT_TYPES)}")
    s, e = fact.get("start"), fact.get("end")
    if not (isinstance(s, int) and isinstance(e, int) and 0 <= s < e <= len(text)):
        raise TrainingDataError(f"{where}: fact {k} ({ftype}) has a bad span {s!r}-{e!r} "
                                f"for a text of {len(text)} characters")
    topic = fact.get("topic")
    if topic is not None and topic not in TOPICS:
        raise TrainingDataError(f"{where}: fact {k} ({ftype} {fact.get('text', text[s:e])[:40]!r}) has unknown "
                                f"topic {topic!r}; use one of {', '.join(TOPICS)}")


def _read_file(path: Path) -> list:
    docs = []
    kinds = set()
    last = 0
    for lineno, obj in _jsonl(path):
        last = lineno
        where = f"{path}:{lineno}"
        text = obj.get("text")
        if not isinstance(text, str) or not text.strip():
            raise TrainingDataError(f"{where}: no 'text' (every line needs the document or sentence text)")
        if "facts" in obj:
            kinds.add("gold")
            if not isinstance(obj["facts"], list):
                raise TrainingDataError(f"{where}: 'facts' must be a list")
            for k, f in enumerate(obj["facts"]):
                _check_fact(f, text, where, k)
            doc_id = str(obj.get("id") or f"{path.name}:{lineno}")
            docs.append({"id": doc_id, "text": text, "meta": obj.get("meta") or {},
                         "facts": [dict(f) for f in obj["facts"]], "_file": str(path), "_line": lineno})
        elif "shortcoming" in obj:
            kinds.add("sentences")
            label = obj["shortcoming"]
            if not isinstance(label, bool):
                raise TrainingDataError(f"{where}: 'shortcoming' must be true or false, got {label!r}")
            topic = obj.get("topic")
            if topic is not None and topic not in TOPICS:
                raise TrainingDataError(f"{where}: unknown topic {topic!r}; use one of {', '.join(TOPICS)}")
            start = len(text) - len(text.lstrip())
            end = len(text.rstrip())
            facts = [{"type": "shortcoming", "start": start, "end": end, "text": text[start:end],
                      **({"topic": topic} if topic else {})}] if label else []
            docs.append({"id": f"{path.name}:{lineno}", "text": text, "meta": {}, "facts": facts,
                         "_file": str(path), "_line": lineno})
        else:
            raise TrainingDataError(f"{where}: no shortcoming labels: a line needs 'facts' (gold format) "
                                    "or 'shortcoming': true/false (labelled sentence)")
    if not docs:
        raise TrainingDataError(f"{path}: no documents (empty file)")
    if "gold" in kinds and not any(f["type"] == "shortcoming" for d in docs for f in d["facts"]):
        raise TrainingDataError(
            f"{path}: no shortcoming labels: none of its {len(docs)} documents (lines 1-{last}) has a "
            "'shortcoming' fact, so it cannot teach the sentence classifier. Annotate the shortcoming "
            "sentences, or pass sentences as {\"text\": ..., \"shortcoming\": false} lines")
    return docs


def _reviewed(fact: dict) -> bool:
    rev = fact.get("review")
    return isinstance(rev, dict) and rev.get("status") not in (None, "", "pending", "unreviewed")


def load_kb(kb_dir) -> list:
    """Gold-format documents from a (reviewed) knowledge-base directory.

    Parameters
    ----------
    kb_dir : str or Path
        Holds ``documents.jsonl`` (with ``text``) and ``facts.jsonl``.

    Returns
    -------
    list of dict
        ``{id, text, meta, facts}`` per usable document: rejected facts
        dropped; when any fact carries a ``review``, only documents with at
        least one reviewed fact or ``meta.review_done`` are kept.

    Raises
    ------
    TrainingDataError
        A missing file, a document without text, a bad fact (file and line
        named), or no shortcoming fact in the documents kept.
    """
    kb = Path(kb_dir)
    docs_path, facts_path = kb / "documents.jsonl", kb / "facts.jsonl"
    for p in (docs_path, facts_path):
        if not p.is_file():
            raise TrainingDataError(f"{kb}: not a knowledge base ({p.name} is missing); "
                                    "`python -m pipeline extract ... --out KB_DIR` writes one")
    docs: dict = {}
    for lineno, d in _jsonl(docs_path):
        text = d.get("text")
        if "id" not in d or not isinstance(text, str):
            raise TrainingDataError(f"{docs_path}:{lineno}: a document needs 'id' and 'text' "
                                    "(re-run extract: documents.jsonl keeps each document's text)")
        docs[str(d["id"])] = {"id": str(d["id"]), "text": text, "meta": d.get("meta") or {}, "facts": [],
                              "_file": str(kb), "_line": lineno, "_reviewed": bool((d.get("meta") or {})
                                                                                   .get("review_done"))}
    any_review = False
    for lineno, f in _jsonl(facts_path):
        doc = docs.get(str(f.get("doc_id")))
        where = f"{facts_path}:{lineno}"
        if doc is None:
            raise TrainingDataError(f"{where}: fact of unknown document {f.get('doc_id')!r} "
                                    f"(not in {docs_path.name})")
        if "review" in f:
            any_review = True
        if _reviewed(f):
            doc["_reviewed"] = True
        if isinstance(f.get("review"), dict) and f["review"].get("status") == "rejected":
            continue
        _check_fact(f, doc["text"], where, 0)
        doc["facts"].append({k: v for k, v in f.items() if k not in ("doc_id", "id", "review", "sentence")})
    kept = [d for d in docs.values() if d.pop("_reviewed") or not any_review] if any_review else list(docs.values())
    for d in docs.values():
        d.pop("_reviewed", None)
    if not kept:
        raise TrainingDataError(f"{kb}: no reviewed document (facts have 'review' fields, but no document has "
                                "a reviewed fact or meta.review_done)")
    if not any(f["type"] == "shortcoming" for d in kept for f in d["facts"]):
        raise TrainingDataError(f"{facts_path}: no shortcoming labels in the {len(kept)} documents used")
    return kept


def load_training_data(paths: Iterable) -> list:
    """Read every ``--data`` source into one list of gold-format documents.

    Parameters
    ----------
    paths : iterable of str or Path
        Gold files, labelled-sentence files and KB directories.

    Returns
    -------
    list of dict
        Documents with ``_file`` / ``_line`` telling where they came from; a
        later document with the same id replaces an earlier one.
    """
    out: dict = {}
    for path in paths:
        p = Path(path)
        if p.is_dir():
            docs = load_kb(p)
        elif p.is_file():
            docs = _read_file(p)
        else:
            raise TrainingDataError(f"training data not found: {p}")
        for d in docs:
            out.pop(d["id"], None)
            out[d["id"]] = d
    return list(out.values())


def file_digests(paths: Iterable) -> list:
    """``[{path, sha256, bytes}]`` of training files (KB directories: their two JSONL files)."""
    out = []
    for path in paths:
        p = Path(path)
        files = [p / "documents.jsonl", p / "facts.jsonl"] if p.is_dir() else [p]
        for f in files:
            out.append({"path": _display_path(f), "sha256": sha256_file(f), "bytes": f.stat().st_size})
    return out


def _display_path(p) -> str:
    p = Path(p).resolve()
    root = Path(__file__).resolve().parent.parent
    for base, prefix in ((root, ""), (root.parent, "../")):
        try:
            return prefix + str(p.relative_to(base))
        except ValueError:
            continue
    return str(p)


# --------------------------------------------------------------------------- examples
class Prepared:
    """Examples of both classifiers, built from gold-format documents.

    Attributes
    ----------
    docs : list of dict
    documents : list of Document
        Segmented (``clean`` + ``segment``).
    sent_records, sent_y, sent_doc, sent_keep : lists / arrays
        One entry per sentence; ``sent_keep`` is False for page chrome.
    topic_records, topic_y, topic_doc, topic_kind : lists / arrays
        One entry per gold fact with a topic.
    """


def _overlaps_half(s0, e0, s1, e1) -> bool:
    shared = min(e0, e1) - max(s0, s1)
    return shared > 0 and 2 * shared >= min(e0 - s0, e1 - s1)


def prepare(docs: list, patterns=None) -> Prepared:
    """Segment the documents and build the examples of both classifiers.

    Parameters
    ----------
    docs : list of dict
        Gold-format documents.
    patterns : PatternSet or path, optional

    Returns
    -------
    Prepared
    """
    from .language import Pipeline

    nlp = Pipeline(("clean", "segment"), patterns=patterns)
    P = Prepared()
    P.docs, P.documents = docs, []
    P.sent_records, P.sent_y, P.sent_doc, P.sent_keep = [], [], [], []
    P.topic_records, P.topic_y, P.topic_doc, P.topic_kind = [], [], [], []
    for i, d in enumerate(docs):
        doc = nlp(Document(id=d["id"], text=d["text"]))
        P.documents.append(doc)
        golds = [(f["start"], f["end"]) for f in d["facts"] if f["type"] == "shortcoming"]
        for s, rec in zip(doc.sentences, sentence_records(doc)):
            P.sent_records.append(rec)
            P.sent_y.append(int(any(_overlaps_half(s.start, s.end, a, b) for a, b in golds)))
            P.sent_doc.append(i)
            P.sent_keep.append(not (doc.ignored and doc.is_ignored(s.start, s.end)
                                    and doc.is_ignored(s.start, s.start + 1)))
        tfacts = [f for f in d["facts"] if f.get("topic") and f["type"] != "legal_ref"]
        facts = [Fact(f["type"], f["start"], f["end"], d["text"][f["start"]:f["end"]]) for f in tfacts]
        P.topic_records.extend(fact_records(doc, facts))
        P.topic_y.extend(f["topic"] for f in tfacts)
        P.topic_doc.extend([i] * len(tfacts))
        P.topic_kind.extend("shortcoming" if f["type"] == "shortcoming" else "numeric" for f in tfacts)
    P.sent_y, P.sent_doc, P.sent_keep = np.array(P.sent_y), np.array(P.sent_doc), np.array(P.sent_keep)
    P.topic_y, P.topic_doc, P.topic_kind = np.array(P.topic_y), np.array(P.topic_doc), np.array(P.topic_kind)
    return P


# --------------------------------------------------------------------------- models
#: The settings of the committed models, chosen by grouped CV (docs/classifiers.md has the table).
SHORTCOMING_SETTINGS = {"ngram_range": (1, 1), "context_ngrams": False, "cues": True, "char": False,
                        "gate": True, "C": 1.0, "class_weight": "balanced"}
TOPIC_SETTINGS = {"ngram_range": (1, 1), "clause_weight": 1.0, "window_weight": 0.0, "sentence_weight": 1.5,
                  "context_weight": 0.0, "keywords": True, "vote": False, "doc_kw": 0.3, "doc_weight": 0.0,
                  "pre_kw": 1.5, "unit_kw": 1.0, "C": 4.0, "class_weight": "balanced"}


def build_shortcoming_model(ngram_range=(1, 1), context_ngrams=False, cues=True, char=False, gate=True, C=1.0,
                            class_weight="balanced", max_features=20000, seed=0):
    """The shortcoming sentence classifier (unfitted).

    Parameters
    ----------
    ngram_range : tuple of int, default=(1, 1)
        Syllable n-grams of the sentence (bigrams measured: no gain, slower).
    context_ngrams : bool, default=False
        Also unigrams of the previous and next sentences (down-weighted).
    cues : bool, default=True
        :class:`~pipeline.features.CueFeatures`.
    char : bool, default=False
        Character 2-4-grams (slower; measured, not used by default).
    gate : bool, default=True
        Store :data:`~pipeline.features.GATE` in the cue featurizer: sentences
        without any of its words are not scored (probability 0). Needs ``cues``.
    C : float, default=1.0
        Inverse regularisation of the logistic regression.
    class_weight : str or None, default="balanced"
    max_features : int, default=20000
    seed : int, default=0

    Returns
    -------
    sklearn.pipeline.Pipeline
        ``features`` (:class:`~pipeline.features.FastUnion`) then ``clf``
        (:class:`~sklearn.linear_model.LogisticRegression`).
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    parts = [("syl", SyllableNgrams("tokens", ngram_range=tuple(ngram_range), max_features=max_features))]
    weights = {}
    if context_ngrams:
        parts += [("prev", SyllableNgrams("prev_tokens", ngram_range=(1, 1), max_features=5000)),
                  ("next", SyllableNgrams("next_tokens", ngram_range=(1, 1), max_features=5000))]
        weights.update(prev=0.3, next=0.3)
    if char:
        parts.append(("char", CharNgrams("tokens", ngram_range=(2, 4), max_features=30000)))
    if cues:
        parts.append(("cues", CueFeatures(gate=GATE if gate else None)))
    return Pipeline([("features", FastUnion(parts, transformer_weights=weights or None)),
                     ("clf", LogisticRegression(C=C, class_weight=class_weight, max_iter=5000, random_state=seed))])


def build_topic_model(ngram_range=(1, 1), clause_weight=1.0, window_weight=0.0, sentence_weight=1.5,
                      context_weight=0.0, head_weight=0.0, doc_weight=0.0, keywords=True,
                      kw_fields=("clause", "window", "sentence"), kw_weight=1.0, vote=False, doc_kw=0.3,
                      pre_kw=1.5, unit_kw=1.0, C=4.0, class_weight="balanced", max_features=20000, seed=0):
    """The topic classifier (unfitted).

    Parameters
    ----------
    ngram_range : tuple of int, default=(1, 1)
        Syllable n-grams of the clause, the window and the sentence (bigrams
        measured: no gain, slower).
    clause_weight, window_weight, sentence_weight, context_weight, head_weight, doc_weight : float
        Weights of the n-grams of the list item holding the number, of the
        window around it, of the sentence, of the previous + next sentences,
        of the document's first sentence, and of the whole document
        (unigrams); 0 leaves a part out.
    keywords : bool, default=True
        Topic-lexicon scores of ``kw_fields`` (all keyword fields are one
        :class:`~pipeline.features.TopicKeywordFields`).
    kw_fields : tuple of str, default=("clause", "window", "sentence")
    kw_weight : float, default=1.0
    vote : bool, default=False
        Also the lexicon baseline's decision (top keyword topic of the
        window, else of the neighbourhood) as a one-hot feature (measured:
        no gain once the keywords before and after the number are features).
    doc_kw : float, default=0.3
        Weight of the keyword scores of the document's lead (its first
        :data:`~pipeline.features.DOC_LEAD` syllables; 0: none).
    pre_kw, unit_kw : float, default=1.5, 1.0
        Weights of the keyword scores of the words that introduce the number
        (``tỷ lệ hồ sơ trực tuyến đạt``) and of the two syllables after it,
        the counted thing (``tài khoản``, ``lượt truy cập``); 0: none.
    C : float, default=4.0
    class_weight : str or None, default="balanced"
    max_features : int, default=20000
    seed : int, default=0

    Returns
    -------
    sklearn.pipeline.Pipeline
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    parts, weights = [], {}
    for name, w, rng in (("clause", clause_weight, ngram_range), ("window", window_weight, ngram_range),
                         ("sentence", sentence_weight, ngram_range), ("prev", context_weight, (1, 1)),
                         ("next", context_weight, (1, 1)), ("head", head_weight, (1, 1)),
                         ("doc", doc_weight, (1, 1))):
        if w:
            parts.append((name, SyllableNgrams(name, ngram_range=tuple(rng), max_features=max_features)))
            weights[name] = w
    kw = [(f, kw_weight * (0.5 if f == "sentence" else 1.0)) for f in kw_fields] if keywords else []
    kw += [(f, w) for f, w in (("doc", doc_kw), ("pre", pre_kw), ("unit", unit_kw)) if w]
    if kw:  # all keyword fields in one featurizer (one pass over each sentence's keyword hits)
        parts.append(("keywords", TopicKeywordFields(fields=tuple(f for f, _ in kw), weights=tuple(w for _, w in kw))))
    if vote:
        parts.append(("vote", TopicKeywords("window", weight=kw_weight, vote=True, fallback="context")))
    parts.append(("kind", KindFeatures()))
    return Pipeline([("features", FastUnion(parts, transformer_weights=weights)),
                     ("clf", LogisticRegression(C=C, class_weight=class_weight, max_iter=5000, random_state=seed))])


# --------------------------------------------------------------------------- evaluation
def _folds(P: Prepared, n_splits: int, seed: int) -> np.ndarray:
    """A fold number per document (stratified on sentence labels, grouped by document)."""
    from sklearn.model_selection import StratifiedGroupKFold

    n_docs = len(P.docs)
    fold = np.zeros(n_docs, dtype=int)
    if n_docs < n_splits:
        raise TrainingDataError(f"cross-validation needs at least {n_splits} documents, got {n_docs}; "
                                "use --folds with a smaller number or --no-cv")
    cv = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    idx = np.arange(len(P.sent_y))
    for k, (_, test) in enumerate(cv.split(idx, P.sent_y, groups=P.sent_doc)):
        fold[np.unique(P.sent_doc[test])] = k
    return fold


def choose_threshold(y, p, grid=None) -> tuple:
    """The threshold maximising F1 of ``p >= t``, smoothed over neighbouring thresholds.

    Parameters
    ----------
    y : array of 0/1
    p : array of float
    grid : array, optional
        Candidate thresholds (default 0.05, 0.06, ..., 0.95).

    Returns
    -------
    threshold : float
    f1 : float
        F1 at that threshold.
    """
    y = np.asarray(y)
    p = np.asarray(p)
    grid = np.round(np.arange(0.05, 0.951, 0.01), 2) if grid is None else np.asarray(grid)
    f1s = []
    for t in grid:
        pred = p >= t
        tp = int(np.sum(pred & (y == 1)))
        fp = int(np.sum(pred & (y == 0)))
        fn = int(np.sum(~pred & (y == 1)))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    f1s = np.array(f1s)
    smooth = np.convolve(np.pad(f1s, 2, mode="edge"), np.ones(5) / 5, mode="valid")
    best = int(np.argmax(smooth))
    return float(grid[best]), float(f1s[best])


def _prf_table(y_true, y_pred, labels) -> dict:
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    per = {str(lab): {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                      "f1": round(float(f[i]), 4), "support": int(s[i])} for i, lab in enumerate(labels)}
    cm = confusion_matrix(y_true, y_pred, labels=labels)
    return {"per_class": per, "labels": [str(x) for x in labels], "confusion": cm.tolist()}


def _binary(y, pred) -> dict:
    y, pred = np.asarray(y), np.asarray(pred).astype(bool)
    tp = int(np.sum(pred & (y == 1)))
    fp = int(np.sum(pred & (y == 0)))
    fn = int(np.sum(~pred & (y == 1)))
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": round(prec, 4), "recall": round(rec, 4),
            "f1": round(2 * prec * rec / (prec + rec), 4) if prec + rec else 0.0}


def _lexicon_baseline(P: Prepared, patterns=None) -> tuple:
    """Baseline decisions: lexicon shortcoming per sentence, lexicon topic per gold fact."""
    from .classify import LexiconShortcomings, LexiconTopics
    from .patterns import PatternSet, load

    pset = patterns if isinstance(patterns, PatternSet) else load(patterns)
    lex_sc, lex_tp = LexiconShortcomings(pset), LexiconTopics(pset)
    sent = np.array([lex_sc.is_shortcoming(r["text"]) for r in P.sent_records], dtype=int)
    topics = []
    for i, d in enumerate(P.docs):
        tfacts = [f for f in d["facts"] if f.get("topic") and f["type"] != "legal_ref"]
        doc = P.documents[i]
        facts = [Fact(f["type"], f["start"], f["end"], d["text"][f["start"]:f["end"]],
                      sentence=doc.sentence_at(f["start"])) for f in tfacts]
        tmp = Document(doc.id, doc.text, sentences=doc.sentences, facts=facts)
        lex_tp(tmp)
        topics.extend(f.topic for f in facts)
    return sent, np.array(topics)


def cross_validate(P: Prepared, n_splits: int = 5, seed: int = 0, sc_settings=None, topic_settings=None,
                   baseline: bool = True, patterns=None) -> dict:
    """Grouped cross-validation of both classifiers (and the lexicon baseline).

    Parameters
    ----------
    P : Prepared
    n_splits : int, default=5
    seed : int, default=0
    sc_settings, topic_settings : dict, optional
        Keyword arguments of the model builders (default: the committed settings).
    baseline : bool, default=True
    patterns : PatternSet or path, optional

    Returns
    -------
    dict
        ``fold`` (per document), ``sent_proba`` and ``topic_pred`` (out of
        fold), ``threshold``, and with ``baseline`` the lexicon's decisions.
    """
    with _one_thread():
        return _cross_validate(P, n_splits, seed, sc_settings, topic_settings, baseline, patterns)


def _one_thread():
    """BLAS on one thread: on small problems threads only contend (L-BFGS runs 10x faster)."""
    from threadpoolctl import threadpool_limits
    return threadpool_limits(limits=1)


def _gated(P: Prepared, sc_settings: dict) -> np.ndarray:
    """Which sentences the shortcoming model scores and trains on (all of them without a gate)."""
    if not (sc_settings.get("gate", True) and sc_settings.get("cues", True)):
        return np.ones(len(P.sent_records), dtype=bool)
    cached = getattr(P, "_gate_mask", None)
    if cached is None or len(cached) != len(P.sent_records):
        cached = P._gate_mask = np.array([gate_tokens(r["tokens"], GATE) for r in P.sent_records], dtype=bool)
    return cached


def _cross_validate(P, n_splits, seed, sc_settings, topic_settings, baseline, patterns) -> dict:
    sc_settings = {**SHORTCOMING_SETTINGS, **(sc_settings or {})}
    topic_settings = {**TOPIC_SETTINGS, **(topic_settings or {})}
    fold = _folds(P, n_splits, seed)
    sent_fold, topic_fold = fold[P.sent_doc], fold[P.topic_doc]
    proba = np.zeros(len(P.sent_y))
    tpred = np.empty(len(P.topic_y), dtype=object)
    tconf = np.zeros(len(P.topic_y))
    recs = np.empty(len(P.sent_records), dtype=object)
    recs[:] = P.sent_records
    trecs = np.empty(len(P.topic_records), dtype=object)
    trecs[:] = P.topic_records
    keep = P.sent_keep
    gated = _gated(P, sc_settings)
    for k in range(n_splits):
        tr = (sent_fold != k) & keep & gated
        te = sent_fold == k
        m = build_shortcoming_model(seed=seed, **sc_settings).fit(list(recs[tr]), P.sent_y[tr])
        proba[te & gated] = m.predict_proba(list(recs[te & gated]))[:, 1]
        ttr, tte = topic_fold != k, topic_fold == k
        if tte.any():
            tm = build_topic_model(seed=seed, **topic_settings).fit(list(trecs[ttr]), P.topic_y[ttr])
            pp = tm.predict_proba(list(trecs[tte]))
            tpred[tte] = tm.classes_[pp.argmax(axis=1)]
            tconf[tte] = pp.max(axis=1)
    thr, _ = choose_threshold(P.sent_y[keep], proba[keep])
    out = {"fold": fold, "sent_proba": proba, "topic_pred": tpred, "topic_conf": tconf, "threshold": thr,
           "n_splits": n_splits, "seed": seed, "sc_settings": sc_settings, "topic_settings": topic_settings}
    if baseline:
        out["lex_sent"], out["lex_topic"] = _lexicon_baseline(P, patterns)
    return out


def cv_report(P: Prepared, cv: dict, threshold: Optional[float] = None) -> dict:
    """CV metrics per input file and overall, model next to baseline.

    Returns
    -------
    dict
        ``{source: {shortcoming: {model, baseline, per_class}, topic: {...}}}``
        with ``source`` = file path or ``"all"``.
    """
    thr = cv["threshold"] if threshold is None else threshold
    files = [d["_file"] for d in P.docs]
    groups = {"all": None}
    for f in dict.fromkeys(files):
        groups[_display_path(f)] = f
    report = {}
    for name, f in groups.items():
        sm = P.sent_keep & (np.ones(len(P.sent_y), bool) if f is None
                            else np.array([files[i] == f for i in P.sent_doc]))
        tmask = (np.ones(len(P.topic_y), bool) if f is None else np.array([files[i] == f for i in P.topic_doc]))
        entry = {"documents": int(len(set(P.sent_doc[sm].tolist()))), "sentences": int(sm.sum()),
                 "shortcoming_sentences": int(P.sent_y[sm].sum())}
        y = P.sent_y[sm]
        pred = cv["sent_proba"][sm] >= thr
        sc = {"model": _binary(y, pred), **_prf_table(y, pred.astype(int), [0, 1])}
        if "lex_sent" in cv:
            sc["baseline"] = _binary(y, cv["lex_sent"][sm])
        entry["shortcoming"] = sc
        if tmask.any():
            yt, pt = P.topic_y[tmask], cv["topic_pred"][tmask].astype(str)
            kinds = P.topic_kind[tmask]
            tp = {"facts": int(tmask.sum()), "model": _acc(yt, pt),
                  "model_by_kind": {k: _acc(yt[kinds == k], pt[kinds == k]) for k in ("numeric", "shortcoming")},
                  **_prf_table(yt, pt, list(TOPICS))}
            if "lex_topic" in cv:
                lt = cv["lex_topic"][tmask].astype(str)
                tp["baseline"] = _acc(yt, lt)
                tp["baseline_by_kind"] = {k: _acc(yt[kinds == k], lt[kinds == k]) for k in ("numeric", "shortcoming")}
            entry["topic"] = tp
        report[name] = entry
    return report


def _acc(y, p) -> dict:
    n = int(len(y))
    c = int(np.sum(np.asarray(y) == np.asarray(p)))
    return {"accuracy": round(c / n, 4) if n else 0.0, "correct": c, "n": n}


def end_to_end(P: Prepared, cv: dict, patterns=None) -> dict:
    """Run each held-out fold through the whole pipeline with the other folds' models.

    Each fold's threshold is chosen on the out-of-fold probabilities of the
    training documents only. Documents from labelled-sentence files are not
    scored (they are single sentences, not articles).

    Returns
    -------
    dict
        ``{source: report}`` of :func:`pipeline.evaluate.score` (summarised:
        shortcoming P/R/F1, topic accuracy overall / numeric / shortcoming,
        micro F1), per gold file and ``"all"``.
    """
    from .evaluate import score
    from .language import Pipeline

    nlp = Pipeline(("clean", "segment", "patterns"), patterns=patterns)
    fold, n_splits, seed = cv["fold"], cv["n_splits"], cv["seed"]
    gold_idx = [i for i, d in enumerate(P.docs) if "facts" in d and not d["id"].startswith(Path(d["_file"]).name + ":")]
    preds = {}
    recs = np.empty(len(P.sent_records), dtype=object)
    recs[:] = P.sent_records
    trecs = np.empty(len(P.topic_records), dtype=object)
    trecs[:] = P.topic_records
    sent_fold, topic_fold = fold[P.sent_doc], fold[P.topic_doc]
    for k in range(n_splits):
        test_docs = [i for i in gold_idx if fold[i] == k]
        if not test_docs:
            continue
        tr = (sent_fold != k) & P.sent_keep
        thr, _ = choose_threshold(P.sent_y[tr], cv["sent_proba"][tr])
        tr &= _gated(P, cv["sc_settings"])
        sm = build_shortcoming_model(seed=seed, **cv["sc_settings"]).fit(list(recs[tr]), P.sent_y[tr])
        tm = build_topic_model(seed=seed, **cv["topic_settings"]).fit(list(trecs[topic_fold != k]),
                                                                     P.topic_y[topic_fold != k])
        sc, tc = ShortcomingComponent(sm, threshold=thr), TopicComponent(tm)
        for i in test_docs:
            d = P.docs[i]
            doc = tc(sc(nlp(Document(d["id"], d["text"]))))
            preds[d["id"]] = {"id": d["id"], "meta": {}, "facts": [f.to_dict(d["id"]) for f in doc.facts]}
    files = [P.docs[i]["_file"] for i in gold_idx]
    out = {}
    for name, f in [("all", None)] + [(_display_path(f), f) for f in dict.fromkeys(files)]:
        golds = [P.docs[i] for i in gold_idx if f is None or P.docs[i]["_file"] == f]
        rep = score([{k: v for k, v in g.items() if not k.startswith("_")} for g in golds],
                    [preds[g["id"]] for g in golds])
        out[name] = _summary(rep)
    return out


def _summary(rep: dict) -> dict:
    def r4(d):
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in d.items()}
    return {"documents": rep["documents"]["scored"], "shortcoming": r4(rep["per_type"]["shortcoming"]),
            "topic_accuracy": r4(rep["topic_accuracy"]),
            "topic_accuracy_by_type": {k: r4(v) for k, v in rep["topic_accuracy_by_type"].items()},
            "micro": r4(rep["micro"])}


def lexicon_end_to_end(P: Prepared, patterns=None) -> dict:
    """The same end-to-end summary for the lexicon pipeline (no training involved)."""
    from .evaluate import score
    from .language import Pipeline

    nlp = Pipeline(("clean", "segment", "patterns", "shortcomings_lexicon", "topics_lexicon"), patterns=patterns)
    gold_idx = [i for i, d in enumerate(P.docs) if not d["id"].startswith(Path(d["_file"]).name + ":")]
    out = {}
    files = [P.docs[i]["_file"] for i in gold_idx]
    preds = {}
    for i in gold_idx:
        d = P.docs[i]
        doc = nlp(Document(d["id"], d["text"]))
        preds[d["id"]] = {"id": d["id"], "meta": {}, "facts": [f.to_dict(d["id"]) for f in doc.facts]}
    for name, f in [("all", None)] + [(_display_path(f), f) for f in dict.fromkeys(files)]:
        golds = [P.docs[i] for i in gold_idx if f is None or P.docs[i]["_file"] == f]
        rep = score([{k: v for k, v in g.items() if not k.startswith("_")} for g in golds],
                    [preds[g["id"]] for g in golds])
        out[name] = _summary(rep)
    return out


# --------------------------------------------------------------------------- training and cards
def _save(model, path: Path) -> None:
    from .models import skops_io

    sio = skops_io()
    with atomic_write(path, "wb") as fh:
        sio.dump(model, fh, compression=zipfile.ZIP_DEFLATED, compresslevel=9)


def _versions() -> dict:
    import scipy
    import sklearn
    import skops

    return {"sklearn_version": sklearn.__version__, "skops_version": skops.__version__,
            "numpy_version": np.__version__, "scipy_version": scipy.__version__,
            "python_version": platform.python_version()}


def train_models(docs: list, out_dir, *, n_splits: int = 5, seed: int = 0, cv: bool = True, e2e: bool = True,
                 data_files: Optional[list] = None, patterns=None, sc_settings=None, topic_settings=None,
                 log=None) -> dict:
    """Cross-validate, fit on everything and save both models with their cards.

    Parameters
    ----------
    docs : list of dict
        Gold-format documents (``{id, text, facts}``; ``_file`` names the
        source for per-file reports, ``"<memory>"`` when absent).
    out_dir : str or Path
        Where ``shortcoming.skops``/``.json``/``.md`` and ``topic.*`` go.
    n_splits : int, default=5
        Folds of the grouped cross-validation.
    seed : int, default=0
        Seed of the folds and the estimators: same data and seed, same models.
    cv : bool, default=True
        Without it the threshold is 0.5 and the cards have no CV figures.
    e2e : bool, default=True
        Also run the held-out folds through the whole pipeline.
    data_files : list of str, optional
        The training files, hashed into the cards.
    patterns : PatternSet or path, optional
    sc_settings, topic_settings : dict, optional
        Override :data:`SHORTCOMING_SETTINGS` / :data:`TOPIC_SETTINGS`.
    log : callable, optional
        Progress messages (e.g. ``print``).

    Returns
    -------
    dict
        ``{"shortcoming": card, "topic": card}``.
    """
    log = log or (lambda msg: None)
    t0 = time.time()
    docs = [dict(d, _file=d.get("_file", "<memory>")) for d in docs]
    _check_labels(docs)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    P = prepare(docs, patterns)
    log(f"{len(docs)} documents, {int(P.sent_keep.sum())} sentences ({int(P.sent_y[P.sent_keep].sum())} "
        f"shortcomings), {len(P.topic_y)} facts with a topic")
    sc_settings = {**SHORTCOMING_SETTINGS, **(sc_settings or {})}
    topic_settings = {**TOPIC_SETTINGS, **(topic_settings or {})}
    report = e2e_report = lex_e2e = None
    threshold, how = 0.5, "default 0.5 (trained without cross-validation)"
    if cv:
        log(f"grouped {n_splits}-fold cross-validation ...")
        res = cross_validate(P, n_splits, seed, sc_settings, topic_settings, baseline=True, patterns=patterns)
        threshold = res["threshold"]
        how = (f"maximises F1 of the out-of-fold probabilities ({n_splits}-fold CV grouped by document, seed "
               f"{seed}) over thresholds 0.05-0.95, F1 smoothed over +-0.02")
        report = cv_report(P, res)
        if e2e:
            log("end to end on held-out folds ...")
            with _one_thread():
                e2e_report = end_to_end(P, res, patterns)
            lex_e2e = lexicon_end_to_end(P, patterns)
    log("fitting on all data ...")
    with _one_thread():
        keep = P.sent_keep
        fit_mask = keep & _gated(P, sc_settings)
        sm = build_shortcoming_model(seed=seed, **sc_settings).fit(
            [r for r, k in zip(P.sent_records, fit_mask) if k], P.sent_y[fit_mask])
        tm = build_topic_model(seed=seed, **topic_settings).fit(P.topic_records, P.topic_y)
    common = {"created": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), **_versions(),
              "seed": seed, "training_data": file_digests(data_files or []),
              "documents": len(docs), "documents_per_file": dict(Counter(_display_path(d["_file"])
                                                                         if d["_file"] != "<memory>" else "<memory>"
                                                                         for d in docs))}
    cards = {}
    for name, model, settings, extra in (
            (SHORTCOMING, sm, sc_settings, {
                "task": "Is a sentence a shortcoming (annotation guidelines)? Binary, one probability per sentence; "
                        "sentences without any of the gate's words (pipeline.features.GATE) are not scored "
                        "(probability 0) and not trained on.",
                "examples": {"sentences": int(keep.sum()), "shortcoming": int(P.sent_y[keep].sum()),
                             "not_shortcoming": int((P.sent_y[keep] == 0).sum()),
                             "scored_by_the_gate": int(fit_mask.sum()),
                             "shortcoming_outside_the_gate": int(P.sent_y[keep & ~fit_mask].sum())},
                "threshold": threshold, "threshold_method": how}),
            (TOPIC, tm, topic_settings, {
                "task": "Topic (13 labels) of a shortcoming sentence or of a numeric fact, from the list item "
                        "around the number, the words before it and the counted unit after it, its sentence "
                        "and the document's lead.",
                "examples": {"facts": len(P.topic_y), "per_topic": {t: int((P.topic_y == t).sum()) for t in TOPICS},
                             "per_kind": dict(Counter(P.topic_kind.tolist()))}})):
        path = out / f"{name}.skops"
        _save(model, path)
        card = {"name": name, "model_file": path.name, "sha256": sha256_file(path), "bytes": path.stat().st_size,
                **common, **extra, "settings": _jsonable(settings),
                "estimator": _describe(model)}
        if report is not None:
            card["cross_validation"] = {"folds": n_splits, "grouping": "document", "splitter":
                                        "StratifiedGroupKFold(shuffle=True)",
                                        "per_source": {src: _card_metrics(name, e) for src, e in report.items()}}
        if e2e_report is not None:
            card["end_to_end"] = {"method": "each fold's documents through clean, segment, patterns and the "
                                            "models of the other folds, scored by pipeline.evaluate.score",
                                  "model": e2e_report, "lexicon": lex_e2e}
        card["training_seconds"] = round(time.time() - t0, 1)
        _write_card(out, card)
        cards[name] = card
    log(f"wrote {out / 'shortcoming.skops'} and {out / 'topic.skops'} with their cards in {time.time() - t0:.0f}s")
    return cards


def _check_labels(docs: list) -> None:
    if not any(f.get("type") == "shortcoming" for d in docs for f in d.get("facts", [])):
        files = sorted({d.get("_file", "<memory>") for d in docs})
        raise TrainingDataError(f"no shortcoming labels in the training data ({', '.join(files)}): "
                                "the sentence classifier needs shortcoming facts")
    for d in docs:
        for k, f in enumerate(d.get("facts", [])):
            if f.get("topic") is not None and f["topic"] not in TOPICS:
                where = f"{d.get('_file', '<memory>')}:{d.get('_line', '?')}"
                raise TrainingDataError(f"{where}: fact {k} has unknown topic {f['topic']!r}; "
                                        f"use one of {', '.join(TOPICS)}")


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    return obj


def _describe(model) -> dict:
    feats = model.named_steps["features"]
    clf = model.named_steps["clf"]
    return {"features": [{"name": n, "type": type(t).__name__,
                          "field": ", ".join(t.fields) if hasattr(t, "fields") else getattr(t, "field", None),
                          "n_features": int(getattr(t, "n_features_out_", 0)),
                          "weight": (feats.transformer_weights or {}).get(n, 1.0)}
                         for n, t in feats.transformer_list],
            "classifier": f"{type(clf).__name__}({', '.join(f'{k}={v!r}' for k, v in sorted(clf.get_params().items()) if k in ('C', 'class_weight', 'solver', 'max_iter'))})",
            "classes": [str(c) for c in clf.classes_]}


def _card_metrics(name: str, entry: dict) -> dict:
    base = {k: entry[k] for k in ("documents", "sentences", "shortcoming_sentences")}
    if name == SHORTCOMING:
        return {**base, **entry["shortcoming"]}
    return {**base, **(entry.get("topic") or {})}


def _write_card(out: Path, card: dict) -> None:
    write_json_atomic(out / f"{card['name']}.json", card)
    write_text_atomic(out / f"{card['name']}.md", card_markdown(card))


def _f(x) -> str:
    return f"{x:.3f}" if isinstance(x, float) else str(x)


def card_markdown(card: dict) -> str:
    """The model card as Markdown (written beside the JSON card)."""
    L = [f"# Model card: `{card['name']}`", "", card["task"], "",
         f"- file: `{card['model_file']}` ({card['bytes']:,} bytes), sha256 `{card['sha256']}`",
         f"- trained {card['created']} with scikit-learn {card['sklearn_version']}, skops {card['skops_version']}, "
         f"numpy {card['numpy_version']}, Python {card['python_version']}; seed {card['seed']}",
         f"- classifier: {card['estimator']['classifier']}",
         "- features: " + ", ".join(f"{f['name']} ({f['type']}" + (f" of `{f['field']}`" if f['field'] else "")
                                    + f", {f['n_features']}, weight {f['weight']})"
                                    for f in card["estimator"]["features"]), ""]
    if "threshold" in card:
        L += [f"**Decision threshold: {card['threshold']:.2f}** ({card['threshold_method']}). "
              "Override with `extract --shortcoming-threshold X`.", ""]
    L += ["## Training data", "", "| file | sha256 | bytes |", "|---|---|---|"]
    L += [f"| `{d['path']}` | `{d['sha256'][:16]}…` | {d['bytes']:,} |" for d in card["training_data"]]
    L += ["", f"{card['documents']} documents; examples: `{json.dumps(card['examples'], ensure_ascii=False)}`", ""]
    cvd = card.get("cross_validation")
    if cvd:
        L += [f"## Cross-validation ({cvd['folds']} folds grouped by document)", ""]
        if card["name"] == SHORTCOMING:
            L += ["| data | sentences | shortcomings | lexicon P / R / F1 | model P / R / F1 |", "|---|---|---|---|---|"]
            for src, m in cvd["per_source"].items():
                b, mo = m.get("baseline", {}), m["model"]
                L.append(f"| {src} | {m['sentences']} | {m['shortcoming_sentences']} | "
                         f"{_f(b.get('precision', 0.0))} / {_f(b.get('recall', 0.0))} / {_f(b.get('f1', 0.0))} | "
                         f"{_f(mo['precision'])} / {_f(mo['recall'])} / {_f(mo['f1'])} |")
        else:
            L += ["| data | facts | lexicon accuracy | model accuracy | model, numeric | model, shortcoming |",
                  "|---|---|---|---|---|---|"]
            for src, m in cvd["per_source"].items():
                if "model" not in m:
                    continue
                bk = m["model_by_kind"]
                L.append(f"| {src} | {m['facts']} | {_f(m.get('baseline', {}).get('accuracy', 0.0))} | "
                         f"{_f(m['model']['accuracy'])} | {_f(bk['numeric']['accuracy'])} | "
                         f"{_f(bk['shortcoming']['accuracy'])} |")
        allm = cvd["per_source"]["all"]
        if "per_class" in allm:
            L += ["", "Per class (all data, out of fold):", "", "| class | precision | recall | F1 | support |",
                  "|---|---|---|---|---|"]
            L += [f"| {c} | {_f(v['precision'])} | {_f(v['recall'])} | {_f(v['f1'])} | {v['support']} |"
                  for c, v in allm["per_class"].items()]
            labs = allm["labels"]
            L += ["", "Confusion matrix (rows: gold, columns: predicted):", "",
                  "| gold \\ pred | " + " | ".join(labs) + " |", "|---" * (len(labs) + 1) + "|"]
            L += [f"| {labs[i]} | " + " | ".join(str(x) for x in row) + " |" for i, row in enumerate(allm["confusion"])]
    e2e = card.get("end_to_end")
    if e2e:
        L += ["", "## End to end on held-out folds", "", e2e["method"] + ".", "",
              "| data | pipeline | shortcoming P / R / F1 | topic accuracy | numeric | shortcoming |",
              "|---|---|---|---|---|---|"]
        for src in e2e["model"]:
            for label, rep in (("lexicon", e2e["lexicon"].get(src)), ("models", e2e["model"][src])):
                if not rep:
                    continue
                s, ta = rep["shortcoming"], rep["topic_accuracy_by_type"]
                L.append(f"| {src} | {label} | {_f(s['precision'])} / {_f(s['recall'])} / {_f(s['f1'])} | "
                         f"{_f(rep['topic_accuracy']['accuracy'])} | {_f(ta['numeric']['accuracy'])} | "
                         f"{_f(ta['shortcoming']['accuracy'])} |")
    L += ["", f"Settings: `{json.dumps(card['settings'], ensure_ascii=False)}`", "",
          "Regenerate with `python -m pipeline train` (see docs/classifiers.md).", ""]
    return "\n".join(L)


# --------------------------------------------------------------------------- command line
def _train_command(args) -> int:
    if getattr(args, "corrections", None):   # = `apply KB_DIR --out TMP`, then `--data TMP`
        import tempfile
        from .curate import apply
        with tempfile.TemporaryDirectory(prefix="curated-") as tmp:
            curated = [str(Path(tmp) / f"kb{i}") for i in range(len(args.corrections))]
            for kb, out in zip(args.corrections, curated):
                summary = apply(kb, out)
                if not args.quiet:
                    print(summary["text"], file=sys.stderr)
            args.data, args.corrections = list(args.data or []) + curated, []
            return _train_command(args)
    if not args.data:
        raise TrainingDataError("no training data: give --data PATH (gold, sentences or curated KB) "
                                "and/or --corrections KB_DIR")
    paths = args.data
    docs = load_training_data(paths)
    quiet = args.quiet
    cards = train_models(docs, args.out, n_splits=args.folds, seed=args.seed, cv=not args.no_cv,
                         e2e=not args.no_e2e, data_files=paths, patterns=args.patterns,
                         log=None if quiet else (lambda m: print(m, file=sys.stderr)))
    if not quiet:
        for name, card in cards.items():
            line = f"{name}: {card['model_file']} ({card['bytes']:,} bytes)"
            cvd = card.get("cross_validation")
            if cvd:
                m = cvd["per_source"]["all"]
                if name == SHORTCOMING:
                    line += (f", CV F1 {m['model']['f1']:.3f} (lexicon {m['baseline']['f1']:.3f}), "
                             f"threshold {card['threshold']:.2f}")
                else:
                    line += (f", CV accuracy {m['model']['accuracy']:.3f} "
                             f"(lexicon {m['baseline']['accuracy']:.3f})")
            print(line)
    return 0


def add_commands(subparsers) -> None:
    """Register the ``train`` subcommand."""
    t = subparsers.add_parser(
        "train", help="train the shortcoming and topic classifiers",
        description="Train both classifiers from gold files, labelled-sentence files and reviewed KB directories; "
                    "cross-validate them grouped by document next to the lexicon baseline; write "
                    "OUT/shortcoming.skops and OUT/topic.skops with model cards (.json, .md).",
        epilog="Example: python -m pipeline train --data ../shared/corpus/dev/gold.jsonl "
               "--data corpus/annotations/hard_negatives.jsonl --data corpus/annotations/topics.jsonl --out models/")
    t.add_argument("--data", action="append", default=[], metavar="PATH",
                   help="gold JSONL, labelled-sentence JSONL or KB directory (repeat for more)")
    t.add_argument("--corrections", action="append", default=[], metavar="KB_DIR",
                   help="a KB under review: its corrections are applied (as `apply`) to a temporary curated KB "
                        "used as --data (repeat for more)")
    t.add_argument("--out", default="models", metavar="DIR", help="output directory (default: models/)")
    t.add_argument("--folds", type=int, default=5, help="cross-validation folds (default 5)")
    t.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    t.add_argument("--no-cv", action="store_true", help="skip cross-validation (threshold 0.5, no CV in the cards)")
    t.add_argument("--no-e2e", action="store_true", help="skip the end-to-end evaluation of held-out folds")
    t.add_argument("--patterns", default=None, metavar="DIR", help="pattern directory (default: patterns/)")
    t.add_argument("--quiet", action="store_true", help="print nothing but errors")
    t.set_defaults(func=_train_command)
