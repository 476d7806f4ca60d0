"""Inputs: jsonl, jsonl.gz, txt, directories, stdin; bad records become errors with file and line."""
import gzip
import io
import json

from pipeline.document import Document
from pipeline.errors import InputError
from pipeline.read import iter_inputs


def _split(items):
    docs = [i for i in items if isinstance(i, Document)]
    errs = [i for i in items if isinstance(i, InputError)]
    return docs, errs


def test_read_jsonl_and_metadata(tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_text(json.dumps({"id": "d1", "text": "Đạt 50%.", "url": "http://x", "title": "T", "extra": 3},
                            ensure_ascii=False) + "\n", encoding="utf-8")
    docs, errs = _split(list(iter_inputs([str(p)])))
    assert not errs and docs[0].id == "d1" and docs[0].text == "Đạt 50%."
    assert docs[0].meta["url"] == "http://x" and docs[0].meta["extra"] == 3


def test_read_gz_txt_and_directory(tmp_path):
    with gzip.open(tmp_path / "b.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.write(json.dumps({"id": "g1", "text": "một"}) + "\n")
    (tmp_path / "c.txt").write_bytes("dòng một\r\ndòng hai".encode("utf-8"))
    docs, errs = _split(list(iter_inputs([str(tmp_path)])))
    assert not errs
    by_id = {d.id: d for d in docs}
    assert by_id["g1"].text == "một"
    assert by_id["c"].text == "dòng một\r\ndòng hai"   # no newline translation


def test_read_bad_lines_name_file_and_line(tmp_path):
    p = tmp_path / "bad.jsonl"
    p.write_bytes(b'{"id": "ok", "text": "fine"}\n'
                  b'not json\n'
                  b'{"id": "nt"}\n'
                  b'{"id": "bin", "text": "\xff\xfe"}\n'
                  b'{"id": "num", "text": 5}\n'
                  b'[1, 2]\n'
                  b'{"id": "empty", "text": ""}\n')
    docs, errs = _split(list(iter_inputs([str(p)])))
    assert [d.id for d in docs] == ["ok", "empty"]
    assert [e.line for e in errs] == [2, 3, 4, 5, 6]
    assert all(e.file == str(p) for e in errs)
    msgs = " | ".join(str(e) for e in errs)
    assert "not valid JSON" in msgs and "no 'text'" in msgs and "UTF-8" in msgs
    assert f"{p}:2:" in str(errs[0])
    rec = errs[0].to_record()
    assert rec["file"] == str(p) and rec["line"] == 2 and "error" in rec


def test_read_missing_file(tmp_path):
    docs, errs = _split(list(iter_inputs([str(tmp_path / "nope.jsonl")])))
    assert not docs and "does not exist" in str(errs[0])


def test_read_stdin():
    stream = io.BytesIO(json.dumps({"id": "s", "text": "xin chào"}, ensure_ascii=False).encode("utf-8") + b"\n")
    docs, errs = _split(list(iter_inputs(["-"], stdin=stream)))
    assert docs[0].id == "s" and not errs


def test_read_txt_not_utf8(tmp_path):
    (tmp_path / "x.txt").write_bytes(b"\xff\xfeabc")
    docs, errs = _split(list(iter_inputs([str(tmp_path / "x.txt")])))
    assert not docs and "UTF-8" in str(errs[0])
