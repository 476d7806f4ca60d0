"""LexNLP-style case table: tests/data/extract_cases.jsonl (hand-written sentences).

Each case lists the facts (percentage, ratio, count, money, legal_ref) that must
come out, with the fields to check; ``exact`` cases allow no other fact of those
types. One test per case, so every failing case id is reported.
"""
import json
import math
from pathlib import Path

import pytest

import pipeline

CASES_FILE = Path(__file__).parent / "data" / "extract_cases.jsonl"
CHECKED = ("percentage", "ratio", "count", "money", "legal_ref")


def _load():
    cases = []
    with open(CASES_FILE, encoding="utf-8") as fh:
        for i, line in enumerate(fh, 1):
            if line.strip() and not line.startswith("#"):
                case = json.loads(line)
                case["_line"] = i
                cases.append(case)
    return cases


CASES = _load()


def _same(a, b):
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def _fact_matches(fact, exp):
    if fact.type != exp["type"] or ("text" in exp and fact.text != exp["text"]):
        return False
    for key, want in exp.items():
        if key in ("type", "text"):
            continue
        got = getattr(fact, key, None)
        if key == "unit" and want is not None:
            # the unit is a judgement call (not scored): one must be a prefix of the other
            if not got or not (got.lower().startswith(want.lower()) or want.lower().startswith(got.lower())):
                return False
            continue
        if want is None:
            if got is not None:
                return False
        elif not _same(got, want):
            return False
    return True


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_extract_case(case):
    doc = pipeline.extract(case["text"], id=case["id"])
    facts = [f for f in doc.facts if f.type in CHECKED]
    for f in facts:
        assert case["text"][f.start:f.end] == f.text
    problems = []
    used = set()
    for exp in case.get("expect", []):
        hit = next((i for i, f in enumerate(facts) if i not in used and _fact_matches(f, exp)), None)
        if hit is None:
            problems.append(f"missing {exp}")
        else:
            used.add(hit)
    if case.get("exact"):
        extra = [f for i, f in enumerate(facts) if i not in used]
        problems += [f"unexpected {f.type} {f.text!r} {f.to_dict()}" for f in extra]
    assert not problems, (f"{CASES_FILE.name}:{case['_line']} {case['id']} ({case.get('note', '')}):\n  "
                          + "\n  ".join(problems))
