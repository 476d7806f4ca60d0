"""Bad input at scale: the run completes, every bad record is in errors.jsonl with file and line,
counts are in the manifest and the summary, and --strict fails only at the end."""
from __future__ import annotations

import gzip
import json

import pytest

from test_run import cli, extract, kb_files, make_docs

_PROSE = ("Sáng nay, tại hội trường trung tâm, các đại biểu đã thảo luận về kế hoạch phát triển kinh tế "
          "xã hội của địa phương trong thời gian tới, nhấn mạnh vai trò của người dân và doanh nghiệp. ")


def big_text(n_bytes: int) -> str:
    """A long article (~n_bytes of UTF-8): prose paragraphs with a figure now and then."""
    para = (_PROSE * 6).strip()
    out, size, i = [], 0, 0
    while size < n_bytes:
        p = para if i % 5 else f"Năm 2024, tỷ lệ hồ sơ trực tuyến đạt {i % 97 + 1}%. " + para
        out.append(p)
        size += len(p.encode("utf-8")) + 1
        i += 1
    return "\n".join(out)


@pytest.fixture(scope="module")
def bad_corpus(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad")
    good = make_docs(12, start=900)
    lines = [json.dumps(x, ensure_ascii=False).encode("utf-8") for x in good]
    bad = {
        3: b'{"id": "trunc", "text": "T\xe1\xbb\xb7 l\xe1\xbb\x87 \xc4\x91',            # truncated JSON
        5: b'{"id": "notext", "title": "no text field"}',
        7: b'{"id": "latin1", "text": "Ha N\xf4i c\xf3 12 x\xe3"}',                     # invalid UTF-8
        9: b'["a", "list"]',
        11: b'{"id": "num", "text": 12345}',
    }
    for pos in sorted(bad):
        lines.insert(pos - 1, bad[pos])
    lines.append(json.dumps({"id": "empty", "text": ""}).encode())
    lines.append(json.dumps({"id": "null", "text": None}).encode())
    lines.append(json.dumps({"id": "blank", "text": " \n\t "}).encode())
    lines.append(b'{"id": "surrogate", "text": "C\\u00f3 12 x\\u00e3 \\ud800 l\\u1ed7i"}')   # lone surrogate
    lines.append(json.dumps({"id": "huge", "text": big_text(10 * 2**20)}, ensure_ascii=False).encode("utf-8"))
    (d / "mixed.jsonl").write_bytes(b"\n".join(lines[:8]) + b"\n\n" + b"\n".join(lines[8:]) + b"\n")
    (d / "cp1258.txt").write_bytes("Tỉnh có 25 xã.".encode("utf-8")[:6] + b"\xff\xfe rest")
    with gzip.open(d / "ok.jsonl.gz", "wb") as fh:
        fh.write("\n".join(json.dumps(x, ensure_ascii=False) for x in make_docs(3, start=950)).encode() + b"\n")
    (d / "broken.jsonl.gz").write_bytes(gzip.compress(b'{"id": "g", "text": "x"}\n' * 50)[:40])
    return d, [d / "mixed.jsonl", d / "cp1258.txt", d / "ok.jsonl.gz", d / "broken.jsonl.gz", d / "absent.jsonl"]


@pytest.fixture(scope="module")
def result(bad_corpus, tmp_path_factory):
    d, inputs = bad_corpus
    out = tmp_path_factory.mktemp("out") / "kb"
    r = cli("extract", *inputs, "--out", out, "--strict", "--log-interval", "1000", timeout=600)
    return out, r


def test_bad_corpus_completes_and_strict_fails_at_the_end(result):
    out, r = result
    assert r.returncode == 1, r.stderr              # --strict: non-zero, after writing the whole KB
    man = json.loads((out / "manifest.json").read_text())
    # 12 good + 4 empty/null/blank/surrogate + huge + 3 from ok.jsonl.gz + what the torn gzip gave before it broke
    torn = sum(1 for line in (out / "documents.jsonl").open(encoding="utf-8") if '"id": "g"' in line[:12])
    assert man["documents"] == 20 + torn
    # the torn gzip's lines all have the id "g": the first is kept, the later ones are duplicate-id errors
    dups = man["duplicates"]
    assert torn <= 1 and (dups == 0 or torn == 1)
    assert man["errors"] == len((out / "errors.jsonl").read_text(encoding="utf-8").splitlines()) == 8 + dups
    assert f"{20 + torn} documents" in r.stdout and f"{8 + dups} bad records" in r.stdout
    assert "errors.jsonl" in r.stdout
    assert "warning:" in r.stderr


def test_every_bad_record_has_file_and_line(result, bad_corpus):
    out, _ = result
    d, _ = bad_corpus
    errs = [json.loads(x) for x in (out / "errors.jsonl").read_text(encoding="utf-8").splitlines()]
    where = [(e["file"].rsplit("/", 1)[-1], e["line"]) for e in errs]
    # mixed.jsonl has a blank line after line 8, so later lines are one further down
    assert where[:5] == [("mixed.jsonl", 3), ("mixed.jsonl", 5), ("mixed.jsonl", 7), ("mixed.jsonl", 10),
                         ("mixed.jsonl", 12)]
    assert ("cp1258.txt", 1) in where
    assert any(f == "broken.jsonl.gz" for f, _ in where)
    assert ("absent.jsonl", None) in where
    assert all(e["error"] for e in errs)
    assert any("UTF-8" in e["error"] for e in errs if e["line"] == 7)


def test_documents_kept_including_empty_huge_and_surrogates(result):
    out, _ = result
    docs = {}
    with open(out / "documents.jsonl", encoding="utf-8") as fh:   # valid UTF-8 throughout
        for line in fh:
            d = json.loads(line)
            docs[d["id"]] = d
    assert docs["empty"]["n_chars"] == 0 and docs["null"]["text"] == "" and docs["blank"]["fact_counts"]
    assert len(docs["huge"]["text"].encode("utf-8")) >= 10 * 2**20 and sum(docs["huge"]["fact_counts"].values()) > 0
    assert "\ud800" in docs["surrogate"]["text"]                      # kept as the JSON escape it came as
    with open(out / "facts.jsonl", encoding="utf-8") as fh:
        assert sum(1 for _ in fh) == sum(sum(d["fact_counts"].values()) for d in docs.values())


def test_bad_corpus_with_workers_gives_the_same_kb(result, bad_corpus, tmp_path):
    out, _ = result
    _, inputs = bad_corpus
    out2 = tmp_path / "kb"
    s = extract(inputs, out2, workers=2)
    assert kb_files(out2) == kb_files(out)
    assert s["errors"] == json.loads((out / "manifest.json").read_text())["errors"]
