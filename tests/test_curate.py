"""Curation: apply corrections, reattach after re-extraction, export/import round trips, agreement."""
from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest

from pipeline import curate
from pipeline.cli import main
from pipeline.review.store import ReviewError, ReviewStore
from pipeline.run import run_extract

try:
    from test_review_store import DOCS, fid, make_kb
except ImportError:  # tests run as a package
    from tests.test_review_store import DOCS, fid, make_kb

T1 = DOCS[0][1]


@pytest.fixture
def kb(tmp_path):
    return make_kb(tmp_path / "kb")


def read(path) -> list:
    return [json.loads(x) for x in Path(path).read_text(encoding="utf-8").splitlines() if x.strip()]


def review_d1(kb, reviewer="lan"):
    """accept, edit, reject, add on d1 and mark it done; reject on d2."""
    st = ReviewStore(kb, reviewer=reviewer)
    st.act("accept", "d1", fid("d1", "percentage", "85,5%"))
    st.act("edit", "d1", fid("d1", "percentage", "50%"), fields={"value": 49.5, "qualifier": "about"})
    st.act("reject", "d1", fid("d1", "count", "139"))
    s = T1.index("2023")
    st.act("add", "d1", ftype="count", start=s, end=s + 4, fields={"value": 2023, "unit": "năm"})
    st.act("done", "d1")
    st.act("reject", "d2", fid("d2", "count", "3"))
    return st


def facts_view(kb_or_curated, live_only=True) -> set:
    """(doc, type, start, end, fields...) of curated facts, for comparisons."""
    keys = ("value", "qualifier", "value_max", "numerator", "denominator", "unit", "currency", "topic")
    out = set()
    for f in read(Path(kb_or_curated) / "facts.jsonl"):
        if live_only and f["review"]["status"] == "rejected":
            continue
        out.add((f["doc_id"], f["type"], f["start"], f["end"]) + tuple(f.get(k) for k in keys))
    return out


def test_apply_writes_a_curated_kb(kb, tmp_path):
    review_d1(kb)
    machine = (kb / "facts.jsonl").read_bytes()
    summary = curate.apply(kb, tmp_path / "cur")
    assert (kb / "facts.jsonl").read_bytes() == machine
    facts = {f["id"]: f for f in read(tmp_path / "cur" / "facts.jsonl")}
    assert facts[fid("d1", "percentage", "85,5%")]["review"]["status"] == "accepted"
    edited = facts[fid("d1", "percentage", "50%")]
    assert edited["review"] == {"status": "edited", "reviewer": "lan", "time": edited["review"]["time"]}
    assert edited["value"] == 49.5 and edited["qualifier"] == "about"
    assert facts[fid("d1", "count", "139")]["review"]["status"] == "rejected"      # kept, marked
    s = T1.index("2023")
    added = facts[f"d1:count:{s}-{s + 4}"]
    assert added["review"]["status"] == "added" and added["text"] == "2023"
    assert added["sentence"]["start"] == 0                                          # sentence filled in
    implicit = facts[fid("d1", "ratio", "12/12")]["review"]
    assert implicit["status"] == "accepted" and implicit["implicit"] is True         # doc is done
    assert facts[fid("d3", "count", "580")]["review"]["status"] == "unreviewed"
    docs = {d["id"]: d for d in read(tmp_path / "cur" / "documents.jsonl")}
    assert docs["d1"]["meta"]["review_done"] is True and docs["d1"]["text"] == T1
    assert docs["d2"]["meta"]["review_done"] is False and docs["d2"]["meta"]["reviewed_by"] == ["lan"]
    assert docs["d1"]["fact_counts"]["count"] == 1                                  # 139 rejected, 2023 added
    manifest = json.loads((tmp_path / "cur" / "manifest.json").read_text())
    assert manifest["review"]["corrections"] == 6 and manifest["review"]["orphaned"] == []
    assert summary["facts"]["rejected"] == 2 and "6 corrections" in summary["text"]


def test_apply_refuses_to_overwrite_the_kb(kb):
    with pytest.raises(ReviewError, match="never modified"):
        curate.apply(kb, kb)


def _extract(tmp_path, texts: dict, kb):
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": k, "text": v}, ensure_ascii=False) + "\n" for k, v in texts.items()),
                   encoding="utf-8")
    run_extract([str(src)], str(kb), quiet=True)


def test_reextract_keeps_corrections_reattaches_and_reports_orphans(tmp_path):
    s1 = "Tỷ lệ hồ sơ trực tuyến đạt 85,5%."
    s2 = "Toàn huyện có 139 hồ sơ được xử lý qua mạng."
    s3 = "Hệ thống phần mềm đôi khi bị lỗi treo."
    kb = tmp_path / "kb"
    _extract(tmp_path, {"a": f"{s1} {s2} {s3}", "b": f"{s1} {s2}"}, kb)
    st = ReviewStore(kb, reviewer="lan")
    ids = {(f["doc_id"], f["text"]): f["id"] for f in read(kb / "facts.jsonl")}
    st.act("accept", "a", ids[("a", "85,5%")])
    st.act("edit", "a", ids[("a", "139")], fields={"unit": "hồ sơ trực tuyến"})
    st.act("reject", "a", ids[("a", s3)])
    st.act("add", "a", ftype="shortcoming", start=len(s1) + 1, end=len(s1) + 1 + len(s2))
    st.act("accept", "b", ids[("b", "85,5%")])
    log_before = (kb / "corrections.jsonl").read_bytes()
    # the articles change: "a" gains a 2-character prefix and loses its last sentence,
    # "b" gains a 10-character prefix (offsets move past the old span)
    _extract(tmp_path, {"a": f"- {s1} {s2}", "b": f"Xin chào. {s1} {s2}"}, kb)
    assert (kb / "corrections.jsonl").read_bytes() == log_before                    # extract kept the log
    summary = curate.apply(kb, tmp_path / "cur")
    facts = {(f["doc_id"], f["text"]): f for f in read(tmp_path / "cur" / "facts.jsonl")}
    assert facts[("a", "85,5%")]["review"]["status"] == "accepted"
    assert facts[("a", "139")]["unit"] == "hồ sơ trực tuyến"
    assert facts[("a", s2)]["review"]["status"] == "added" and facts[("a", s2)]["start"] == len(s1) + 3
    assert facts[("b", "85,5%")]["review"]["status"] == "accepted"
    assert summary["reattached"] == 4
    assert [(o["action"], o["fact_id"]) for o in summary["orphaned"]] == [("reject", ids[("a", s3)])]
    assert "1 orphaned" in summary["text"] and "orphaned: reject by lan" in summary["text"]


def _ls_tasks(path) -> list:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def test_export_formats(kb, tmp_path):
    review_d1(kb)
    curate.export(kb, "gold", tmp_path / "gold.jsonl")
    gold = read(tmp_path / "gold.jsonl")
    assert [g["id"] for g in gold] == ["d1", "d2"]                                 # reviewed documents
    g1 = gold[0]
    assert set(g1) == {"id", "text", "meta", "facts"} and g1["meta"] == {"province": "Đắk Nông"}
    for f in g1["facts"]:
        assert g1["text"][f["start"]:f["end"]] == f["text"]
        assert not {"confidence", "source", "review", "sentence"} & set(f)
    assert len(g1["facts"]) == 5                                                    # 5 machine - 1 rejected + 1 added
    curate.export(kb, "doccano", tmp_path / "d.jsonl")
    d = read(tmp_path / "d.jsonl")
    assert len(d) == 3 and d[0]["doc_id"] == "d1" and [T1.index("2023"), T1.index("2023") + 4, "count"] in d[0]["label"]
    curate.export(kb, "prodigy", tmp_path / "p.jsonl")
    p = read(tmp_path / "p.jsonl")
    assert p[0]["answer"] == "accept" and p[1]["answer"] == "ignore"
    assert {"start", "end", "label"} == set(p[0]["spans"][0])
    curate.export(kb, "label-studio", tmp_path / "ls.json")
    tasks = _ls_tasks(tmp_path / "ls.json")
    assert "annotations" in tasks[0] and "annotations" not in tasks[1]             # only done documents
    res = tasks[0]["annotations"][0]["result"]
    assert {r["type"] for r in res} == {"labels", "choices", "textarea"}
    assert all(r["value"]["text"] == T1[r["value"]["start"]:r["value"]["end"]] for r in res if r["type"] == "labels")
    assert '<Labels name="label"' in (tmp_path / "ls.json.config.xml").read_text()


def test_label_studio_round_trip_yields_the_same_facts(kb, tmp_path):
    review_d1(kb)
    st = ReviewStore(kb)
    st.act("done", "d2")
    st.act("done", "d3")
    curate.export(kb, "label-studio", tmp_path / "ls.json")
    # importing into the same KB changes nothing
    assert curate.import_file(tmp_path / "ls.json", "label-studio", kb)["actions"] == {}
    # importing into a fresh copy of the machine KB rebuilds the same curated facts
    fresh = tmp_path / "fresh"
    shutil.copytree(kb, fresh)
    (fresh / "corrections.jsonl").unlink()
    summary = curate.import_file(tmp_path / "ls.json", "label-studio", fresh, reviewer="ls")
    assert summary["documents"] == 3 and summary["actions"]["done"] == 3
    curate.apply(kb, tmp_path / "cur_a")
    curate.apply(fresh, tmp_path / "cur_b")
    assert facts_view(tmp_path / "cur_a") == facts_view(tmp_path / "cur_b")


def test_label_studio_changes_become_corrections(kb, tmp_path):
    review_d1(kb)
    curate.export(kb, "label-studio", tmp_path / "ls.json")
    tasks = _ls_tasks(tmp_path / "ls.json")
    ann = tasks[0]["annotations"][0]
    gone = next(r["id"] for r in ann["result"] if r["type"] == "labels" and r["value"]["text"] == "85,5%")
    ann["result"] = [r for r in ann["result"] if r["id"] != gone]
    for r in ann["result"]:
        if r["type"] == "textarea" and r["value"]["start"] == T1.index("12/12"):
            r["value"]["text"] = [json.dumps({"numerator": 11, "denominator": 12, "unit": "xã"})]
    s = T1.index("139")
    ann["result"].append({"id": "new1", "from_name": "label", "to_name": "text", "type": "labels",
                          "value": {"start": s, "end": s + 3, "text": "139", "labels": ["count"]}})
    ann["completed_by"] = {"email": "mai@example.org"}
    (tmp_path / "ls2.json").write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    summary = curate.import_file(tmp_path / "ls2.json", "label-studio", kb)
    assert summary["actions"] == {"accept": 1, "edit": 1, "reject": 1}             # 139 was rejected: accepted again
    curate.apply(kb, tmp_path / "cur")
    facts = {f["id"]: f for f in read(tmp_path / "cur" / "facts.jsonl")}
    assert facts[fid("d1", "percentage", "85,5%")]["review"] == {**facts[fid("d1", "percentage", "85,5%")]["review"],
                                                                   "status": "rejected", "reviewer": "mai@example.org"}
    assert facts[fid("d1", "ratio", "12/12")]["numerator"] == 11
    assert facts[fid("d1", "count", "139")]["review"]["status"] == "accepted"


def test_doccano_round_trip_and_changes(kb, tmp_path):
    review_d1(kb)
    curate.export(kb, "doccano", tmp_path / "d.jsonl")
    assert curate.import_file(tmp_path / "d.jsonl", "doccano", kb)["actions"] == {}
    fresh = tmp_path / "fresh"
    shutil.copytree(kb, fresh)
    (fresh / "corrections.jsonl").unlink()
    curate.import_file(tmp_path / "d.jsonl", "doccano", fresh)
    spans = lambda d: {x[:4] for x in facts_view(d)}                                 # noqa: E731
    curate.apply(kb, tmp_path / "a")
    curate.apply(fresh, tmp_path / "b")
    assert spans(tmp_path / "a") == spans(tmp_path / "b")
    items = read(tmp_path / "d.jsonl")
    text2 = items[1]["text"]
    items[1]["label"] = [lab for lab in items[1]["label"] if lab[2] != "money"] + \
        [[text2.index("Kinh phí"), len(text2) - 1, "shortcoming"]]
    (tmp_path / "d2.jsonl").write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in items))
    assert curate.import_file(tmp_path / "d2.jsonl", "doccano", kb)["actions"] == {"add": 1, "reject": 1}


def test_import_errors_are_clear(kb, tmp_path):
    with pytest.raises(ReviewError, match="no such file"):
        curate.import_file(tmp_path / "missing.json", "label-studio", kb)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"doc_id": "d1", "text": T1, "label": [[0, 4, "year"]]}) + "\n")
    with pytest.raises(ReviewError, match="unknown label 'year'"):
        curate.import_file(bad, "doccano", kb)
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps({"doc_id": "zz", "text": "khác", "label": []}) + "\n")
    assert "not in" in curate.import_file(other, "doccano", kb)["skipped"][0]


def test_agreement_f1_and_kappa(kb):
    a, b, c = ReviewStore(kb, reviewer="a"), ReviewStore(kb, reviewer="b"), ReviewStore(kb, reviewer="c")
    sc = fid("d1", "shortcoming", "Tỷ lệ sử dụng thư điện tử còn thấp, chưa đạt 50%.")
    a.act("reject", "d1", fid("d1", "count", "139"))
    a.act("done", "d2")
    b.act("reject", "d1", fid("d1", "count", "139"))
    b.act("reject", "d1", sc)
    b.act("accept", "d2", fid("d2", "money", "2,5 tỷ đồng"))
    c.act("done", "d3")
    rep = curate.agreement(kb)
    assert rep["reviewers"] == ["a", "b", "c"] and len(rep["pairs"]) == 1
    p = rep["pairs"][0]
    assert (p["a"], p["b"], p["documents"]) == ("a", "b", 2)
    assert p["types"]["percentage"]["f1"] == 1.0 and p["types"]["shortcoming"]["f1"] == 0.0
    assert p["types"]["count"] == {"a": 1, "b": 1, "both": 1, "f1": 1.0}              # d2's count, kept by both
    assert p["micro_f1"] == round(2 * 5 / (6 + 5), 4)
    sk = pytest.importorskip("sklearn.metrics")
    la, lb = [0, 0, 1, 0, 0], [0, 0, 0, 0, 0]
    assert p["shortcoming_kappa"]["sentences"] == 5 and p["shortcoming_kappa"]["agree"] == 4
    assert p["shortcoming_kappa"]["kappa"] == pytest.approx(sk.cohen_kappa_score(la, lb))
    assert "Cohen's kappa" in rep["text"]


def test_kappa_matches_sklearn():
    sk = pytest.importorskip("sklearn.metrics")
    rng = random.Random(4)
    for _ in range(20):
        a = [rng.randint(0, 1) for _ in range(30)]
        b = [x if rng.random() < 0.7 else 1 - x for x in a]
        assert curate._kappa(a, b) == pytest.approx(sk.cohen_kappa_score(a, b))
    assert curate._kappa([1, 1], [1, 1]) is None


def test_agreement_needs_two_reviewers(kb):
    ReviewStore(kb, reviewer="a").act("done", "d1")
    assert "needs two" in curate.agreement(kb)["text"]
    ReviewStore(kb, reviewer="b").act("done", "d2")
    assert "never reviewed the same" in curate.agreement(kb)["text"]


def test_cli_commands(kb, tmp_path, capsys):
    review_d1(kb)
    assert main(["apply", str(kb), "--out", str(tmp_path / "cur")]) == 0
    assert "3 documents (1 done)" in capsys.readouterr().out
    assert main(["export", str(kb), "--format", "label-studio", "--out", str(tmp_path / "ls.json")]) == 0
    assert main(["import", str(tmp_path / "ls.json"), "--format", "label-studio", "--kb", str(kb)]) == 0
    assert "0 corrections appended" in capsys.readouterr().out
    assert main(["agreement", str(kb), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["reviewers"] == ["lan"]
    assert main(["apply", str(tmp_path / "nokb"), "--out", str(tmp_path / "x")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: ") and "python -m pipeline extract" in err
    for cmd in ("review", "apply", "export", "import", "agreement"):
        with pytest.raises(SystemExit):
            main([cmd, "--help"])
        assert "Example:" in capsys.readouterr().out


# --------------------------------------------------------------------------- the loop
_FLAKY = ["Cổng dịch vụ công của tỉnh thường xuyên gián đoạn vào giờ cao điểm.",
          "Đường truyền internet tại các xã vùng sâu thường xuyên gián đoạn.",
          "Hệ thống hội nghị truyền hình thường xuyên gián đoạn trong các cuộc họp.",
          "Máy chủ của tỉnh thường xuyên gián đoạn do quá cũ.",
          "Phần mềm quản lý văn bản thường xuyên gián đoạn vào cuối tuần.",
          "Mạng nội bộ của huyện thường xuyên gián đoạn khi trời mưa."]
_GOOD = ["Tỷ lệ hồ sơ trực tuyến đạt 85,5%.", "Toàn tỉnh có 139 hồ sơ được xử lý qua mạng.",
         "Tỉnh đã cấp 1.200 chữ ký số cho cán bộ.", "Trang thông tin điện tử của huyện được nâng cấp.",
         "Huyện đã lắp đặt 40 điểm wifi công cộng.", "Kinh phí đầu tư hạ tầng là 2,5 tỷ đồng."]
_BAD = ["Tỷ lệ sử dụng thư điện tử còn thấp, chưa đạt 50%.", "Nhiều cán bộ chưa được đào tạo kỹ năng số.",
        "Phòng máy chủ bố trí thiếu khoa học.", "Một số xã chưa có cán bộ chuyên trách công nghệ thông tin.",
        "Việc thanh toán không dùng tiền mặt còn nhiều hạn chế.", "Hạ tầng mạng ở nhiều thôn còn yếu."]


def test_loop_extract_review_apply_train_extract_changes_the_corrected_sentence(tmp_path):
    """extract -> review (API) -> apply + train (train --corrections) -> extract: the sentence flips."""
    from fastapi.testclient import TestClient

    import pipeline
    from pipeline.review.app import create_app
    from pipeline.review.routes import get_store

    texts = {f"t{i}": " ".join([_GOOD[i], _FLAKY[i], _BAD[i]]) for i in range(len(_FLAKY))}
    kb = tmp_path / "kb"
    _extract(tmp_path, texts, kb)
    target = _FLAKY[0]

    def flagged(facts) -> bool:
        return any(f["type"] == "shortcoming" and f["text"] == target for f in facts)

    before = flagged(f for f in read(kb / "facts.jsonl") if f["doc_id"] == "t0")
    # the reviewer decides the "frequently interrupted" sentences are the opposite of what the machine said
    app = create_app()
    store = ReviewStore(kb, reviewer="lan")
    app.dependency_overrides[get_store] = lambda: store
    with TestClient(app) as c:
        for i, sent in enumerate(_FLAKY):
            doc = c.get("/api/doc", params={"id": f"t{i}"}).json()
            s = doc["text"].index(sent)
            hits = [f for f in doc["facts"] if f["type"] == "shortcoming" and f["start"] == s]
            if before:
                for f in hits:
                    assert c.post("/api/actions", json={"action": "reject", "doc_id": f"t{i}", "fact_id": f["key"],
                                                        "base": f["rev"]}).status_code == 200
            elif not hits:
                assert c.post("/api/actions", json={"action": "add", "doc_id": f"t{i}", "type": "shortcoming",
                                                    "start": s, "end": s + len(sent),
                                                    "fields": {"topic": "infrastructure"}}).status_code == 200
            assert c.post("/api/actions", json={"action": "done", "doc_id": f"t{i}"}).status_code == 200
    models = tmp_path / "models"
    assert main(["train", "--corrections", str(kb), "--out", str(models), "--no-cv", "--no-e2e", "--quiet"]) == 0
    nlp = pipeline.get_pipeline(shortcomings={"model_dir": str(models)}, topics={"model_dir": str(models)})
    after = nlp(pipeline.Document("t0", texts["t0"]))
    assert flagged(f.to_dict("t0") for f in after.facts) is (not before)
