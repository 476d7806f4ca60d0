"""extract --workers N: the same KB as one process, in input order; a failing document does not stop a run."""
from __future__ import annotations

import json

import pytest

from pipeline import parallel
from pipeline.document import Document
from pipeline.kb import parse_shard_line
from pipeline.parallel import DOC, ERROR, REF, process_batch, resolve_workers, run_ordered
from test_run import extract, kb_files, make_docs, write_jsonl


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    d = tmp_path_factory.mktemp("par")
    docs = make_docs(70, start=300)
    lines = [json.dumps(x, ensure_ascii=False) for x in docs]
    lines.insert(10, "{broken json")
    lines.insert(40, json.dumps({"id": "no-text"}))
    write_jsonl(d / "a.jsonl", lines[:50])
    sub = d / "dir"
    sub.mkdir()
    write_jsonl(sub / "b.jsonl", lines[50:])
    (sub / "c.txt").write_text("Năm 2024, tỷ lệ hồ sơ trực tuyến đạt 91,5%.\n", encoding="utf-8")
    return [d / "a.jsonl", sub, d / "missing.jsonl"]


@pytest.fixture(scope="module")
def single(inputs, tmp_path_factory):
    out = tmp_path_factory.mktemp("single") / "kb"
    s = extract(inputs, out, workers=1)
    return out, s


@pytest.mark.parametrize("workers", [2, 3])
def test_workers_give_the_same_kb_as_one_process(inputs, single, tmp_path, workers):
    out = tmp_path / "kb"
    s = extract(inputs, out, workers=workers)
    ref, s1 = single
    assert kb_files(out) == kb_files(ref)
    assert (s["documents"], s["errors"], s["facts"]) == (s1["documents"], s1["errors"], s1["facts"])
    man = json.loads((out / "manifest.json").read_text())
    assert man["workers"] == workers


def test_order_is_input_order(inputs, single):
    ref, s = single
    ids = [json.loads(line)["id"] for line in (ref / "documents.jsonl").open(encoding="utf-8")]
    expected = [f"doc-{i}" for i in range(300, 370)] + ["c"]
    assert ids == expected
    errs = [json.loads(line) for line in (ref / "errors.jsonl").open(encoding="utf-8")]
    assert [(e["file"].rsplit("/", 1)[-1], e["line"]) for e in errs] == [("a.jsonl", 11), ("a.jsonl", 41),
                                                                         ("missing.jsonl", None)]
    fact_docs = [json.loads(line)["doc_id"] for line in (ref / "facts.jsonl").open(encoding="utf-8")]
    assert fact_docs == sorted(fact_docs, key=ids.index)


def test_resume_with_workers(inputs, single, tmp_path):
    out = tmp_path / "kb"
    extract(inputs, out, workers=2)
    s = extract(inputs, out, workers=2)
    assert s["processed"] == 0 and s["reused"] == single[1]["documents"]
    assert kb_files(out) == kb_files(single[0])


def test_workers_zero_means_all_cores():
    assert resolve_workers(0) >= 1
    assert resolve_workers(3) == 3


def test_a_document_the_pipeline_raises_on_becomes_an_error(monkeypatch):
    def nlp(doc):
        if doc.id == "boom":
            raise RuntimeError("bad luck")
        return doc
    monkeypatch.setattr(parallel, "pipeline_for", lambda settings: nlp)
    entries = [(DOC, "k1", Document(id="ok", text="a")),
               (DOC, "k2", Document(id="boom", text="b", meta={"source_file": "f.jsonl", "source_line": 2})),
               (REF, '{"k": "k3", "ref": 1}\n'), (ERROR, '{"error": {}}\n')]
    lines, stats = process_batch({}, entries)
    recs = [parse_shard_line(x.encode()) for x in lines.splitlines(keepends=True)]
    assert stats == (1, 1, 2)
    assert recs[0]["k"] == "k1"
    assert recs[1]["error"]["file"] == "f.jsonl" and recs[1]["error"]["line"] == 2
    assert "RuntimeError" in recs[1]["error"]["error"]


def test_run_ordered_keeps_order_with_a_bounded_window():
    written = []
    entries = [(ERROR, f'{{"error": {{"line": {i}}}}}\n') for i in range(50)]
    run_ordered(iter(entries), written.append, {}, workers=1)
    lines = "".join(written).splitlines()
    assert [json.loads(x)["error"]["line"] for x in lines] == list(range(50))


def test_shard_line_keeps_kb_lines_as_they_are():
    from pipeline.document import Fact
    from pipeline.kb import doc_record, dumps
    doc = Document(id="d\t1", text='Có 12 xã\tvà "3" phường\nđạt 85,5%.', meta={"source_file": "a.jsonl", "source_line": 3})
    doc.facts = [Fact("count", 3, 5, "12", value=12, unit="xã"), Fact("percentage", 28, 33, "85,5%", value=85.5)]
    line = doc_record("abc", doc)
    assert line.count("\n") == 1 and line.endswith("\n")          # one line, whatever the text holds
    rec = parse_shard_line(line.encode())
    assert (rec["k"], rec["id"], rec["c"]) == ("abc", "d\t1", {"count": 1, "percentage": 1})
    assert rec["src"] == {"source_file": "a.jsonl", "source_line": 3}
    assert rec["doc"] == dumps(doc.to_dict())
    assert rec["facts"] == "".join(dumps(f.to_dict(doc.id)) + "\n" for f in doc.facts)
    assert json.loads(rec["doc"])["text"] == doc.text
    # a line in the earlier layout (one JSON object, KB lines as strings) reads the same
    old = dumps({"k": "abc", "id": "d\t1", "src": rec["src"], "c": rec["c"], "facts": rec["facts"], "doc": rec["doc"]})
    assert parse_shard_line((old + "\n").encode()) == rec
