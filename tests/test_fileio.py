"""File modes of everything the package writes (a KB on a shared file system must be readable by others)."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import fileio
from pipeline.document import Document
from pipeline.kb import KBWriter, write_json_atomic
from test_run import ROOT, extract, make_docs, write_jsonl

PKG = ROOT / "pipeline"


@pytest.fixture
def umask_027():
    """Run with umask 027 (group-readable, private to others); the helper's cache is reset around it."""
    old = os.umask(0o027)
    fileio.umask.cache_clear()
    try:
        yield 0o640
    finally:
        os.umask(old)
        fileio.umask.cache_clear()


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def files_under(d: Path) -> list:
    return sorted(p for p in d.rglob("*") if p.is_file())


def test_fileio_umask_is_read_without_changing_it():
    old = os.umask(0o007)
    try:
        fileio.umask.cache_clear()
        assert fileio.umask() == 0o007
        assert fileio.file_mode() == 0o660
        assert os.umask(0o007) == 0o007          # still in force
    finally:
        os.umask(old)
        fileio.umask.cache_clear()


def test_fileio_kbwriter_files_get_the_umask_mode_not_0600(tmp_path, umask_027):
    with KBWriter(tmp_path / "kb") as kb:
        kb.add(Document("d1", "x"))
        kb.add_error({"file": "f", "line": 1, "error": "bad"})
        kb.commit({"documents": 1})
    for name in ("facts.jsonl", "documents.jsonl", "errors.jsonl", "manifest.json"):
        assert mode(tmp_path / "kb" / name) == umask_027, name


def test_fileio_extract_kb_files_get_the_umask_mode(tmp_path, umask_027):
    inp = write_jsonl(tmp_path / "in.jsonl", make_docs(3) + ["{bad"])
    out = tmp_path / "kb"
    extract([inp], out)
    files = files_under(out)
    assert {p.name for p in files} == {"facts.jsonl", "documents.jsonl", "errors.jsonl", "manifest.json"}
    assert {p.name: mode(p) for p in files} == {p.name: umask_027 for p in files}


def test_fileio_curate_apply_and_export_follow_the_umask(tmp_path, umask_027):
    from pipeline.curate import apply, export
    inp = write_jsonl(tmp_path / "in.jsonl", make_docs(2))
    kb = tmp_path / "kb"
    extract([inp], kb)
    apply(kb, tmp_path / "curated")
    for p in files_under(tmp_path / "curated"):
        assert mode(p) == umask_027, p.name
    export(kb, "label-studio", tmp_path / "ex" / "tasks.json")
    export(kb, "gold", tmp_path / "ex" / "gold.jsonl", docs="all")
    for p in files_under(tmp_path / "ex"):
        assert mode(p) == umask_027, p.name


def test_fileio_trained_model_files_follow_the_umask(tmp_path, umask_027):
    from sklearn.linear_model import LogisticRegression

    from pipeline.train import _save
    model = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
    _save(model, tmp_path / "m.skops")
    write_json_atomic(tmp_path / "m.json", {"name": "m"})
    assert mode(tmp_path / "m.skops") == mode(tmp_path / "m.json") == umask_027


def test_fileio_cli_extract_with_group_writable_umask(tmp_path):
    """On a shared cluster file system with umask 002, the group can read (and replace) the KB."""
    inp = write_jsonl(tmp_path / "in.jsonl", make_docs(2))
    r = subprocess.run([sys.executable, "-m", "pipeline", "extract", str(inp), "--out", str(tmp_path / "kb"),
                        "--quiet"], capture_output=True, text=True, cwd=ROOT, timeout=300,
                       env=dict(os.environ, PYTHONPATH=str(ROOT)), preexec_fn=lambda: os.umask(0o002))
    assert r.returncode == 0, r.stderr
    got = {p.name: oct(mode(p)) for p in files_under(tmp_path / "kb")}
    assert got == {n: oct(0o664) for n in ("facts.jsonl", "documents.jsonl", "errors.jsonl", "manifest.json")}


def test_fileio_atomic_write_is_whole_or_nothing(tmp_path):
    target = tmp_path / "a.json"
    fileio.write_json_atomic(target, {"v": 1})
    with pytest.raises(RuntimeError):
        with fileio.atomic_write(target) as fh:
            fh.write('{"v": 2, "trunc')
            raise RuntimeError("killed mid-write")
    assert json.loads(target.read_text(encoding="utf-8")) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]      # no temporary file left
    fileio.write_text_atomic(target, "Tỷ lệ\n")
    assert target.read_bytes() == "Tỷ lệ\n".encode("utf-8")


def test_fileio_is_the_only_place_that_makes_temporary_files():
    """Every atomic write goes through pipeline.fileio (mode and fsync handled once)."""
    offenders = []
    for p in sorted(PKG.rglob("*.py")):
        if p.name == "fileio.py":
            continue
        src = p.read_text(encoding="utf-8")
        if "mkstemp" in src or "def _fsync_dir" in src or "os.fchmod" in src:
            offenders.append(str(p.relative_to(ROOT)))
    assert offenders == []
    from pipeline import kb
    from pipeline.review import store
    assert kb.fsync_dir is store.fsync_dir is fileio.fsync_dir
