"""extract at scale: shards, resume, --force, interruption (kill -9), merge roll-forward, progress output."""
from __future__ import annotations

import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline import kb as kbmod
from pipeline.run import Progress, run_extract

ROOT = Path(__file__).resolve().parents[1]

_SENTENCES = [
    "Năm {y}, tỷ lệ hồ sơ trực tuyến của huyện đạt {p},{q}%, tăng {d}% so với năm trước.",
    "Toàn tỉnh có {n} cơ quan sử dụng hệ thống quản lý văn bản, {m}/{M} xã đã kết nối.",
    "Kinh phí đầu tư hạ tầng là {k} tỷ đồng theo Quyết định số {n}/QĐ-UBND ngày {dd}/{mm}/{y} của UBND tỉnh.",
    "Đã cấp {n} chứng thư số cho cán bộ, công chức.",
    "Tuy nhiên, nhân lực công nghệ thông tin còn thiếu, hạ tầng ở một số xã chưa đáp ứng yêu cầu.",
    "Cổng dịch vụ công tiếp nhận {n} hồ sơ, trong đó {m} hồ sơ được giải quyết đúng hạn.",
    "Hội nghị diễn ra tại hội trường với sự tham dự của lãnh đạo các sở, ngành.",
]


def make_docs(n: int, start: int = 0, seed: int = 7) -> list:
    """``n`` synthetic e-government reports (ids ``doc-{i}``), made up here: no corpus text is copied."""
    rng = random.Random(seed * 100003 + start)
    docs = []
    for i in range(start, start + n):
        parts = []
        for _ in range(rng.randint(3, 9)):
            s = rng.choice(_SENTENCES).format(
                y=rng.randint(2015, 2024), p=rng.randint(10, 99), q=rng.randint(0, 9), d=rng.randint(1, 9),
                n=rng.randint(2, 4000), m=rng.randint(1, 20), M=rng.randint(21, 40), k=rng.randint(1, 90),
                dd=rng.randint(1, 28), mm=rng.randint(1, 12))
            parts.append(s)
        text = f"Báo cáo chuyển đổi số số {i}\n" + " ".join(parts[:3]) + "\n" + " ".join(parts[3:])
        docs.append({"id": f"doc-{i}", "title": f"Báo cáo {i}", "text": text})
    return docs


def write_jsonl(path: Path, docs) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for d in docs:
            fh.write((d if isinstance(d, str) else json.dumps(d, ensure_ascii=False)) + "\n")
    return path


def kb_files(kb_dir: Path) -> dict:
    """The public files' bytes (what a reader sees), for equality checks."""
    return {n: (kb_dir / n).read_bytes() for n in ("facts.jsonl", "documents.jsonl", "errors.jsonl")}


def extract(inputs, out, **kw):
    kw.setdefault("quiet", True)
    return run_extract([str(i) for i in inputs], str(out), **kw)


def cli(*args, timeout=300, **kw):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "pipeline", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=ROOT, **kw)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    d = tmp_path_factory.mktemp("corpus")
    docs = make_docs(60)
    return {"dir": d, "docs": docs, "path": write_jsonl(d / "docs.jsonl", docs)}


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory):
    """A single-process KB of the corpus, built once."""
    out = tmp_path_factory.mktemp("ref") / "kb"
    extract([corpus["path"]], out)
    return out


def test_public_layout_and_no_shards_left(corpus, reference):
    for name in ("facts.jsonl", "documents.jsonl", "errors.jsonl", "manifest.json"):
        assert (reference / name).exists()
    assert not (reference / kbmod.SHARDS).exists()
    man = json.loads((reference / "manifest.json").read_text())
    assert man["documents"] == 60 and man["processed"] == 60 and man["reused"] == 0 and man["errors"] == 0
    assert sum(man["facts"].values()) == len((reference / "facts.jsonl").read_text().splitlines())
    ids = [json.loads(line)["id"] for line in (reference / "documents.jsonl").open(encoding="utf-8")]
    assert ids == [d["id"] for d in corpus["docs"]]           # input order
    assert man["fingerprint"] and "timings" in man


def test_resume_skips_done_documents_and_processes_new_or_changed(corpus, reference, tmp_path):
    out = tmp_path / "kb"
    s1 = extract([corpus["path"]], out)
    assert s1["processed"] == 60
    s2 = extract([corpus["path"]], out)                      # nothing new
    assert (s2["processed"], s2["reused"]) == (0, 60)
    assert kb_files(out) == kb_files(reference)

    docs = [dict(d) for d in corpus["docs"]]
    docs[5]["text"] += " Có 12 máy chủ mới."                  # changed text -> redone
    docs += make_docs(4, start=1000)                           # new documents
    path2 = write_jsonl(tmp_path / "docs2.jsonl", docs)
    s3 = extract([path2], out)
    assert (s3["processed"], s3["reused"], s3["documents"]) == (5, 59, 64)
    fresh = tmp_path / "fresh"
    extract([path2], fresh)
    assert kb_files(out) == kb_files(fresh)                   # same as a run from scratch

    s4 = extract([path2], out, force=True)
    assert (s4["processed"], s4["reused"]) == (64, 0)
    assert kb_files(out) == kb_files(fresh)


def test_reused_documents_get_this_runs_source_file_and_line(corpus, tmp_path):
    out = tmp_path / "kb"
    extract([corpus["path"]], out)
    moved = write_jsonl(tmp_path / "moved.jsonl", [make_docs(1, start=500)[0]] + corpus["docs"])
    s = extract([moved], out)
    assert s["reused"] == 60
    fresh = tmp_path / "fresh"
    extract([moved], fresh)
    assert kb_files(out) == kb_files(fresh)
    doc = json.loads((out / "documents.jsonl").read_text(encoding="utf-8").splitlines()[1])
    assert doc["meta"]["source_file"] == str(moved) and doc["meta"]["source_line"] == 2


def test_other_settings_are_not_reused(corpus, tmp_path):
    out = tmp_path / "kb"
    extract([corpus["path"]], out)
    s = extract([corpus["path"]], out, shortcoming_threshold=0.99)  # another fingerprint
    assert (s["processed"], s["reused"]) == (60, 0)


def test_interrupted_run_keeps_shards_and_partial_last_line_is_dropped(corpus, reference, tmp_path, monkeypatch):
    out = tmp_path / "kb"

    def crash(self, *a, **k):
        raise KeyboardInterrupt
    monkeypatch.setattr(kbmod.KBSession, "merge", crash)
    with pytest.raises(KeyboardInterrupt):
        extract([corpus["path"]], out)
    monkeypatch.undo()
    assert not (out / "facts.jsonl").exists()                 # the KB was not touched
    shards = list((out / kbmod.SHARDS).glob("*" + kbmod._SHARD_SUFFIX))
    assert len(shards) == 1
    data = shards[0].read_bytes()
    lines = data.splitlines(keepends=True)
    assert len(lines) == 61                                   # header + 60 documents
    shards[0].write_bytes(b"".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2])   # torn last line
    s = extract([corpus["path"]], out)
    assert (s["processed"], s["reused"]) == (1, 59)
    assert kb_files(out) == kb_files(reference)
    assert not (out / kbmod.SHARDS).exists()


def test_merge_killed_after_commit_point_is_rolled_forward(corpus, reference, tmp_path, monkeypatch):
    out = tmp_path / "kb"
    (out).mkdir()
    (out / "corrections.jsonl").write_text('{"fact": "x", "status": "ok"}\n')
    real_replace = os.replace
    public = []

    def dying_replace(src, dst):                              # die after the first public file is renamed
        if Path(dst).parent == out:
            if public:
                raise SystemExit("killed")
            public.append(dst)
        return real_replace(src, dst)
    monkeypatch.setattr(kbmod.os, "replace", dying_replace)
    with pytest.raises(SystemExit):
        extract([corpus["path"]], out)
    monkeypatch.undo()
    assert (out / kbmod.SHARDS / "merge" / "manifest.json").exists()
    s = extract([corpus["path"]], out)                        # finishes the merge, then nothing to do
    assert (s["processed"], s["reused"]) == (0, 60)
    assert kb_files(out) == kb_files(reference)
    assert (out / "corrections.jsonl").read_text() == '{"fact": "x", "status": "ok"}\n'


def test_one_run_at_a_time(tmp_path):
    with kbmod.KBSession(tmp_path / "kb", "fp"):
        with pytest.raises(RuntimeError, match="another extract"):
            kbmod.KBSession(tmp_path / "kb", "fp").__enter__()
        code = f"from pipeline.kb import KBSession; KBSession({str(tmp_path / 'kb')!r}, 'fp').__enter__()"
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                           env=dict(os.environ, PYTHONPATH=str(ROOT)))
        assert r.returncode != 0 and "another extract is writing" in r.stderr
    with kbmod.KBSession(tmp_path / "kb", "fp"):          # released
        pass


def _count_records(shard_dir: Path) -> int:
    n = 0
    for p in shard_dir.glob("*" + kbmod._SHARD_SUFFIX):
        try:
            n += p.read_bytes().count(b"\n") - 1
        except OSError:
            pass
    return n


@pytest.mark.parametrize("workers", [1, 2])
def test_kill_9_mid_run_loses_only_documents_in_flight(tmp_path, workers):
    docs = make_docs(600, start=10000)
    old = write_jsonl(tmp_path / "old.jsonl", docs[:20])
    path = write_jsonl(tmp_path / "all.jsonl", docs)
    out = tmp_path / "kb"
    extract([old], out)                                       # an existing KB of 20 documents
    before = kb_files(out)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "extract", str(path), "--out", str(out), "--quiet",
                             "--workers", str(workers)], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shard_dir = out / kbmod.SHARDS
    deadline = time.time() + 120
    try:
        while time.time() < deadline and proc.poll() is None and _count_records(shard_dir) < 80:
            time.sleep(0.02)
        assert proc.poll() is None, "extract finished before it could be killed; use a bigger corpus"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert kb_files(out) == before                            # the public KB is the old one, intact
    done = _count_records(shard_dir)
    assert 80 <= done < 600
    s = extract([path], out)
    assert s["reused"] >= 80 and s["processed"] + s["reused"] == 600
    fresh = tmp_path / "fresh"
    extract([path], fresh)
    assert kb_files(out) == kb_files(fresh)


def test_progress_log_lines_when_not_a_terminal_and_quiet(corpus, tmp_path):
    r = cli("extract", corpus["path"], "--out", tmp_path / "kb", "--log-interval", "0")
    assert r.returncode == 0, r.stderr
    logs = [line for line in r.stderr.splitlines() if line.startswith("extract: ")]
    assert logs and "docs/s" in logs[-1] and "60/60 (100%)" in logs[-1]
    assert "60 documents" in r.stdout and "extracted" in r.stdout
    r = cli("extract", corpus["path"], "--out", tmp_path / "kb2", "--quiet")
    assert r.returncode == 0 and r.stdout == "" and r.stderr == ""


def test_progress_bar_shows_rate_and_eta():
    buf = io.StringIO()
    p = Progress("bar", total=10, stream=buf)
    for _ in range(10):
        p.update(1, 0, 0)
    p.close()
    out = buf.getvalue()
    assert "10/10" in out and "doc/s" in out and "<" in out     # tqdm's [elapsed<ETA, rate]


def test_cli_interrupt_message_and_strict_exit_code(tmp_path):
    good = write_jsonl(tmp_path / "in.jsonl", make_docs(3) + ["{not json"])
    r = cli("extract", good, "--out", tmp_path / "kb", "--strict", "--quiet")
    assert r.returncode == 1
    assert (tmp_path / "kb" / "documents.jsonl").read_text(encoding="utf-8").count("\n") == 3
