"""Time every pattern of patterns/ over bench documents: python bench/pattern_timing.py [N_TOP]."""
import json, time, itertools, sys
import pipeline
from pipeline.patterns import PatternSet
docs=[json.loads(l) for l in itertools.islice(open(sys.argv[2] if len(sys.argv) > 2 else "../shared/corpus/bench/vn-news.jsonl"),500)]
ps=PatternSet()
texts=[d['text'] for d in docs]
res=[]
for p in ps.all_patterns():
    t=time.perf_counter()
    n=0
    for tx in texts:
        for m in p.compiled.finditer(tx): n+=1
    res.append((time.perf_counter()-t, p.id, n))
res.sort(reverse=True)
print('sum ms/doc', round(sum(r[0] for r in res)/len(texts)*1000,3))
for r in res[:int(sys.argv[1]) if len(sys.argv)>1 else 12]: print(round(r[0]/len(texts)*1000,3), r[1], r[2])
