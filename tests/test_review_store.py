"""The corrections log: append-only, locked, fsynced, torn-line safe; the review state is its fold."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from pipeline.document import Document, Fact
from pipeline.kb import KBWriter
from pipeline.review import store as store_mod
from pipeline.review.store import (Conflict, CorrectionLog, InvalidAction, KBNotFound, NotFound, ReviewStore,
                                   clean_fields)

ROOT = Path(__file__).resolve().parent.parent

# hand-written texts (no corpus text in tests)
DOCS = [
    ("d1", "Năm 2023, tỷ lệ hồ sơ trực tuyến đạt 85,5%. Toàn tỉnh có 12/12 xã có wifi và 139 hồ sơ được xử lý. "
           "Tỷ lệ sử dụng thư điện tử còn thấp, chưa đạt 50%.",
     {"province": "Đắk Nông"},
     [("percentage", "85,5%", dict(value=85.5, qualifier="exact", topic="online_services", confidence=0.9)),
      ("ratio", "12/12", dict(numerator=12, denominator=12, unit="xã", topic="infrastructure", confidence=0.95)),
      ("count", "139", dict(value=139, unit="hồ sơ", topic="one_stop_shop", confidence=0.7)),
      ("percentage", "50%", dict(value=50.0, qualifier="under", topic="email", confidence=0.95)),
      ("shortcoming", "Tỷ lệ sử dụng thư điện tử còn thấp, chưa đạt 50%.", dict(topic="email", confidence=0.6))]),
    ("d2", "<script>window.__pwned = 1</script> Huyện có 3 điểm wifi <b>mới</b>. Kinh phí là 2,5 tỷ đồng.",
     {"province": "Lâm Đồng"},
     [("count", "3", dict(value=3, unit="điểm wifi", topic="infrastructure", confidence=0.5)),
      ("money", "2,5 tỷ đồng", dict(value=2.5e9, currency="VND", topic="budget", confidence=0.95))]),
    ("d3", "Tỉnh Lâm Đồng có 580 thành viên tổ công nghệ số.", {"province": "Lâm Đồng"},
     [("count", "580", dict(value=580, unit="thành viên", topic="digital_society", confidence=0.99))]),
]


def make_kb(path) -> Path:
    """A tiny KB written by the project's own KBWriter."""
    path = Path(path)
    with KBWriter(path) as kb:
        for doc_id, text, meta, facts in DOCS:
            doc = Document(doc_id, text, meta=dict(meta))
            for ftype, snippet, fields in facts:
                s = text.index(snippet)
                doc.facts.append(Fact(ftype, s, s + len(snippet), snippet, source="test", **fields))
            kb.add(doc)
        kb.commit({"documents": len(DOCS)})
    return path


def fid(doc_id: str, ftype: str, snippet: str) -> str:
    text = next(t for d, t, _, _ in DOCS if d == doc_id)
    s = text.index(snippet)
    return f"{doc_id}:{ftype}:{s}-{s + len(snippet)}"


@pytest.fixture
def kb(tmp_path):
    return make_kb(tmp_path / "kb")


def lines(kb_dir) -> list:
    return (Path(kb_dir) / "corrections.jsonl").read_text(encoding="utf-8").splitlines()


def test_store_bad_kb_dir_says_what_to_do(tmp_path):
    with pytest.raises(KBNotFound, match="python -m pipeline extract"):
        ReviewStore(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(KBNotFound, match="facts.jsonl is missing"):
        ReviewStore(tmp_path / "empty")


def test_store_append_writes_one_fsynced_line_and_keeps_facts(kb, monkeypatch):
    facts_before = (kb / "facts.jsonl").read_bytes()
    synced = []
    real = os.fsync
    monkeypatch.setattr(store_mod.os, "fsync", lambda fd: (synced.append(fd), real(fd)))
    st = ReviewStore(kb, reviewer="lan")
    rec = st.act("accept", "d1", fid("d1", "percentage", "85,5%"))
    assert synced, "the append must be fsynced before returning"
    on_disk = [json.loads(x) for x in lines(kb)]
    assert on_disk == [rec]
    assert set(rec) >= {"id", "reviewer", "time", "action", "doc_id", "fact_id", "before", "after"}
    assert rec["reviewer"] == "lan" and rec["before"]["status"] == "unreviewed"
    assert (kb / "facts.jsonl").read_bytes() == facts_before


def test_store_fold_applies_every_action(kb):
    st = ReviewStore(kb)
    st.act("accept", "d1", fid("d1", "percentage", "85,5%"), reviewer="a")
    st.act("reject", "d1", fid("d1", "count", "139"), reviewer="a")
    st.act("edit", "d1", fid("d1", "ratio", "12/12"), fields={"unit": "xã, phường", "topic": "governance"}, reviewer="a")
    text = DOCS[0][1]
    s = text.index("2023")
    st.act("add", "d1", ftype="count", start=s, end=s + 4, fields={"value": "2023", "unit": "năm"}, reviewer="a")
    sc = fid("d1", "shortcoming", "Tỷ lệ sử dụng thư điện tử còn thấp, chưa đạt 50%.")
    st.act("span", "d1", sc, start=text.index("Tỷ lệ sử dụng"), end=len(text) - 1, reviewer="a")
    st.act("done", "d1", reviewer="a")
    doc = st.document("d1")
    by = {f["key"]: f for f in doc["facts"]}
    assert by[fid("d1", "percentage", "85,5%")]["status"] == "accepted"
    assert by[fid("d1", "count", "139")]["status"] == "rejected"
    assert by[fid("d1", "ratio", "12/12")]["unit"] == "xã, phường"
    assert by[fid("d1", "ratio", "12/12")]["status"] == "edited"
    added = by[f"d1:count:{s}-{s + 4}"]
    assert added["status"] == "added" and added["value"] == 2023 and added["text"] == "2023"
    assert by[sc]["text"].endswith("50%") and by[sc]["status"] == "edited"
    assert doc["done"]["reviewer"] == "a"
    assert st.progress()["done"] == 1


def test_store_undo_reverts_and_undo_of_undo_redoes(kb):
    st = ReviewStore(kb)
    f = fid("d1", "count", "139")
    rej = st.act("reject", "d1", f, reviewer="a")
    st.act("accept", "d1", fid("d1", "percentage", "50%"), reviewer="b")
    u = st.undo("a")                        # a's last action, not b's
    assert u["action"] == "undo" and u["target"] == rej["id"]
    assert st.state().resolve("d1", f)["status"] == "unreviewed"
    assert st.state().resolve("d1", fid("d1", "percentage", "50%"))["status"] == "accepted"
    st.undo("a", action_id=u["id"])         # redo
    assert st.state().resolve("d1", f)["status"] == "rejected"
    with pytest.raises(Conflict):
        st.undo("a", action_id=u["id"])     # already undone
    with pytest.raises(NotFound):
        st.undo("nobody")
    assert len(lines(kb)) == 4              # nothing is ever removed


def test_store_stale_base_is_refused_without_base_last_writer_wins(kb):
    one, two = ReviewStore(kb), ReviewStore(kb)   # two tabs / two servers on the same KB
    f = fid("d1", "ratio", "12/12")
    seen = one.state().resolve("d1", f)["rev"]
    one.act("edit", "d1", f, fields={"unit": "xã"}, reviewer="a", base=seen)
    with pytest.raises(Conflict, match="changed by a"):
        two.act("edit", "d1", f, fields={"unit": "thôn"}, reviewer="b", base=seen)
    two.act("edit", "d1", f, fields={"topic": "governance"}, reviewer="b")   # no base: per-field last writer wins
    fact = ReviewStore(kb).state().resolve("d1", f)["fact"]
    assert fact["unit"] == "xã" and fact["topic"] == "governance"
    assert len(lines(kb)) == 2


def test_store_unknown_ids_and_bad_values(kb):
    st = ReviewStore(kb)
    with pytest.raises(NotFound, match="unknown fact"):
        st.act("accept", "d1", "d1:count:0-1")
    with pytest.raises(NotFound, match="unknown document"):
        st.act("accept", "zz", "zz:count:0-1")
    with pytest.raises(InvalidAction):
        st.act("edit", "d1", fid("d1", "count", "139"), fields={"qualifier": "roughly"})
    with pytest.raises(InvalidAction):
        st.act("span", "d1", fid("d1", "count", "139"), start=5, end=5000)
    with pytest.raises(Conflict):
        st.act("add", "d1", ftype="count", start=DOCS[0][1].index("139"), end=DOCS[0][1].index("139") + 3)
    assert lines(kb) == []                  # nothing was written


def test_clean_fields_coerces_vietnamese_numbers():
    assert clean_fields({"value": "33,2", "unit": " xã "}, "percentage") == {"value": 33.2, "unit": "xã"}
    assert clean_fields({"value": "1.064,5"}, "count") == {"value": 1064.5}
    assert clean_fields({"numerator": "12", "issued": "2022-02-16", "topic": ""}, "ratio") == \
        {"numerator": 12, "issued": "2022-02-16", "topic": None}
    with pytest.raises(InvalidAction, match="YYYY-MM-DD"):
        clean_fields({"issued": "16/02/2022"}, "legal_ref")
    with pytest.raises(InvalidAction, match="cannot be edited"):
        clean_fields({"colour": "red"}, "count")


def test_store_torn_last_line_is_ignored_reported_and_repaired(kb):
    st = ReviewStore(kb)
    good = st.act("accept", "d1", fid("d1", "percentage", "85,5%"), reviewer="a")
    with open(kb / "corrections.jsonl", "ab") as fh:     # a writer killed mid-line
        fh.write(b'{"id": "x", "reviewer": "b", "action": "rej')
    fresh = ReviewStore(kb)
    assert [r["id"] for r in fresh.records()] == [good["id"]]
    assert fresh.progress()["log_problems"][0]["line"] == 2
    nxt = fresh.act("reject", "d1", fid("d1", "count", "139"), reviewer="b")
    raw = lines(kb)
    assert json.loads(raw[0]) == good and json.loads(raw[2]) == nxt      # the torn fragment stays alone on line 2
    again = ReviewStore(kb)
    assert [r["id"] for r in again.records()] == [good["id"], nxt["id"]]
    assert [p["line"] for p in again.log.problems] == [2]


def test_store_threads_and_stores_never_lose_an_append(kb):
    stores = [ReviewStore(kb) for _ in range(4)]
    facts = [fid("d1", "percentage", "85,5%"), fid("d1", "count", "139"), fid("d2", "count", "3"),
             fid("d3", "count", "580")]
    docs = ["d1", "d1", "d2", "d3"]

    def work(i):
        for j in range(25):
            stores[i].act("edit", docs[i], facts[i], fields={"unit": f"u{i}-{j}"}, reviewer=f"r{i}")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    recs = [json.loads(x) for x in lines(kb)]
    assert len(recs) == 100 and len({r["id"] for r in recs}) == 100
    final = ReviewStore(kb).state()
    for i in range(4):
        assert final.resolve(docs[i], facts[i])["fact"]["unit"] == f"u{i}-24"


_WRITER = """
import sys
from pipeline.review.store import ReviewStore
st = ReviewStore(sys.argv[1])
n = int(sys.argv[3])
i = 0
while n < 0 or i < n:
    rec = st.act("edit", "d1", sys.argv[2], fields={"unit": "u%d" % i}, reviewer=sys.argv[4])
    print(rec["id"], flush=True)
    i += 1
"""


def _writer(kb, fact, n, name):
    return subprocess.Popen([sys.executable, "-c", _WRITER, str(kb), fact, str(n), name], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)


def test_store_processes_append_concurrently(kb):
    f = fid("d1", "count", "139")
    procs = [_writer(kb, f, 20, f"p{i}") for i in range(3)]
    acked = set()
    for p in procs:
        out, _ = p.communicate(timeout=60)
        assert p.returncode == 0
        acked |= set(out.split())
    recs = [json.loads(x) for x in lines(kb)]
    assert {r["id"] for r in recs} == acked and len(recs) == 60


def test_store_kill9_loses_nothing_acknowledged(kb):
    f = fid("d1", "count", "139")
    p = _writer(kb, f, -1, "crashy")
    acked = [p.stdout.readline().strip() for _ in range(15)]
    p.kill()                                    # SIGKILL, possibly mid-write
    p.wait(timeout=10)
    st = ReviewStore(kb)
    ids = [r["id"] for r in st.records()]
    assert set(acked) <= set(ids)
    assert all(p_["line"] == len(lines(kb)) for p_ in st.log.problems)   # at most the last line is bad
    after = st.act("accept", "d1", f, reviewer="next")                    # and the log goes on
    assert ReviewStore(kb).records()[-1]["id"] == after["id"]


def test_correction_log_rereads_a_replaced_file(tmp_path):
    log = CorrectionLog(tmp_path / "c.jsonl")
    log.append(lambda recs: [{"id": "1", "action": "done", "doc_id": "d"}])
    assert len(log.refresh()) == 1
    (tmp_path / "c.jsonl").unlink()
    assert log.refresh() == []
    time.sleep(0.01)
    log.append(lambda recs: [{"id": "2", "action": "done", "doc_id": "d"}])
    assert [r["id"] for r in log.refresh()] == ["2"]
