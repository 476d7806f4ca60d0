"""Training: data loading and its errors, determinism, model cards, the ``train`` command."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from pipeline import cli
from pipeline.features import sentence_records
from pipeline.models import load_model, sha256_file
from pipeline.train import TrainingDataError, load_kb, load_training_data, train_models

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
ROOT = Path(__file__).resolve().parents[1]

# Hand-written paragraphs (no publisher's text): (label, topic, sentence).
_PARAS = [
    [("N", "governance", "Huyện đã ban hành kế hoạch chuyển đổi số năm 2024."),
     ("S", "infrastructure", "Tuy nhiên, nhiều máy tính ở cấp xã đã cũ và thường xuyên hư hỏng."),
     ("N", "infrastructure", "Huyện cần bố trí kinh phí thay thế máy tính cho các xã.")],
    [("N", "online_services", "Tỷ lệ hồ sơ trực tuyến của tỉnh đạt 70%."),
     ("S", "online_services", "Một số dịch vụ công trực tuyến vẫn chưa phát sinh hồ sơ."),
     ("N", "online_services", "Thời gian tới, tỉnh sẽ rà soát các dịch vụ công ít hồ sơ.")],
    [("S", "personnel", "Đội ngũ cán bộ công nghệ thông tin còn thiếu và yếu."),
     ("N", "personnel", "Tỉnh đã tổ chức nhiều lớp tập huấn kỹ năng số cho công chức."),
     ("N", "security", "Các cơ quan cài phần mềm diệt virus nhằm hạn chế nguy cơ mất an toàn thông tin.")],
    [("N", "web_portal", "Trang thông tin điện tử của huyện được cập nhật thường xuyên."),
     ("S", "web_portal", "Trang thông tin điện tử của một số xã chậm cập nhật tin, bài."),
     ("N", "governance", "Đề nghị các xã khắc phục ngay những tồn tại nêu trên.")],
    [("S", "digital_society", "Nhiều người dân vẫn chưa có điện thoại thông minh."),
     ("N", "digital_society", "Toàn huyện đã thành lập 96 tổ công nghệ số cộng đồng."),
     ("S", "budget", "Kinh phí cho chuyển đổi số còn hạn hẹp.")],
]


def _doc(i, para):
    text, facts = "", []
    for label, topic, sent in para:
        if text:
            text += " "
        start = len(text)
        text += sent
        if label == "S":
            facts.append({"type": "shortcoming", "start": start, "end": len(text), "text": sent, "topic": topic})
    return {"id": f"t{i}", "text": text, "meta": {}, "facts": facts}


@pytest.fixture()
def small_gold(tmp_path):
    path = tmp_path / "small.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for i, para in enumerate(_PARAS):
            fh.write(json.dumps(_doc(i, para), ensure_ascii=False) + "\n")
    return path


def _probs(model, docs):
    from pipeline.language import Pipeline
    from pipeline.document import Document
    nlp = Pipeline(("clean", "segment"))
    recs = [r for d in docs for r in sentence_records(nlp(Document(d["id"], d["text"])))]
    return model.predict_proba(recs)


def test_train_deterministic_and_round_trip(small_gold, tmp_path):
    docs = load_training_data([small_gold])
    cards_a = train_models(docs, tmp_path / "a", cv=False, seed=0, data_files=[small_gold])
    cards_b = train_models(load_training_data([small_gold]), tmp_path / "b", cv=False, seed=0)
    ma, _ = load_model(tmp_path / "a" / "shortcoming.skops")
    mb, _ = load_model(tmp_path / "b" / "shortcoming.skops")
    pa, pb = _probs(ma, docs), _probs(mb, docs)
    assert np.array_equal(pa, pb)
    assert cards_a["shortcoming"]["threshold"] == 0.5
    assert cards_a["topic"]["examples"]["facts"] == cards_b["topic"]["examples"]["facts"] == 6


def test_train_saved_model_round_trips_identically(small_gold, tmp_path):
    from pipeline.train import build_shortcoming_model, prepare
    import skops.io as sio

    docs = load_training_data([small_gold])
    P = prepare(docs)
    model = build_shortcoming_model().fit(P.sent_records, P.sent_y)
    sio.dump(model, tmp_path / "m.skops")
    loaded, card = load_model(tmp_path / "m.skops")
    assert card == {}
    assert np.array_equal(model.predict_proba(P.sent_records), loaded.predict_proba(P.sent_records))


def test_train_fits_the_shortcoming_model_on_gated_sentences(small_gold, tmp_path):
    from pipeline.features import GATE, gate_matches

    cards = train_models(load_training_data([small_gold]), tmp_path, cv=False, seed=0)
    ex = cards["shortcoming"]["examples"]
    sentences = [sent for para in _PARAS for _, _, sent in para]
    assert ex["scored_by_the_gate"] == sum(gate_matches(s_, GATE) for s_ in sentences) < ex["sentences"]
    assert ex["shortcoming_outside_the_gate"] == 0
    assert "gate" in cards["shortcoming"]["task"]


def test_train_gate_off_scores_every_sentence(small_gold, tmp_path):
    from pipeline.models import ShortcomingComponent

    train_models(load_training_data([small_gold]), tmp_path, cv=False, seed=0, sc_settings={"gate": False})
    comp = ShortcomingComponent.create(model_dir=tmp_path)
    assert comp.gate is None
    from pipeline.language import Pipeline
    from pipeline.document import Document
    doc = Pipeline(("clean", "segment"))(Document("d", "Huyện đã ban hành kế hoạch. Trời hôm nay đẹp."))
    assert (comp.probabilities(doc) > 0).all()  # no sentence is left out


def test_train_command_regenerates_card(small_gold, tmp_path, capsys):
    out = tmp_path / "models"
    assert cli.main(["train", "--data", str(small_gold), "--out", str(out), "--folds", "2", "--no-e2e",
                     "--quiet"]) == 0
    card = json.loads((out / "shortcoming.json").read_text(encoding="utf-8"))
    assert card["sha256"] == sha256_file(out / "shortcoming.skops")
    assert card["training_data"][0]["sha256"] == sha256_file(small_gold)
    assert card["cross_validation"]["folds"] == 2
    assert 0.05 <= card["threshold"] <= 0.95
    assert "per_class" in card["cross_validation"]["per_source"]["all"]
    assert "confusion" in card["cross_validation"]["per_source"]["all"]
    assert (out / "shortcoming.md").read_text(encoding="utf-8").startswith("# Model card: `shortcoming`")
    (out / "shortcoming.json").write_text("{}", encoding="utf-8")
    assert cli.main(["train", "--data", str(small_gold), "--out", str(out), "--no-cv", "--quiet"]) == 0
    card = json.loads((out / "shortcoming.json").read_text(encoding="utf-8"))
    assert card["sha256"] == sha256_file(out / "shortcoming.skops")
    topic = json.loads((out / "topic.json").read_text(encoding="utf-8"))
    assert topic["sha256"] == sha256_file(out / "topic.skops")


def test_train_file_without_shortcoming_labels_names_file(tmp_path, capsys):
    path = tmp_path / "numbers_only.jsonl"
    doc = {"id": "x", "text": "Tỷ lệ đạt 50%.", "meta": {},
           "facts": [{"type": "percentage", "start": 10, "end": 13, "text": "50%", "value": 50.0, "topic": "other"}]}
    path.write_text(json.dumps(doc, ensure_ascii=False) + "\n" + json.dumps({**doc, "id": "y"}) + "\n",
                    encoding="utf-8")
    with pytest.raises(TrainingDataError, match=r"numbers_only\.jsonl: no shortcoming labels.*lines 1-2"):
        load_training_data([path])
    assert cli.main(["train", "--data", str(path), "--out", str(tmp_path / "m")]) == 1
    assert "numbers_only.jsonl" in capsys.readouterr().err


def test_train_unknown_topic_names_file_and_line(small_gold, tmp_path):
    lines = small_gold.read_text(encoding="utf-8").splitlines()
    bad = json.loads(lines[2])
    bad["facts"][0]["topic"] = "egov"
    lines[2] = json.dumps(bad, ensure_ascii=False)
    path = tmp_path / "bad_topic.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(TrainingDataError, match=r"bad_topic\.jsonl:3: .*unknown topic 'egov'"):
        load_training_data([path])


def test_train_sentence_file_line_without_label(tmp_path):
    path = tmp_path / "sents.jsonl"
    path.write_text('{"text": "Máy tính còn thiếu.", "shortcoming": true}\n{"text": "Không nhãn."}\n',
                    encoding="utf-8")
    with pytest.raises(TrainingDataError, match=r"sents\.jsonl:2: no shortcoming labels"):
        load_training_data([path])


def test_train_reads_reviewed_kb(tmp_path):
    kb = tmp_path / "kb"
    kb.mkdir()
    docs = [_doc(i, p) for i, p in enumerate(_PARAS[:3])]
    with open(kb / "documents.jsonl", "w", encoding="utf-8") as fh:
        for d in docs:
            fh.write(json.dumps({"id": d["id"], "meta": {}, "text": d["text"]}, ensure_ascii=False) + "\n")
    with open(kb / "facts.jsonl", "w", encoding="utf-8") as fh:
        for d in docs[:2]:
            for k, f in enumerate(d["facts"]):
                review = {"status": "rejected" if d["id"] == "t1" else "accepted", "reviewer": "a", "time": "t"}
                fh.write(json.dumps({"doc_id": d["id"], **f, "review": review}, ensure_ascii=False) + "\n")
        for f in docs[2]["facts"]:  # not reviewed: its document is left out
            fh.write(json.dumps({"doc_id": "t2", **f}, ensure_ascii=False) + "\n")
    got = {d["id"]: d for d in load_kb(kb)}
    assert set(got) == {"t0", "t1"}
    assert got["t1"]["facts"] == []  # rejected facts dropped
    assert [f["type"] for f in got["t0"]["facts"]] == ["shortcoming"]


@pytest.mark.slow
@pytest.mark.skipif(not (SHARED / "corpus" / "dev" / "gold.jsonl").is_file(), reason="needs ../shared dev gold")
def test_train_dev_gold_cross_validation_meets_targets(tmp_path):
    data = [SHARED / "corpus" / "dev" / "gold.jsonl", ROOT / "corpus" / "samples" / "gold.jsonl",
            ROOT / "corpus" / "annotations" / "hard_negatives.jsonl", ROOT / "corpus" / "annotations" / "topics.jsonl"]
    cards = train_models(load_training_data(data), tmp_path, e2e=False, data_files=data)
    # the source is named by its path as given, which depends on where ../shared is (a link in some set-ups)
    dev = next(k for k in cards["shortcoming"]["cross_validation"]["per_source"] if k.endswith("corpus/dev/gold.jsonl"))
    sc = cards["shortcoming"]["cross_validation"]["per_source"][dev]
    tp = cards["topic"]["cross_validation"]["per_source"][dev]
    assert sc["model"]["f1"] >= 0.85 and sc["model"]["f1"] > sc["baseline"]["f1"]
    # the targets: shortcoming F1 >= 0.85 and topic accuracy >= 0.85 (docs/classifiers.md)
    assert tp["model"]["accuracy"] >= 0.85 and tp["model"]["accuracy"] > tp["baseline"]["accuracy"]
    # the gate loses no shortcoming sentence of the training data
    assert cards["shortcoming"]["examples"]["shortcoming_outside_the_gate"] == 0
