#!/usr/bin/env bash
# Extract the dev gold's texts (id + text only) and score them. Usage: bash bench/dev_eval.sh [extra evaluate args]
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-.venv/bin/python}
gold=${GOLD:-../shared/corpus/dev/gold.jsonl}
tmp=$(mktemp -d)
$py -c "
import json,sys
with open('$gold',encoding='utf-8') as f, open('$tmp/in.jsonl','w',encoding='utf-8') as o:
    for l in f:
        d=json.loads(l); o.write(json.dumps({'id':d['id'],'text':d['text']},ensure_ascii=False)+'\n')
"
$py -m pipeline extract "$tmp/in.jsonl" --out "$tmp/kb" --quiet
$py -m pipeline evaluate --gold "$gold" --kb "$tmp/kb" "$@"
rm -rf "$tmp"
