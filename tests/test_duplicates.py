"""Duplicate document ids in one extract run: the first is kept, every later one goes to errors.jsonl.

The same KB for one process, --workers N and --dask (duplicates in one Dask
partition or across partitions), and a resumed run gives the same KB again.
"""
from __future__ import annotations

import functools
import json

import pytest

from pipeline import kb as kbmod
from pipeline import parallel
from pipeline.document import Document
from test_run import cli, extract, kb_files, make_docs, write_jsonl


def read(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """a.jsonl: 30 documents + an exact copy of doc-3 (line 32) + another text with id doc-7 (line 33);
    dir/b.jsonl: 10 new documents and doc-1 again (line 6); dir/doc-2.txt: id doc-2 again."""
    d = tmp_path_factory.mktemp("dups")
    docs = make_docs(30)
    lines = [json.dumps(x, ensure_ascii=False) for x in docs]
    lines.append("{broken")                                                        # line 31: a bad record
    lines.append(json.dumps(docs[3], ensure_ascii=False))                          # line 32: exact copy
    lines.append(json.dumps({"id": "doc-7", "text": "Có 99 xã khác hẳn."}, ensure_ascii=False))  # line 33
    write_jsonl(d / "a.jsonl", lines)
    (d / "dir").mkdir()
    more = [json.dumps(x, ensure_ascii=False) for x in make_docs(10, start=100)]
    more.insert(5, json.dumps({"id": "doc-1", "text": "Bản sao: 5 xã."}, ensure_ascii=False))   # line 6
    write_jsonl(d / "dir" / "b.jsonl", more)
    (d / "dir" / "doc-2.txt").write_text("Có 15 xã hoàn thành chuyển đổi số.\n", encoding="utf-8")
    return {"a": d / "a.jsonl", "dir": d / "dir", "paths": [str(d / "a.jsonl"), str(d / "dir")],
            "first": docs}


@pytest.fixture(scope="module")
def single(inputs, tmp_path_factory):
    out = tmp_path_factory.mktemp("dups-single") / "kb"
    return out, extract(inputs["paths"], out)


def test_duplicates_first_kept_later_ones_in_errors_with_file_and_line(inputs, single):
    out, s = single
    docs = read(out / "documents.jsonl")
    ids = [d["id"] for d in docs]
    assert ids == [f"doc-{i}" for i in range(30)] + [f"doc-{i}" for i in range(100, 110)]
    assert len(ids) == len(set(ids))
    by_id = {d["id"]: d for d in docs}
    assert by_id["doc-7"]["text"] == inputs["first"][7]["text"]               # the first one, not line 33
    assert by_id["doc-1"]["meta"]["source_line"] == 2
    assert {f["doc_id"] for f in read(out / "facts.jsonl")} <= set(ids)
    a, b = str(inputs["a"]), str(inputs["dir"] / "b.jsonl")
    errs = read(out / "errors.jsonl")
    assert [(e["file"], e["line"]) for e in errs] == [(a, 31), (a, 32), (a, 33), (b, 6),
                                                      (str(inputs["dir"] / "doc-2.txt"), None)]
    dup = errs[1:]
    assert [e["record"]["id"] for e in dup] == ["doc-3", "doc-7", "doc-1", "doc-2"]
    assert [(e["duplicate_of"]["file"], e["duplicate_of"]["line"]) for e in dup] == [(a, 4), (a, 8), (a, 2), (a, 3)]
    assert errs[1]["error"] == (f"duplicate document id 'doc-3' (same text): first seen at {a}:4; "
                                "this copy was skipped (the first one is kept)")
    assert "'doc-7' (different text): first seen at" in errs[2]["error"]
    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert (man["documents"], man["errors"], man["duplicates"], man["processed"]) == (40, 5, 4, 40)
    assert (s["documents"], s["errors"], s["duplicates"]) == (40, 5, 4)
    assert "5 bad records (4 duplicate ids: later copies skipped)" in s["text"].splitlines()[0]


@pytest.mark.parametrize("workers", [2, 3])
def test_duplicates_same_kb_with_workers(inputs, single, tmp_path, workers):
    out = tmp_path / "kb"
    s = extract(inputs["paths"], out, workers=workers)
    assert kb_files(out) == kb_files(single[0])
    assert (s["duplicates"], s["errors"], s["processed"]) == (4, 5, 40)


def test_duplicates_resume_gives_the_same_kb(inputs, single, tmp_path):
    out = tmp_path / "kb"
    extract(inputs["paths"], out)
    s = extract(inputs["paths"], out)
    assert (s["processed"], s["reused"], s["duplicates"]) == (0, 40, 4)
    assert kb_files(out) == kb_files(single[0])
    s = extract(inputs["paths"], out, workers=2)
    assert (s["processed"], s["reused"]) == (0, 40)
    assert kb_files(out) == kb_files(single[0])


def test_duplicates_are_not_extracted(inputs, tmp_path, monkeypatch):
    """A local run does not spend time on copies it will drop."""
    seen = []
    real = parallel.pipeline_for

    def spy(settings):
        nlp = real(settings)
        return lambda doc: (seen.append((doc.meta.get("source_file"), doc.meta.get("source_line"))), nlp(doc))[1]
    monkeypatch.setattr(parallel, "pipeline_for", spy)
    extract(inputs["paths"], tmp_path / "kb")
    assert len(seen) == 40 and (str(inputs["a"]), 33) not in seen


def test_duplicates_decided_at_merge_whatever_the_shards_hold(tmp_path):
    """Dask tasks cannot see other partitions: an extracted later copy in another shard is dropped at merge."""
    with kbmod.KBSession(tmp_path / "kb", "fp") as kb:
        paths = []
        for i, (text, line) in enumerate([("Có 3 xã.", 1), ("Có 4 xã.", 7)]):
            doc = Document("same", text, meta={"source_file": "p.jsonl", "source_line": line})
            with kb.new_shard(f"p{i}") as w:
                w.write(kbmod.doc_record(kbmod.doc_key(doc.id, doc.text), doc))
                if i == 1:   # a document the pipeline failed on, whose id came earlier: a duplicate too
                    w.write(kbmod.error_record({"file": "p.jsonl", "line": 9, "error": "extraction failed"}, "same"))
            paths.append(w.path)
        counts = kb.merge(paths, {})
    assert (counts["documents"], counts["errors"], counts["duplicates"]) == (1, 2, 2)
    assert [d["text"] for d in read(tmp_path / "kb" / "documents.jsonl")] == ["Có 3 xã."]
    errs = read(tmp_path / "kb" / "errors.jsonl")
    assert [(e["line"], e["duplicate_of"]["line"]) for e in errs] == [(7, 1), (9, 1)]


def test_duplicates_a_failed_first_copy_keeps_its_id(tmp_path, monkeypatch):
    """The first document with an id owns it even when the pipeline fails on it (same result for any N)."""
    inp = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": "boom"}, {"id": "a", "text": "Có 3 xã."},
                                              {"id": "b", "text": "Có 4 xã."}])

    def nlp(doc):
        if doc.text == "boom":
            raise RuntimeError("bad luck")
        return doc
    monkeypatch.setattr(parallel, "pipeline_for", lambda settings: nlp)
    s = extract([inp], tmp_path / "kb")
    assert (s["documents"], s["errors"], s["duplicates"]) == (1, 2, 1)
    errs = read(tmp_path / "kb" / "errors.jsonl")
    assert "RuntimeError" in errs[0]["error"] and errs[1]["duplicate_of"] == {"file": str(inp), "line": 1}


def test_duplicates_cli_warns_and_strict_fails(inputs, tmp_path):
    r = cli("extract", inputs["a"], "--out", tmp_path / "kb", "--log-interval", "1000")
    assert r.returncode == 0, r.stderr
    assert "warning: " + str(inputs["a"]) + ":32: duplicate document id 'doc-3'" in r.stderr
    assert "(2 duplicate ids: later copies skipped)" in r.stdout
    ok = write_jsonl(tmp_path / "dup.jsonl", [{"id": "x", "text": "Có 3 xã."}, {"id": "x", "text": "Có 3 xã."}])
    r = cli("extract", ok, "--out", tmp_path / "kb2", "--strict", "--quiet")
    assert r.returncode == 1 and r.stdout == ""
    assert len(read(tmp_path / "kb2" / "documents.jsonl")) == 1


@pytest.mark.slow
def test_duplicates_dask_within_and_across_partitions(inputs, single, tmp_path, monkeypatch):
    pytest.importorskip("dask.distributed")
    from pipeline import cluster
    # small partitions: a.jsonl's copies of doc-3 and doc-7 land in other partitions than their first copies
    monkeypatch.setattr(cluster, "plan_partitions", functools.partial(cluster.plan_partitions, max_lines=5))
    out = tmp_path / "kb"
    s = extract(inputs["paths"], out, dask="local", workers=2)
    assert kb_files(out) == kb_files(single[0])
    assert (s["documents"], s["errors"], s["duplicates"]) == (40, 5, 4)
    s = extract(inputs["paths"], out, dask="local", workers=2)   # resume on the cluster
    assert (s["processed"], s["reused"], s["duplicates"]) == (0, 40, 4)
    assert kb_files(out) == kb_files(single[0])
