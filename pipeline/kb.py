"""The knowledge base on disk: the only writer, and loading into pandas.

A KB directory holds ``facts.jsonl`` (one fact a line), ``documents.jsonl``
(one document a line), ``errors.jsonl`` (bad input records, with file and
line) and ``manifest.json``. :class:`KBWriter` writes every file under a
temporary name and renames it into place only when the run completes, so a
crash never leaves a half-written KB.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Optional

from .document import Document, FACT_TYPES

FACTS, DOCUMENTS, ERRORS, MANIFEST = "facts.jsonl", "documents.jsonl", "errors.jsonl", "manifest.json"


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, allow_nan=False)


class KBWriter:
    """Write a KB atomically.

    Parameters
    ----------
    kb_dir : str or Path
        Target directory (created if needed).

    Examples
    --------
    >>> with KBWriter(tmp) as kb:            # doctest: +SKIP
    ...     kb.add(doc)
    """

    def __init__(self, kb_dir):
        self.dir = Path(kb_dir)
        self.counts = {"documents": 0, "errors": 0, "facts": {t: 0 for t in FACT_TYPES}}
        self._files = {}
        self._committed = False

    def __enter__(self):
        self.dir.mkdir(parents=True, exist_ok=True)
        for name in (FACTS, DOCUMENTS, ERRORS):
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=self.dir)
            self._files[name] = (os.fdopen(fd, "w", encoding="utf-8", newline="\n"), tmp)
        return self

    def add(self, doc: Document) -> None:
        """Append one processed document and its facts."""
        fh = self._files[FACTS][0]
        for f in doc.facts:
            fh.write(dumps(f.to_dict(doc.id)) + "\n")
            self.counts["facts"][f.type] = self.counts["facts"].get(f.type, 0) + 1
        self._files[DOCUMENTS][0].write(dumps(doc.to_dict()) + "\n")
        self.counts["documents"] += 1

    def add_error(self, record: dict) -> None:
        """Append one bad-input record (``{file, line, error, record}``)."""
        self._files[ERRORS][0].write(dumps(record) + "\n")
        self.counts["errors"] += 1

    def commit(self, manifest: dict) -> None:
        """Flush, fsync and rename every file into place; write the manifest last."""
        for name, (fh, tmp) in self._files.items():
            fh.flush()
            os.fsync(fh.fileno())
            fh.close()
            os.replace(tmp, self.dir / name)
        write_json_atomic(self.dir / MANIFEST, manifest)
        self._committed = True

    def __exit__(self, exc_type, exc, tb):
        if not self._committed:
            for fh, tmp in self._files.values():
                try:
                    fh.close()
                finally:
                    if os.path.exists(tmp):
                        os.unlink(tmp)
        return False


def write_json_atomic(path: Path, obj) -> None:
    """Write JSON to ``path`` via a temporary file and rename."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, ensure_ascii=False, indent=2)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def iter_jsonl(path):
    """Yield objects of a JSONL file; a bad line raises ValueError with file and line."""
    with open(path, encoding="utf-8") as fh:
        for i, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{i}: not valid JSON ({exc.msg}); is the KB corrupt? re-run extract") from None


_FACT_COLUMNS = ["doc_id", "id", "type", "start", "end", "text", "value", "qualifier", "value_max",
                 "numerator", "denominator", "unit", "currency", "doc_type", "number", "issued",
                 "issuer", "topic", "confidence", "source", "sentence_start", "sentence_end", "sentence"]


def load(kb_dir, with_text: bool = False):
    """Load a KB into pandas.

    Parameters
    ----------
    kb_dir : str or Path
    with_text : bool, default=False
        Also load each document's full text (column ``text``).

    Returns
    -------
    facts : pandas.DataFrame
        One row per fact; ``type``/``topic``/``qualifier`` are categoricals,
        offsets are ints, values floats, ``issued`` a datetime; the sentence
        as ``sentence`` (text), ``sentence_start``, ``sentence_end``.
    documents : pandas.DataFrame
        One row per document, ``id`` plus the flattened ``meta`` fields and
        ``n_<type>`` fact counts; ``published`` as datetime.
    """
    import pandas as pd
    from .document import QUALIFIERS, TOPICS

    kb = Path(kb_dir)
    if not (kb / FACTS).exists():
        raise FileNotFoundError(f"{kb}: no {FACTS}; build a KB with: python -m pipeline extract INPUT --out {kb}")
    rows = []
    for f in iter_jsonl(kb / FACTS):
        sent = f.pop("sentence", None) or {}
        f["sentence"] = sent.get("text")
        f["sentence_start"], f["sentence_end"] = sent.get("start"), sent.get("end")
        if isinstance(f.get("review"), dict):
            f["review_status"] = f["review"].get("status")
            f.pop("review")
        rows.append(f)
    facts = pd.DataFrame(rows)
    for col in _FACT_COLUMNS:
        if col not in facts.columns:
            facts[col] = None
    extra = [c for c in facts.columns if c not in _FACT_COLUMNS]
    facts = facts[_FACT_COLUMNS + extra]
    facts["type"] = pd.Categorical(facts["type"], categories=list(FACT_TYPES))
    facts["topic"] = pd.Categorical(facts["topic"], categories=list(TOPICS))
    facts["qualifier"] = pd.Categorical(facts["qualifier"], categories=list(QUALIFIERS))
    for col in ("start", "end"):
        facts[col] = facts[col].astype("int64")
    for col in ("sentence_start", "sentence_end"):
        facts[col] = facts[col].astype("Int64")
    for col in ("value", "value_max", "numerator", "denominator", "confidence"):
        facts[col] = pd.to_numeric(facts[col], errors="coerce").astype("float64")
    facts["issued"] = pd.to_datetime(facts["issued"], errors="coerce", format="ISO8601")
    for col in ("doc_id", "id", "text", "unit", "currency", "doc_type", "number", "issuer", "source", "sentence"):
        facts[col] = facts[col].astype("string")

    docs_rows = []
    if (kb / DOCUMENTS).exists():
        for d in iter_jsonl(kb / DOCUMENTS):
            row = {"id": d["id"]}
            for k, v in (d.get("meta") or {}).items():
                row[k] = v if not isinstance(v, (dict, list)) else json.dumps(v, ensure_ascii=False)
            for t, n in (d.get("fact_counts") or {}).items():
                row[f"n_{t}"] = n
            row["n_chars"] = d.get("n_chars")
            if with_text:
                row["text"] = d.get("text")
            docs_rows.append(row)
    documents = pd.DataFrame(docs_rows)
    for col in ("id", "published", "province", "district", "province_2025", "title"):
        if col not in documents.columns:
            documents[col] = None
    documents["published_raw"] = documents["published"]
    documents["published"] = pd.to_datetime(documents["published"], errors="coerce", format="mixed")
    for col in ("id", "province", "district", "province_2025", "title"):
        documents[col] = documents[col].astype("string")
    for col in [c for c in documents.columns if c.startswith("n_")]:
        documents[col] = documents[col].fillna(0).astype("int64")
    return facts, documents


def read_manifest(kb_dir) -> Optional[dict]:
    p = Path(kb_dir) / MANIFEST
    return json.loads(p.read_text(encoding="utf-8")) if p.exists() else None


# analysis helpers on top of load() (pipeline.analysis imports load lazily: no import cycle)
from .analysis import compare, indicators, pivot_by_place, shortcomings  # noqa: E402,F401
