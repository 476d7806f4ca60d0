"""The committed models: cards agree, loading is safe, components behave."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import pipeline
from pipeline.errors import ModelError
from pipeline.features import fact_records, sentence_records
from pipeline.models import (MODEL_DIR, ModelWarning, Scorer, ShortcomingComponent, TopicComponent, load_model,
                             sha256_file)

ROOT = Path(__file__).resolve().parents[1]
NAMES = ("shortcoming", "topic")

# Written for these tests: none of it comes from a publisher.
TEXT = ("Kết quả chuyển đổi số năm 2024\n"
        "Năm 2024, tỷ lệ hồ sơ trực tuyến của huyện đạt 62%. "
        "Toàn huyện có 45 tổ công nghệ số cộng đồng. "
        "Bên cạnh kết quả đạt được, huyện vẫn còn một số tồn tại, hạn chế. "
        "Hạ tầng mạng tại nhiều xã đã xuống cấp, đường truyền thường xuyên gián đoạn. "
        "Trình độ công nghệ thông tin của một bộ phận công chức còn hạn chế. "
        "Thời gian tới, huyện sẽ tập trung nâng cấp hạ tầng mạng.")

NOT_SHORTCOMINGS = [
    "Huyện cần tăng cường kiểm tra việc sử dụng phần mềm quản lý văn bản ở cấp xã.",
    "Đề nghị Sở Thông tin và Truyền thông hỗ trợ huyện nâng cấp đường truyền.",
    "Thời gian tới, tỉnh sẽ mở rộng dịch vụ công trực tuyến toàn trình.",
    "Tỉnh triển khai hệ thống giám sát tập trung nhằm hạn chế nguy cơ tấn công mạng.",
    "Việc số hóa hồ sơ nhằm hạn chế việc người dân phải đi lại nhiều lần.",
    "Từ xuất phát điểm thấp, huyện đã vươn lên đứng đầu tỉnh về cải cách hành chính.",
    "100% cơ quan, đơn vị đã sử dụng thư điện tử công vụ.",
]


@pytest.fixture(scope="module")
def committed():
    for name in NAMES:
        if not (MODEL_DIR / f"{name}.skops").is_file():
            pytest.skip("no committed models")
    return {name: load_model(MODEL_DIR / f"{name}.skops") for name in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_models_committed_model_matches_its_card(name):
    path = MODEL_DIR / f"{name}.skops"
    if not path.is_file():
        pytest.skip("no committed model")
    card = json.loads((MODEL_DIR / f"{name}.json").read_text(encoding="utf-8"))
    assert card["sha256"] == sha256_file(path), f"{path.name} and its card disagree: retrain with python -m pipeline train"
    assert card["bytes"] == path.stat().st_size
    assert path.stat().st_size < 5 * 1024 * 1024
    assert (MODEL_DIR / f"{name}.md").is_file()
    assert card["sha256"] in (MODEL_DIR / f"{name}.md").read_text(encoding="utf-8")


def test_models_scorer_equals_predict_proba(committed):
    doc = pipeline.get_pipeline(names=("clean", "segment", "patterns"))(pipeline.Document("d", TEXT))
    sm, _ = committed["shortcoming"]
    recs = sentence_records(doc)
    assert np.allclose(Scorer(sm).predict_proba(recs), sm.predict_proba(recs), rtol=0, atol=1e-12)
    tm, _ = committed["topic"]
    frecs = fact_records(doc, [f for f in doc.facts if f.type != "legal_ref"])
    assert frecs
    assert np.allclose(Scorer(tm).predict_proba(frecs), tm.predict_proba(frecs), rtol=0, atol=1e-12)


def test_models_extract_uses_models(committed):
    doc = pipeline.extract(TEXT)
    sc = [f for f in doc.facts if f.type == "shortcoming"]
    assert sc and all(f.source == "model:shortcoming" for f in sc)
    thr = committed["shortcoming"][1]["threshold"]
    assert all(thr <= f.confidence <= 1.0 for f in sc)
    assert any("xuống cấp" in f.text for f in sc)
    assert not any(f.text.startswith("Thời gian tới") for f in sc)
    assert all(f.topic in pipeline.TOPICS for f in doc.facts if f.type != "legal_ref")


@pytest.mark.parametrize("sentence", NOT_SHORTCOMINGS)
def test_models_recommendation_aim_achievement_not_shortcoming(committed, sentence):
    doc = pipeline.extract(sentence)
    assert not [f for f in doc.facts if f.type == "shortcoming"]


def test_models_threshold_is_monotonic(committed, tmp_path):
    from pipeline.cli import main

    inp = tmp_path / "in.jsonl"
    inp.write_text(json.dumps({"id": "d", "text": TEXT}, ensure_ascii=False) + "\n", encoding="utf-8")
    found = []
    for thr in (0.05, 0.3, 0.6, 0.9, 0.99):
        out = tmp_path / f"kb{thr}"
        assert main(["extract", str(inp), "--out", str(out), "--quiet", "--shortcoming-threshold", str(thr)]) == 0
        facts = [json.loads(line) for line in (out / "facts.jsonl").read_text(encoding="utf-8").splitlines()]
        found.append({(f["start"], f["end"]) for f in facts if f["type"] == "shortcoming"})
    for lower, higher in zip(found, found[1:]):
        assert higher <= lower
    assert len(found[0]) > len(found[-1])
    spans = [pipeline.extract(TEXT, shortcoming_threshold=t).facts for t in (0.2, 0.8)]
    assert len([f for f in spans[0] if f.type == "shortcoming"]) >= len([f for f in spans[1] if f.type == "shortcoming"])


def test_models_refuse_untrusted_types(tmp_path):
    import skops.io as sio
    from sklearn.preprocessing import FunctionTransformer

    path = tmp_path / "evil.skops"
    sio.dump(FunctionTransformer(func=shutil.rmtree), path)
    with pytest.raises(ModelError, match="E101: refusing to load"):
        load_model(path)


def test_models_warn_on_other_sklearn_version_and_hash(committed, tmp_path):
    for suffix in (".skops", ".json"):
        shutil.copy(MODEL_DIR / f"topic{suffix}", tmp_path / f"topic{suffix}")
    card = json.loads((tmp_path / "topic.json").read_text(encoding="utf-8"))
    card["sklearn_version"] = "0.24.0"
    card["sha256"] = "0" * 64
    (tmp_path / "topic.json").write_text(json.dumps(card), encoding="utf-8")
    with pytest.warns(ModelWarning) as rec:
        load_model(tmp_path / "topic.skops")
    text = " ".join(str(w.message) for w in rec)
    assert "scikit-learn 0.24.0" in text and "sha256 differs" in text


def test_models_create_without_model(tmp_path):
    assert ShortcomingComponent.create(None) is not None or not (MODEL_DIR / "shortcoming.skops").is_file()
    with pytest.raises(ModelError, match="E100"):
        ShortcomingComponent.create(None, model_dir=tmp_path)
    with pytest.raises(ModelError, match="E100"):
        TopicComponent.create(None, model_dir=tmp_path)
    with pytest.raises(ModelError, match="E100: model file not found"):
        load_model(tmp_path / "missing.skops")


def test_models_threshold_out_of_range(committed):
    with pytest.raises(ValueError, match="between 0 and 1"):
        ShortcomingComponent(committed["shortcoming"][0], threshold=1.5)


# ----------------------------------------------------------------------------- speed machinery: same numbers
def test_models_syllables():
    from pipeline.features import syllables

    assert syllables("Tỷ lệ đạt 33,2%: còn thấp (năm 2024).") == ["tỷ", "lệ", "đạt", "00", "0%", "còn", "thấp",
                                                                  "năm", "0000"]
    assert syllables("“Chuyển đổi số”… e-mail; 4G/5G") == ["chuyển", "đổi", "số", "e", "mail", "0g", "0g"]
    nfd = "Hạ tầng còn thiếu".encode("utf-8").decode("utf-8")
    import unicodedata
    assert syllables(unicodedata.normalize("NFD", nfd)) == syllables(nfd) == ["hạ", "tầng", "còn", "thiếu"]


def test_models_gate():
    from pipeline.features import GATE, gate_matches

    for sentence in ("Hạ tầng mạng tại nhiều xã đã xuống cấp.", "Tỷ lệ hồ sơ trực tuyến chỉ đạt 20%.",
                     "Công chức vẫn dùng hộp thư cá nhân.", "Đường truyền thường xuyên bị gián đoạn.",
                     "Phần mềm không hoạt động ổn định.", "Tỉnh đứng cuối bảng xếp hạng."):
        assert gate_matches(sentence, GATE), sentence
    for sentence in ("Tỉnh chỉ đạo các sở triển khai kế hoạch.", "Năm 2024, tỷ lệ hồ sơ trực tuyến đạt 62%.",
                     "Toàn huyện có 45 tổ công nghệ số cộng đồng."):
        assert not gate_matches(sentence, GATE), sentence


def test_models_gated_sentences_get_probability_zero(committed):
    from pipeline.features import gate_candidates

    comp = ShortcomingComponent(committed["shortcoming"][0])
    assert comp.gate is not None
    doc = pipeline.get_pipeline(names=("clean", "segment"))(pipeline.Document("d", TEXT))
    cand = gate_candidates(doc)
    probs = comp.probabilities(doc)
    assert 0 < len(cand) < len(doc.sentences)
    assert all(probs[i] == 0.0 for i in range(len(doc.sentences)) if i not in cand)
    full = comp.scorer.predict_proba(sentence_records(doc))[:, 1]
    assert np.allclose(probs[cand], full[cand], rtol=0, atol=1e-12)


BRACKETS = ("Chỉ số DTI của tỉnh đạt 0,4595, tăng 15,4% so với năm trước; xếp thứ 12/63. Cổng thông tin điện tử "
            "của Bộ Y tế có nhiều lượt truy cập nhất (14,58 triệu lượt), tiếp đến là Bộ Tài chính (6,8 triệu "
            "lượt). Tỷ lệ hồ sơ trực tuyến đạt 54% và 1.215 dịch vụ công được tích hợp, trong đó 420 dịch vụ "
            "toàn trình. Tuy nhiên, hạ tầng mạng ở 14 thôn vùng cao vẫn còn thiếu, chập chờn.")


@pytest.mark.parametrize("text", [TEXT, BRACKETS, "İstanbul: " + BRACKETS])  # "İ": lower-casing changes the length
def test_models_fast_scoring_equals_predict_proba(committed, text):
    import unicodedata

    for t in (text, unicodedata.normalize("NFD", text)):
        doc = pipeline.get_pipeline(names=("clean", "segment", "patterns"))(pipeline.Document("d", t))
        sm, _ = committed["shortcoming"]
        recs = sentence_records(doc)
        assert np.allclose(Scorer(sm).predict_proba(recs), sm.predict_proba(recs), rtol=0, atol=1e-12)
        tm, _ = committed["topic"]
        facts = [f for f in doc.facts if f.type != "legal_ref"]
        # and a fact outside every sentence
        facts.append(pipeline.Fact("count", len(t) - 3, len(t), t[-3:]))
        doc.sentences = doc.sentences[:-1]
        frecs = fact_records(doc, facts)
        assert np.allclose(Scorer(tm).predict_proba(frecs), tm.predict_proba(frecs), rtol=0, atol=1e-12)
        comp = TopicComponent(tm)
        assert comp.topics(doc, facts) == comp.predict(doc, facts)[0]


def test_models_keyword_fields_equal_single_field_featurizers():
    from pipeline.features import TopicKeywordFields, TopicKeywords

    doc = pipeline.get_pipeline(names=("clean", "segment", "patterns"))(pipeline.Document("d", BRACKETS))
    recs = fact_records(doc, [f for f in doc.facts if f.type != "legal_ref"])
    fields, weights = ("clause", "window", "sentence", "doc", "pre", "unit"), (1.0, 1.0, 0.5, 0.3, 1.5, 1.0)
    multi = TopicKeywordFields(fields=fields, weights=weights).fit().transform(recs).toarray()
    single = np.hstack([TopicKeywords(f, weight=w).fit().transform(recs).toarray() for f, w in zip(fields, weights)])
    assert multi.shape == single.shape and np.allclose(multi, single) and multi.any()
    no_loc = [{k: v for k, v in r.items() if k != "_loc"} for r in recs]  # records made by hand: the same values
    for r in no_loc:
        r["doc_tokens"] = [t for s in doc.sentences for t in pipeline.features.syllables(s.text)]
    assert np.allclose(TopicKeywordFields(fields=fields[:3], weights=weights[:3]).fit().transform(no_loc).toarray(),
                       multi[:, :39])


def test_models_document_cache_is_dropped():
    import pickle

    doc = pipeline.extract(TEXT)
    assert "_clf" not in doc.user_data
    part = pipeline.get_pipeline(names=("clean", "segment", "patterns", "shortcomings"))(pipeline.Document("d", TEXT))
    assert "_clf" in part.user_data
    back = pickle.loads(pickle.dumps(part))
    assert back.user_data.get("_clf") is None and [f.text for f in back.facts] == [f.text for f in part.facts]
