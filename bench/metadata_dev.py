"""Accuracy of the metadata stage on the dev gold: ``published``, ``province``, ``district``.

Usage (from the repo root)::

    .venv/bin/python bench/metadata_dev.py [path/to/gold.jsonl] [-v]

A document counts as correct for a field when the predicted value equals the
gold value, absence on both sides counting as correct. Prints per-field
accuracy, the misses (with the strongest place evidence, for place fields)
and the CPU time per document.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.document import Document  # noqa: E402
from pipeline.metadata import _explain, add_metadata, find_place, find_published  # noqa: E402

DEFAULT_GOLD = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "dev" / "gold.jsonl"
FIELDS = ("published", "province", "district")


def evaluate(gold_path: Path) -> dict:
    """Per-field accuracy and misses of :func:`add_metadata` on a gold file."""
    docs = [json.loads(line) for line in gold_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    correct = {f: 0 for f in FIELDS}
    misses = {f: [] for f in FIELDS}
    find_published(""); find_place("")  # load resources outside the timing
    t0 = time.process_time()
    preds = []
    for d in docs:
        doc = add_metadata(Document(id=d["id"], text=d["text"], meta={}))
        preds.append(doc.meta)
    elapsed = time.process_time() - t0
    for d, pred in zip(docs, preds):
        gold = d.get("meta") or {}
        for f in FIELDS:
            if gold.get(f) == pred.get(f):
                correct[f] += 1
            else:
                hint = ""
                if f != "published":
                    ex = _explain(d["text"])
                    top = list(ex["province_total"].items())[:3]
                    hint = " evidence: " + ", ".join(f"{k}={v:.1f}" for k, v in top)
                    if f == "district":
                        hint += " | districts: " + ", ".join(
                            f"{k}={v:.1f}" for k, v in sorted(ex["district"].items(), key=lambda kv: -kv[1])[:3])
                misses[f].append((d["id"], gold.get(f), pred.get(f), hint))
    n = len(docs)
    return {"n": n, "accuracy": {f: correct[f] / n for f in FIELDS}, "misses": misses,
            "ms_per_doc": 1000 * elapsed / max(n, 1),
            "chars": sum(len(d["text"]) for d in docs)}


def main(argv: list) -> int:
    args = [a for a in argv if not a.startswith("-")]
    path = Path(args[0]) if args else DEFAULT_GOLD
    if not path.exists():
        print(f"no gold file at {path}")
        return 1
    out = evaluate(path)
    print(f"{out['n']} docs, {out['ms_per_doc']:.2f} CPU ms/doc ({out['chars'] / out['n']:.0f} chars/doc)")
    for f in FIELDS:
        print(f"  {f:10s} accuracy {out['accuracy'][f]:.3f}")
    for f in FIELDS:
        for doc_id, gold, pred, hint in out["misses"][f]:
            print(f"  miss {f:10s} {doc_id}: gold={gold!r} pred={pred!r}{hint}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
