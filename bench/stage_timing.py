"""Milliseconds per document spent in each pipeline component, on N bench documents.

Usage: python bench/stage_timing.py [N] [JSONL]
"""
import itertools
import json
import sys
import time

import pipeline
from pipeline.document import Document

n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
path = sys.argv[2] if len(sys.argv) > 2 else "../shared/corpus/bench/vn-news.jsonl"
docs = [json.loads(l) for l in itertools.islice(open(path, encoding="utf-8"), n)]
nlp = pipeline.get_pipeline()
for d in docs[:20]:
    nlp(Document(d["id"], d["text"]))
tot = {}
t0 = time.perf_counter()
for d in docs:
    doc = Document(d["id"], d["text"])
    for name, comp in nlp.components:
        t = time.perf_counter()
        doc = comp(doc)
        tot[name] = tot.get(name, 0.0) + time.perf_counter() - t
print(f"total {1000 * (time.perf_counter() - t0) / len(docs):.2f} ms/doc over {len(docs)} docs")
for name, sec in tot.items():
    print(f"  {name:14s} {1000 * sec / len(docs):.3f}")
