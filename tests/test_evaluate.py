"""Tests of pipeline.evaluate on tiny hand-written gold and predictions."""
from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.document import FACT_TYPES
from pipeline.evaluate import (
    EvaluationError, evaluate, format_report, load_gold, load_predictions,
    match_facts, score,
)


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def pct(start, end, value, qualifier="exact", topic="email", **extra):
    return dict(type="percentage", start=start, end=end, text="x" * (end - start),
                value=value, qualifier=qualifier, topic=topic, **extra)


def count(start, end, value, topic="other", **extra):
    return dict(type="count", start=start, end=end, text="x" * (end - start),
                value=value, topic=topic, **extra)


def ratio(start, end, num, den, topic="other"):
    return dict(type="ratio", start=start, end=end, text=f"{num}/{den}",
                numerator=num, denominator=den, topic=topic)


def legal(start, end, doc_type, number, issued=None):
    fact = dict(type="legal_ref", start=start, end=end, text="ref",
                doc_type=doc_type, number=number)
    if issued is not None:
        fact["issued"] = issued
    return fact


def short(start, end, topic="other"):
    return dict(type="shortcoming", start=start, end=end, text="s", topic=topic)


def gdoc(facts, doc_id="d1", meta=None):
    return {"id": doc_id, "text": "", "meta": meta or {}, "facts": facts}


def pdoc(facts, doc_id="d1", meta=None):
    return {"id": doc_id, "meta": meta or {}, "facts": facts}


def counts(report, ftype):
    row = report["per_type"][ftype]
    return row["tp"], row["fp"], row["fn"]


def run(gold_facts, pred_facts):
    return score([gdoc(gold_facts)], [pdoc(pred_facts)])


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def write_kb(kb_dir, docs):
    kb_dir.mkdir(parents=True, exist_ok=True)
    write_jsonl(kb_dir / "documents.jsonl", [{"id": d["id"], "meta": d["meta"]} for d in docs])
    write_jsonl(kb_dir / "facts.jsonl",
                [dict(doc_id=d["id"], **f) for d in docs for f in d["facts"]])


# ---------------------------------------------------------------------------
# numeric facts
# ---------------------------------------------------------------------------

def test_exact_match():
    report = run([pct(10, 15, 33.2)], [pct(10, 15, 33.2)])
    assert counts(report, "percentage") == (1, 0, 0)
    assert report["per_type"]["percentage"]["f1"] == 1.0
    assert report["misses"] == [] and report["spurious"] == []


def test_overlapping_span_equal_value_matches():
    report = run([pct(10, 15, 33.2)], [pct(12, 20, 33.2)])
    assert counts(report, "percentage") == (1, 0, 0)


def test_int_equals_float_and_small_tolerance():
    report = run([count(0, 2, 12)], [count(0, 2, 12.0000000001)])
    assert counts(report, "count") == (1, 0, 0)


def test_unequal_value_does_not_match():
    report = run([pct(10, 15, 33.2)], [pct(10, 15, 33.0)])
    assert counts(report, "percentage") == (0, 1, 1)
    assert report["misses"][0]["value"] == 33.2
    assert report["spurious"][0]["value"] == 33.0


def test_disjoint_span_does_not_match():
    report = run([pct(10, 15, 50)], [pct(15, 20, 50)])
    assert counts(report, "percentage") == (0, 1, 1)


def test_other_type_does_not_match():
    report = run([pct(0, 3, 50)], [count(0, 3, 50)])
    assert counts(report, "percentage") == (0, 0, 1)
    assert counts(report, "count") == (0, 1, 0)


def test_one_to_one():
    report = run([pct(10, 15, 50)], [pct(10, 15, 50), pct(11, 14, 50)])
    assert counts(report, "percentage") == (1, 1, 0)
    # the closer prediction is the one matched
    assert report["spurious"][0]["start"] == 11


def test_matching_is_maximum_not_greedy():
    # pred 0 overlaps both golds best with gold 0, but only pred 0 can take gold 1:
    # a greedy matcher would pair (g0, p0) and lose g1.
    gold = [count(0, 10, 5), count(9, 12, 5)]
    pred = [count(2, 10, 5), count(0, 3, 5)]
    report = run(gold, pred)
    assert counts(report, "count") == (2, 0, 0)


def test_ratio_numerator_denominator():
    assert counts(run([ratio(0, 5, 12, 12)], [ratio(0, 5, 12.0, 12)]), "ratio") == (1, 0, 0)
    assert counts(run([ratio(0, 5, 12, 12)], [ratio(0, 5, 12, 13)]), "ratio") == (0, 1, 1)


def test_range_value_max():
    gold = [pct(0, 8, 60, qualifier="range", value_max=70)]
    assert counts(run(gold, [pct(0, 8, 60, qualifier="range", value_max=70)]), "percentage") == (1, 0, 0)
    assert counts(run(gold, [pct(0, 8, 60, qualifier="range", value_max=75)]), "percentage") == (0, 1, 1)
    # value_max on one side only: not equal
    assert counts(run(gold, [pct(0, 8, 60, qualifier="range")]), "percentage") == (0, 1, 1)
    assert counts(run([pct(0, 3, 60)], [pct(0, 3, 60, value_max=70)]), "percentage") == (0, 1, 1)


def test_qualifier_accuracy_and_mismatch():
    gold = [pct(0, 3, 50, qualifier="under"), pct(10, 13, 90, qualifier="exact")]
    pred = [pct(0, 3, 50, qualifier="over"), pct(10, 13, 90, qualifier=None)]
    report = run(gold, pred)
    assert counts(report, "percentage") == (2, 0, 0)
    # an absent qualifier is the default "exact"
    assert report["qualifier_accuracy"] == {"accuracy": 0.5, "correct": 1, "n": 2}
    [mismatch] = report["mismatches"]
    assert (mismatch["field"], mismatch["gold"], mismatch["predicted"]) == ("qualifier", "under", "over")


# ---------------------------------------------------------------------------
# legal references
# ---------------------------------------------------------------------------

def test_legal_ref_span_insensitive_and_issued_accuracy():
    gold = [legal(100, 130, "Quyết định", "7386/QĐ-UBND", "2022-02-16"),
            legal(300, 320, "Chỉ thị", "03"),
            legal(400, 420, "Nghị quyết", "09-NQ/TU", "2021-01-01")]
    pred = [legal(0, 10, "Quyết định", "7386/QĐ-UBND", "2022-02-16"),   # other span: matches
            legal(300, 320, "Chỉ thị", "03"),                            # both issued absent: correct
            legal(400, 420, "Nghị quyết", "09-NQ/TU"),                   # issued missing: wrong
            legal(500, 520, "Quyết định", "7387/QĐ-UBND")]               # other number: spurious
    report = run(gold, pred)
    assert counts(report, "legal_ref") == (3, 1, 0)
    assert report["issued_accuracy"] == {"accuracy": 2 / 3, "correct": 2, "n": 3}
    assert [m["field"] for m in report["mismatches"]] == ["issued"]


def test_legal_ref_needs_same_doc_type():
    report = run([legal(0, 10, "Quyết định", "12/QĐ-UBND")], [legal(0, 10, "Kế hoạch", "12/QĐ-UBND")])
    assert counts(report, "legal_ref") == (0, 1, 1)


def test_repeated_legal_ref_pairs_nearest_mentions():
    gold = [legal(10, 20, "Nghị quyết", "51", "2020-01-01"), legal(500, 510, "Nghị quyết", "51")]
    pred = [legal(501, 510, "Nghị quyết", "51"), legal(10, 20, "Nghị quyết", "51", "2020-01-01")]
    report = run(gold, pred)
    assert counts(report, "legal_ref") == (2, 0, 0)
    assert report["issued_accuracy"]["accuracy"] == 1.0


# ---------------------------------------------------------------------------
# shortcomings
# ---------------------------------------------------------------------------

def test_shortcoming_half_overlap_rule():
    gold = [short(0, 100)]
    # shorter span 41 chars, overlap 21 > 20.5: match
    assert counts(run(gold, [short(79, 120)]), "shortcoming") == (1, 0, 0)
    # shorter span 41 chars, overlap 20 < 20.5: no match
    assert counts(run(gold, [short(80, 121)]), "shortcoming") == (0, 1, 1)
    # exactly half of the shorter span (40 chars, overlap 20): match
    assert counts(run(gold, [short(80, 120)]), "shortcoming") == (1, 0, 0)


def test_topic_accuracy_confusion_and_by_type():
    gold = [short(0, 50, topic="email"), pct(10, 13, 50, topic="email"),
            count(20, 22, 4, topic="infrastructure"), legal(30, 40, "Luật", "1")]
    pred = [short(0, 50, topic="personnel"), pct(10, 13, 50, topic="email"),
            count(20, 22, 4, topic=None), legal(30, 40, "Luật", "1")]
    report = run(gold, pred)
    assert report["topic_accuracy"] == {"accuracy": 1 / 3, "correct": 1, "n": 3}
    assert report["topic_accuracy_by_type"]["shortcoming"]["correct"] == 0
    assert report["topic_accuracy_by_type"]["numeric"] == {"accuracy": 0.5, "correct": 1, "n": 2}
    assert report["topic_confusion"] == {"email": {"email": 1, "personnel": 1},
                                         "infrastructure": {"(none)": 1}}
    assert sorted(m["field"] for m in report["mismatches"]) == ["topic", "topic"]


# ---------------------------------------------------------------------------
# documents and metadata
# ---------------------------------------------------------------------------

def test_metadata_accuracy_including_absence():
    gold = [gdoc([], "a", {"published": "2022-12-05", "province": "Đắk Nông", "district": "Tuy Đức"}),
            gdoc([], "b", {"province": "Lào Cai"})]
    pred = [pdoc([], "a", {"published": "2022-12-05", "province": "Đắk Nông", "district": "Tuy Ðức"}),
            pdoc([], "b", {"province": "Lào Cai", "district": "Sa Pa", "title": "ignored"})]
    report = score(gold, pred)
    meta = report["metadata_accuracy"]
    assert meta["published"] == {"accuracy": 1.0, "correct": 2, "n": 2}   # absent on both sides
    assert meta["province"]["accuracy"] == 1.0
    assert meta["district"] == {"accuracy": 0.5, "correct": 1, "n": 2}    # Ð == Đ; extra district wrong
    assert report["metadata_errors"] == [
        {"doc_id": "b", "field": "district", "gold": None, "predicted": "Sa Pa"}]


def test_missing_doc_counts_misses_and_metadata():
    gold = [gdoc([pct(0, 3, 50), legal(5, 9, "Luật", "1")], "a", {"province": "Huế"}),
            gdoc([count(0, 1, 2)], "b", {"province": "Lào Cai"})]
    pred = [pdoc([count(0, 1, 2)], "b", {"province": "Lào Cai"}),
            pdoc([pct(0, 3, 50)], "not-in-gold")]
    report = score(gold, pred)
    assert report["missing_docs"] == ["a"]
    assert report["documents"] == {"gold": 2, "predicted": 2, "scored": 1, "missing": 1, "not_in_gold": 1}
    assert counts(report, "percentage") == (0, 0, 1)     # the extra document is not scored
    assert counts(report, "legal_ref") == (0, 0, 1)
    assert counts(report, "count") == (1, 0, 0)
    assert report["metadata_accuracy"]["province"]["correct"] == 1
    # gold has no published / district for "a": absence on both sides is correct
    assert report["metadata_accuracy"]["published"]["correct"] == 2
    assert {m["doc_id"] for m in report["misses"]} == {"a"}


def test_rejected_reviewed_facts_ignored():
    rejected = pct(0, 3, 50, review={"status": "rejected", "by": "x"})
    accepted = pct(10, 13, 60, review={"status": "accepted"})
    report = run([pct(10, 13, 60)], [rejected, accepted, pct(20, 23, 70, review={"status": "rejected"})])
    assert counts(report, "percentage") == (1, 0, 0)
    assert report["ignored"]["rejected"] == 2


def test_unknown_predicted_type_ignored():
    report = run([], [dict(type="phone", start=0, end=3, text="123")])
    assert report["micro"]["fp"] == 0
    assert report["ignored"]["unknown_type"] == {"phone": 1}


def test_empty_inputs_give_zero_not_nan():
    report = score([], [])
    assert report["micro"] == {"tp": 0, "fp": 0, "fn": 0, "precision": 0.0, "recall": 0.0, "f1": 0.0}
    assert report["qualifier_accuracy"]["accuracy"] == 0.0
    json.dumps(report, allow_nan=False)


def test_report_is_json_serialisable_and_formats():
    gold = [gdoc([pct(0, 3, 50, qualifier="under"), short(10, 60), legal(70, 80, "Luật", "1", "2020-01-01")],
                 "a", {"province": "Huế"})]
    pred = [pdoc([pct(0, 3, 50), count(5, 6, float("nan")), legal(70, 80, "Luật", "1")], "a")]
    report = score(gold, pred)
    text = json.dumps(report, allow_nan=False)
    assert json.loads(text) == report
    out = format_report(report)
    for needle in ("percentage", "micro numeric+legal", "Misses (1)", "Spurious (1)",
                   "qualifier: gold=under predicted=exact", "issued: gold=2020-01-01 predicted=None",
                   "Metadata errors (1)"):
        assert needle in out
    assert "Misses (1, first 0)" in format_report(report, max_errors=0)


def test_output_is_deterministic_under_input_order():
    gold = [pct(0, 3, 50), pct(2, 6, 50), count(10, 12, 4), short(20, 60)]
    pred = [short(25, 60), count(10, 12, 4), pct(2, 5, 50), pct(1, 3, 50), pct(30, 33, 1)]
    first = run(gold, pred)
    second = run(list(reversed(gold)), list(reversed(pred)))
    assert first == second


# ---------------------------------------------------------------------------
# loading
# ---------------------------------------------------------------------------

def test_load_gold_bad_json_names_file_and_line(tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps(gdoc([])) + "\n\n{not json\n", encoding="utf-8")
    with pytest.raises(EvaluationError, match=r"gold\.jsonl, line 3: invalid JSON"):
        load_gold(path)


def test_load_gold_missing_keys_names_file_and_line(tmp_path):
    path = tmp_path / "gold.jsonl"
    write_jsonl(path, [gdoc([], "a"), {"id": "b", "text": ""}])
    with pytest.raises(EvaluationError, match=r"gold\.jsonl, line 2: .*'meta', 'facts'"):
        load_gold(path)
    write_jsonl(path, [gdoc([{"type": "count", "start": 0}])])
    with pytest.raises(EvaluationError, match=r"line 1, fact 0: .*'end'"):
        load_gold(path)
    write_jsonl(path, [gdoc([{"type": "phone", "start": 0, "end": 1}])])
    with pytest.raises(EvaluationError, match=r"line 1, fact 0: unknown fact type 'phone'"):
        load_gold(path)
    write_jsonl(path, [gdoc([], "a"), gdoc([], "a")])
    with pytest.raises(EvaluationError, match=r"line 2: duplicate document id 'a'"):
        load_gold(path)
    with pytest.raises(EvaluationError, match="not found"):
        load_gold(tmp_path / "nope.jsonl")


def test_load_predictions_groups_facts(tmp_path):
    kb = tmp_path / "kb"
    kb.mkdir()
    write_jsonl(kb / "documents.jsonl", [{"id": "a", "meta": {"province": "Huế"}, "fact_counts": {}},
                                         {"id": "b", "meta": {}}])
    write_jsonl(kb / "facts.jsonl", [dict(doc_id="a", id="a:count:0-1", **count(0, 1, 2)),
                                     dict(doc_id="c", **pct(0, 3, 5)),
                                     dict(doc_id="a", **pct(5, 8, 9))])
    docs = load_predictions(kb)
    assert [d["id"] for d in docs] == ["a", "b", "c"]
    assert [f["type"] for f in docs[0]["facts"]] == ["count", "percentage"]
    assert docs[0]["meta"] == {"province": "Huế"}
    assert docs[1]["facts"] == [] and docs[2]["meta"] == {}


def test_load_predictions_errors(tmp_path):
    kb = tmp_path / "kb"
    kb.mkdir()
    with pytest.raises(EvaluationError, match=r"facts\.jsonl is missing.*--out KB_DIR"):
        load_predictions(kb)
    write_jsonl(kb / "documents.jsonl", [{"id": "a"}])
    (kb / "facts.jsonl").write_text('{"doc_id": "a", "type": "count", "start": 0, "end": 1}\n{"doc_id": "a"}\n',
                                    encoding="utf-8")
    with pytest.raises(EvaluationError, match=r"facts\.jsonl, line 2: .*'type', 'start', 'end'"):
        load_predictions(kb)
    (kb / "facts.jsonl").write_text("[1,\n", encoding="utf-8")
    with pytest.raises(EvaluationError, match=r"facts\.jsonl, line 1: invalid JSON"):
        load_predictions(kb)
    with pytest.raises(EvaluationError, match="not found"):
        load_predictions(tmp_path / "nope")


def test_evaluate_gold_against_itself_is_perfect(tmp_path):
    docs = [gdoc([pct(0, 3, 50, qualifier="under"), ratio(5, 10, 12, 12), count(12, 14, 4),
                  legal(20, 40, "Quyết định", "1/QĐ", "2020-01-01"), short(0, 60),
                  dict(type="money", start=70, end=80, text="2,5 tỷ đồng", value=2.5e9,
                       currency="VND", topic="budget")],
                 "a", {"published": "2022-12-05", "province": "Đắk Nông"}),
            gdoc([], "b", {})]
    gold_path = tmp_path / "gold.jsonl"
    write_jsonl(gold_path, docs)
    write_kb(tmp_path / "kb", docs)
    report = evaluate(gold_path, tmp_path / "kb")
    assert all(report["per_type"][t]["f1"] == 1.0 for t in FACT_TYPES)
    assert report["micro_numeric_legal"]["f1"] == 1.0
    assert all(v["accuracy"] == 1.0 for v in report["metadata_accuracy"].values())
    assert report["issued_accuracy"]["accuracy"] == 1.0 and report["topic_accuracy"]["n"] == 5


# ---------------------------------------------------------------------------
# properties
# ---------------------------------------------------------------------------

spans = st.tuples(st.integers(0, 30), st.integers(1, 8)).map(lambda t: (t[0], t[0] + t[1]))
facts = st.lists(st.builds(lambda s, v: count(s[0], s[1], v), spans, st.sampled_from([1, 2])), max_size=6)


def brute_force_max_matching(gold, pred):
    from pipeline.evaluate import is_match
    if len(gold) > len(pred):
        return brute_force_max_matching_t(gold, pred, is_match)
    return max(sum(is_match(g, pred[p]) for g, p in zip(gold, perm))
               for perm in itertools.permutations(range(len(pred)), len(gold)))


def brute_force_max_matching_t(gold, pred, is_match):
    return max(sum(is_match(gold[g], p) for g, p in zip(perm, pred))
               for perm in itertools.permutations(range(len(gold)), len(pred)))


@settings(max_examples=150, deadline=None)
@given(facts, facts)
def test_matching_is_maximum_and_one_to_one(gold, pred):
    pairs = match_facts(gold, pred)
    assert len({g for g, _ in pairs}) == len(pairs) == len({p for _, p in pairs})
    assert len(pairs) == brute_force_max_matching(gold, pred)
    report = run(gold, pred)
    tp, fp, fn = counts(report, "count")
    assert tp + fn == len(gold) and tp + fp == len(pred)


@settings(max_examples=50, deadline=None)
@given(facts)
def test_self_score_is_perfect(gold):
    report = run(gold, [dict(f) for f in gold])
    assert counts(report, "count") == (len(gold), 0, 0)
