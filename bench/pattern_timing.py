"""Milliseconds per document each pattern of patterns/ costs, as the patterns stage runs it.

Usage: python bench/pattern_timing.py [N_TOP] [JSONL] [N_DOCS]

A pattern with ``requires:`` only runs on documents holding one of its words
(the time of that check is included); "ran" is the share of documents it ran on.
"""
import itertools
import json
import sys
import time

from pipeline.patterns import PatternSet

top = int(sys.argv[1]) if len(sys.argv) > 1 else 12
path = sys.argv[2] if len(sys.argv) > 2 else "../shared/corpus/bench/vn-news.jsonl"
n_docs = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
texts = [json.loads(line)["text"] for line in itertools.islice(open(path, encoding="utf-8"), n_docs)]
lows = [t.lower() for t in texts]
res = []
for p in PatternSet().all_patterns():
    t0 = time.perf_counter()
    n = ran = 0
    for tx, low in zip(texts, lows):
        if p.requires and not any(w in low for w in p.requires):
            continue
        ran += 1
        for _m in p.compiled.finditer(tx):
            n += 1
    res.append((time.perf_counter() - t0, p.id, n, ran))
res.sort(reverse=True)
print(f"sum {sum(r[0] for r in res) / len(texts) * 1000:.3f} ms/doc over {len(texts)} documents")
print(f"{'ms/doc':>7}  {'matches':>7}  {'ran':>4}  pattern")
for sec, pid, n, ran in res[:top]:
    print(f"{sec / len(texts) * 1000:7.4f}  {n:7d}  {ran / len(texts):4.0%}  {pid}")
