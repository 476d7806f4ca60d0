"""Tests of pipeline.analysis (indicators, pivot_by_place, shortcomings, compare) on hand-written KBs."""
from __future__ import annotations

import doctest
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline import analysis
from pipeline.analysis import as_frames, compare, example_frames, indicators, pivot_by_place, shortcomings
from pipeline.document import Document, Fact
from pipeline.kb import KBWriter, load

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------- helpers
def fact(text: str, snippet: str, ftype: str, occurrence: int = 0, **attrs) -> Fact:
    """A Fact on the ``occurrence``-th ``snippet`` of ``text`` (offsets checked)."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(snippet, start + 1)
    conf = attrs.pop("confidence", 0.95)
    f = Fact(ftype, start, start + len(snippet), snippet, confidence=conf, source="test", **attrs)
    assert text[f.start:f.end] == snippet
    return f


def write_kb(path: Path, docs: list) -> Path:
    with KBWriter(path) as kb:
        for d in docs:
            kb.add(d)
        kb.commit({"test": True})
    return path


T_OLD = "Năm 2022, tỷ lệ hồ sơ trực tuyến đạt 40%. Có 10/20 xã kết nối mạng."
T_NEW = "Tỷ lệ hồ sơ trực tuyến đạt 55% và 61% ở cấp huyện. Còn 5/0 xã chưa có mạng ổn định."
T_UNDATED = "Tỷ lệ hồ sơ trực tuyến đạt 90%."
T_NATIONAL = "Cả nước có 63 tỉnh; tỷ lệ hồ sơ trực tuyến đạt 30%. Nhiều nơi còn thiếu cán bộ công nghệ thông tin."
T_DISTRICT_A = "Tỷ lệ văn bản điện tử đạt 70%. Hạ tầng mạng còn yếu, chưa đáp ứng yêu cầu."
T_DISTRICT_B = "Tỷ lệ văn bản điện tử đạt 80%, kinh phí 2,5 tỷ đồng."


def sample_docs() -> list:
    """Six documents: two dated reports on one province, an undated one, a national one, two namesake districts."""
    return [
        Document("new", T_NEW, {"province": "Phú Yên", "published": "2024-02-01", "title": "Mới"}, [
            fact(T_NEW, "55%", "percentage", value=55.0, qualifier="exact", topic="online_services"),
            fact(T_NEW, "61%", "percentage", value=61.0, qualifier="exact", topic="online_services"),
            fact(T_NEW, "5/0", "ratio", numerator=5, denominator=0, unit="xã", topic="infrastructure"),
        ]),
        Document("old", T_OLD, {"province": "Phú Yên", "published": "2022-12-31"}, [
            fact(T_OLD, "40%", "percentage", value=40.0, qualifier="exact", topic="online_services"),
            fact(T_OLD, "10/20", "ratio", numerator=10, denominator=20, unit="xã", topic="infrastructure"),
        ]),
        Document("undated", T_UNDATED, {"province": "Phú Yên"}, [
            fact(T_UNDATED, "90%", "percentage", value=90.0, topic="online_services"),
        ]),
        Document("national", T_NATIONAL, {"published": "2024-05-05"}, [
            fact(T_NATIONAL, "63", "count", value=63.0, unit="tỉnh", topic="other"),
            fact(T_NATIONAL, "30%", "percentage", value=30.0, topic="online_services"),
            fact(T_NATIONAL, "Nhiều nơi còn thiếu cán bộ công nghệ thông tin.", "shortcoming",
                 topic="personnel", confidence=0.6),
        ]),
        Document("district-a", T_DISTRICT_A, {"province": "Tiền Giang", "district": "Châu Thành",
                                              "published": "2023-03-03"}, [
            fact(T_DISTRICT_A, "70%", "percentage", value=70.0, topic="document_management"),
            fact(T_DISTRICT_A, "Hạ tầng mạng còn yếu, chưa đáp ứng yêu cầu.", "shortcoming",
                 topic="infrastructure", confidence=0.7),
        ]),
        Document("district-b", T_DISTRICT_B, {"province": "Bến Tre", "district": "Châu Thành",
                                              "published": "2023-04-04"}, [
            fact(T_DISTRICT_B, "80%", "percentage", value=80.0, topic="document_management"),
            fact(T_DISTRICT_B, "2,5 tỷ đồng", "money", value=2.5e9, currency="VND", topic="budget"),
        ]),
    ]


@pytest.fixture(scope="module")
def kb_dir(tmp_path_factory):
    return write_kb(tmp_path_factory.mktemp("kb") / "kb", sample_docs())


@pytest.fixture(scope="module")
def frames(kb_dir):
    return load(kb_dir)


# ---------------------------------------------------------------- docs and API
def test_doctests():
    result = doctest.testmod(analysis, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 10
    assert result.failed == 0


def test_reexported_from_kb_without_import_cycle():
    import pipeline.kb as kb
    assert kb.indicators is indicators and kb.compare is compare
    assert kb.pivot_by_place is pivot_by_place and kb.shortcomings is shortcomings
    for mod in ("pipeline.analysis", "pipeline.kb", "pipeline.display"):
        proc = subprocess.run([sys.executable, "-c", f"import {mod}"], cwd=ROOT, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr


def test_example_frames_offsets_are_exact():
    facts, docs = example_frames()
    texts = dict(zip(docs["id"], docs["text"]))
    for f in facts.itertuples():
        assert texts[f.doc_id][f.start:f.end] == f.text


def test_as_frames_rejects_other_objects():
    with pytest.raises(TypeError, match="KB directory"):
        as_frames(42)


# ---------------------------------------------------------------- indicators
def test_indicators_rows_columns_and_dtypes(kb_dir, frames):
    ind = indicators(*frames)
    assert len(ind) == 11  # every numeric fact, no shortcoming
    assert set(ind["type"].astype(str)) == {"percentage", "ratio", "count", "money"}
    assert isinstance(ind["type"].dtype, pd.CategoricalDtype)
    assert isinstance(ind["topic"].dtype, pd.CategoricalDtype)
    assert list(ind["measure"].cat.categories) == ["percent", "count", "money"]
    for col in ("value", "share", "numerator", "denominator", "confidence"):
        assert ind[col].dtype == "float64", col
    assert pd.api.types.is_datetime64_any_dtype(ind["published"])
    assert ind["province"].dtype == "string" and ind["doc_id"].dtype == "string"
    # same result from the directory
    pd.testing.assert_frame_equal(ind, indicators(kb_dir))
    pd.testing.assert_frame_equal(ind, indicators(frames))


def test_indicators_values_comparable_across_types(frames):
    ind = indicators(*frames).set_index("text")
    assert ind.loc["10/20", "value"] == pytest.approx(50.0)
    assert ind.loc["10/20", "share"] == pytest.approx(0.5)
    assert (ind.loc["10/20", "numerator"], ind.loc["10/20", "denominator"]) == (10.0, 20.0)
    assert np.isnan(ind.loc["5/0", "value"]) and np.isnan(ind.loc["5/0", "share"])  # zero denominator
    assert ind.loc["40%", "value"] == 40.0 and ind.loc["40%", "share"] == pytest.approx(0.4)
    assert ind.loc["40%", "measure"] == "percent" and ind.loc["10/20", "measure"] == "percent"
    assert ind.loc["63", "measure"] == "count" and np.isnan(ind.loc["63", "share"])
    assert ind.loc["2,5 tỷ đồng", "value"] == 2.5e9 and ind.loc["2,5 tỷ đồng", "currency"] == "VND"


def test_indicators_join_place_and_date(frames):
    ind = indicators(*frames).set_index("text")
    assert ind.loc["40%", "province"] == "Phú Yên"
    assert ind.loc["40%", "published"] == pd.Timestamp("2022-12-31")
    assert pd.isna(ind.loc["63", "province"]) and pd.isna(ind.loc["90%", "published"])
    assert ind.loc["80%", "district"] == "Châu Thành" and ind.loc["80%", "province"] == "Bến Tre"


def test_indicators_sorted_by_date_undated_first(frames):
    ind = indicators(*frames)
    assert ind["doc_id"].iloc[0] == "undated"
    dated = ind["published"].dropna()
    assert dated.is_monotonic_increasing


def test_indicators_filters(frames):
    assert set(indicators(*frames, types=["ratio"])["text"]) == {"10/20", "5/0"}
    assert set(indicators(*frames, types="money")["text"]) == {"2,5 tỷ đồng"}
    assert set(indicators(*frames, topics=["budget"])["text"]) == {"2,5 tỷ đồng"}
    assert len(indicators(*frames, min_confidence=0.99)) == 0
    with pytest.raises(ValueError, match="unknown fact type"):
        indicators(*frames, types=["percent"])
    with pytest.raises(ValueError, match="unknown topic"):
        indicators(*frames, topics=["e-mail"])


def test_indicators_without_documents(frames):
    facts, _ = frames
    ind = indicators(facts)
    assert len(ind) == 11 and ind["province"].isna().all()


def test_duplicate_document_rows_do_not_multiply_facts(frames):
    facts, docs = frames
    doubled = pd.concat([docs, docs], ignore_index=True)
    assert len(indicators(facts, doubled)) == len(indicators(facts, docs))
    assert len(shortcomings(facts, doubled)) == len(shortcomings(facts, docs))


def test_hand_made_frames_with_missing_columns():
    facts = pd.DataFrame({"doc_id": ["x"], "type": ["percentage"], "start": [0], "end": [3],
                          "text": ["12%"], "value": [12], "topic": ["email"]})
    ind = indicators(facts, pd.DataFrame({"id": ["x"], "province": ["Huế"], "published": ["2023-01-02"]}))
    assert ind.loc[0, "value"] == 12.0 and ind.loc[0, "province"] == "Huế"
    assert ind.loc[0, "published"] == pd.Timestamp("2023-01-02")


# ---------------------------------------------------------------- pivot
def test_pivot_latest_value_by_published_date(frames):
    table = pivot_by_place(*frames)
    assert table.columns.names == ["stat", "topic"]
    assert table.index.name == "province"
    assert list(table.columns.get_level_values("stat").unique()) == ["latest", "n", "published"]
    # Phú Yên: undated 90% (oldest), 2022 40%, 2024 55% and 61% -> the first mention of the newest document
    assert table.loc["Phú Yên", ("latest", "online_services")] == 55.0
    assert table.loc["Phú Yên", ("n", "online_services")] == 4
    assert table.loc["Phú Yên", ("published", "online_services")] == pd.Timestamp("2024-02-01")
    # ratios count as percentages; the newer 5/0 has no value, so the latest value is 10/20 of 2022
    assert table.loc["Phú Yên", ("n", "infrastructure")] == 2
    assert table.loc["Phú Yên", ("latest", "infrastructure")] == 50.0
    assert table.loc["Phú Yên", ("published", "infrastructure")] == pd.Timestamp("2022-12-31")
    # national report: no province row
    assert "national" not in table.index and table.index.notna().all()
    assert table["n"].dtypes.eq("int64").all() and table["latest"].dtypes.eq("float64").all()
    # topics in the guideline order
    assert list(table["latest"].columns) == ["document_management", "online_services", "infrastructure"]


def test_pivot_district_level_keeps_namesakes_apart(frames):
    table = pivot_by_place(*frames, level="district")
    assert table.index.names == ["province", "district"]
    assert table.loc[("Tiền Giang", "Châu Thành"), ("latest", "document_management")] == 70.0
    assert table.loc[("Bến Tre", "Châu Thành"), ("latest", "document_management")] == 80.0
    assert len(table) == 2  # province-wide and national reports have no district


def test_pivot_other_measures_and_filters(frames):
    money = pivot_by_place(*frames, types=["money"])
    assert money.loc["Bến Tre", ("latest", "budget")] == 2.5e9
    only = pivot_by_place(*frames, topics=["online_services", "security"])
    assert list(only["n"].columns) == ["online_services", "security"]
    assert (only["n"]["security"] == 0).all()
    assert only["published"]["security"].isna().all()
    assert pd.api.types.is_datetime64_any_dtype(only["published"]["security"])


def test_pivot_empty_selection_keeps_columns(frames):
    table = pivot_by_place(*frames, topics=["security"], types=["count"])
    assert table.empty and len(table.index) == 0
    assert list(table["n"].columns) == ["security"]
    none = pivot_by_place(*frames, min_confidence=0.999)
    assert len(none) == 0 and len(none["latest"].columns) == 13
    district = pivot_by_place(*frames, level="district", min_confidence=0.999)
    assert district.index.names == ["province", "district"]


def test_pivot_rejects_unknown_level(frames):
    with pytest.raises(ValueError, match="level"):
        pivot_by_place(*frames, level="commune")


# ---------------------------------------------------------------- shortcomings
def test_shortcomings_with_topic_and_place(kb_dir):
    sc = shortcomings(kb_dir)
    assert list(sc["doc_id"]) == ["district-a", "national"]  # by date
    row = sc.iloc[0]
    assert row["text"] == "Hạ tầng mạng còn yếu, chưa đáp ứng yêu cầu."
    assert row["topic"] == "infrastructure" and row["district"] == "Châu Thành" and row["province"] == "Tiền Giang"
    assert isinstance(sc["topic"].dtype, pd.CategoricalDtype)
    assert list(shortcomings(kb_dir, topics=["personnel"])["doc_id"]) == ["national"]
    assert list(shortcomings(kb_dir, min_confidence=0.65)["doc_id"]) == ["district-a"]


# ---------------------------------------------------------------- compare
def test_compare_identical_runs(kb_dir):
    assert compare(kb_dir, kb_dir).empty
    same = compare(kb_dir, kb_dir, include_unchanged=True)
    assert (same["change"] == "unchanged").all() and len(same) == 13


def test_compare_new_lost_changed(tmp_path, kb_dir):
    docs = sample_docs()
    new_doc = docs[0]
    new_doc.facts[0].value = 56.0                # changed value
    new_doc.facts[1].topic = "one_stop_shop"     # changed topic
    del docs[1].facts[1]                         # lost ratio 10/20
    docs[2].facts.append(fact(T_UNDATED, "Tỷ lệ", "count", value=1.0, topic="other"))  # new (silly, but a fact)
    later = write_kb(tmp_path / "later", docs)

    diff = compare(kb_dir, later)
    assert list(diff.columns[:7]) == ["change", "doc_id", "type", "start", "end", "text", "changed_fields"]
    assert list(diff["change"].cat.categories) == ["new", "lost", "changed", "unchanged"]
    got = {(r.change, r.doc_id, r.text): r.changed_fields for r in diff.itertuples()}
    assert got == {("changed", "new", "55%"): "value", ("changed", "new", "61%"): "topic",
                   ("lost", "old", "10/20"): "", ("new", "undated", "Tỷ lệ"): ""}
    row = diff[diff["text"] == "55%"].iloc[0]
    assert (row["value_a"], row["value_b"]) == (55.0, 56.0)
    row = diff[diff["text"] == "61%"].iloc[0]
    assert (row["topic_a"], row["topic_b"]) == ("online_services", "one_stop_shop")
    lost = diff[diff["change"] == "lost"].iloc[0]
    assert lost["numerator_a"] == 10.0 and pd.isna(lost["numerator_b"])
    # reversed: new <-> lost
    back = compare(later, kb_dir)
    assert sorted(back["change"].astype(str)) == ["changed", "changed", "lost", "new"]


def test_compare_accepts_frames_and_pairs(frames):
    facts, docs = frames
    fewer = facts[facts["confidence"] >= 0.9]
    diff = compare(frames, fewer)
    assert set(diff["change"].astype(str)) == {"lost"}
    assert set(diff["type"].astype(str)) == {"shortcoming"}
    assert len(compare(facts, (fewer, docs))) == 2


def test_compare_missing_equals_missing_and_float_tolerance(frames):
    facts, _ = frames
    nudged = facts.copy()
    nudged["value"] = nudged["value"] * (1 + 1e-12)
    assert compare(facts, nudged).empty


def test_compare_pairs_duplicate_keys_in_order(frames):
    facts, _ = frames
    doubled = pd.concat([facts, facts], ignore_index=True)
    assert compare(doubled, doubled).empty
    diff = compare(facts, doubled)
    assert len(diff) == len(facts) and (diff["change"] == "new").all()


def test_compare_rejects_unknown_field(frames):
    with pytest.raises(ValueError, match="unknown fact field"):
        compare(frames, frames, fields=["valeur"])


def test_pivot_place_whose_only_value_is_missing(tmp_path):
    doc = sample_docs()[0]
    doc.facts = [doc.facts[2]]  # the 5/0 ratio alone
    table = pivot_by_place(write_kb(tmp_path / "kb", [doc]), types=["ratio"])
    assert table.loc["Phú Yên", ("n", "infrastructure")] == 1
    assert np.isnan(table.loc["Phú Yên", ("latest", "infrastructure")])
    assert pd.isna(table.loc["Phú Yên", ("published", "infrastructure")])
