"""extract --dask: partitions by file and line ranges, and --dask local (2 workers) gives the single-process KB."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from pipeline.cluster import iter_partition, plan_partitions
from pipeline.document import Document
from pipeline.errors import InputError
from pipeline.read import iter_inputs
from test_run import ROOT, extract, kb_files, make_docs, write_jsonl


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    d = tmp_path_factory.mktemp("dask")
    docs = [json.dumps(x, ensure_ascii=False) for x in make_docs(90, start=700)]
    docs.insert(3, "")                       # blank line: skipped, numbering goes on
    docs.insert(20, "[1, 2]")                # not an object
    write_jsonl(d / "a.jsonl", docs[:60])
    (d / "dir").mkdir()
    write_jsonl(d / "dir" / "b.jsonl", docs[60:])
    (d / "dir" / "c.txt").write_text("Có 15 xã hoàn thành chuyển đổi số.\n", encoding="utf-8")
    return [str(d / "a.jsonl"), str(d / "dir"), str(d / "nope.jsonl")]


def _items(stream):
    out = []
    for it in stream:
        if isinstance(it, InputError):
            out.append(("error", it.to_record()))
        else:
            assert isinstance(it, Document)
            out.append(("doc", it.id, it.text, it.meta))
    return out


def test_partitions_read_exactly_what_the_reader_reads(inputs):
    parts = plan_partitions(inputs, n_workers=2, max_lines=7)
    kinds = [p[0] for p in parts]
    assert kinds.count("jsonl") >= 9 and "path" in kinds and kinds[-1] == "errors"
    got = [x for p in parts for x in _items(iter_partition(p))]
    assert got == _items(iter_inputs(inputs))
    with pytest.raises(ValueError, match="stdin"):
        plan_partitions(["-"])


def test_dask_is_not_imported_without_dask(tmp_path):
    # (dask's core may come in through skops, which loads the models; dask.distributed must not)
    code = ("import sys; from pipeline.cli import main; "
            f"rc = main(['extract', {str(tmp_path / 'in.jsonl')!r}, '--out', {str(tmp_path / 'kb')!r}, '--quiet']); "
            "assert rc == 0, rc; assert not any(m.startswith(('distributed', 'dask.distributed', 'pipeline.cluster')) "
            "for m in sys.modules), 'dask.distributed imported'")
    write_jsonl(tmp_path / "in.jsonl", make_docs(2))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                       env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert r.returncode == 0, r.stderr


@pytest.mark.slow
def test_dask_local_two_workers_equals_single_process(inputs, tmp_path):
    pytest.importorskip("dask.distributed")
    single = tmp_path / "single"
    s1 = extract(inputs, single)
    out = tmp_path / "dask"
    s2 = extract(inputs, out, dask="local", workers=2)
    assert kb_files(out) == kb_files(single)
    assert (s2["documents"], s2["errors"], s2["facts"]) == (s1["documents"], s1["errors"], s1["facts"])
    man = json.loads((out / "manifest.json").read_text())
    assert man["dask"] == "local" and man["documents"] == 91
    # resume on the cluster: everything is done already
    s3 = extract(inputs, out, dask="local", workers=2)
    assert (s3["processed"], s3["reused"]) == (0, 91)
    assert kb_files(out) == kb_files(single)
