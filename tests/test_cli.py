"""The command line, end to end: extract + evaluate on corpus/samples, help texts, bad input."""
import json
import subprocess
import sys

import pytest

from conftest import ROOT, SAMPLES
from pipeline.cli import build_parser, main


def run(*args, input=None):
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=ROOT, input=input,
                          capture_output=True, text=True, timeout=300)


def test_cli_help_for_every_command():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    assert {"extract", "evaluate"} <= set(sub.choices)
    for name, p in sub.choices.items():
        text = p.format_help()
        assert p.description or p.format_usage(), name
        assert "Example" in (p.epilog or "") or "Example" in text, f"{name} --help has no Example"
    r = run("--help")
    assert r.returncode == 0 and "extract" in r.stdout and "evaluate" in r.stdout


def test_cli_extract_and_evaluate_samples(tmp_path):
    kb = tmp_path / "kb"
    txts = sorted(str(p) for p in SAMPLES.glob("*.txt"))
    assert txts, "corpus/samples has no .txt articles"
    r = run("extract", *txts, "--out", str(kb))
    assert r.returncode == 0, r.stderr
    for name in ("facts.jsonl", "documents.jsonl", "manifest.json"):
        assert (kb / name).exists()
    manifest = json.loads((kb / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["documents"] == len(txts) and manifest["pattern_hash"] and manifest["version"]
    docs = {json.loads(l)["id"]: json.loads(l) for l in (kb / "documents.jsonl").read_text(encoding="utf-8").splitlines()}
    for line in (kb / "facts.jsonl").read_text(encoding="utf-8").splitlines():
        f = json.loads(line)
        text = docs[f["doc_id"]]["text"]
        assert text[f["start"]:f["end"]] == f["text"]
        assert 0 <= f["confidence"] <= 1 and f["source"]
    r = run("evaluate", "--gold", str(SAMPLES / "gold.jsonl"), "--kb", str(kb), "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["micro_numeric_legal"]["f1"] >= 0.9
    assert report["metadata_accuracy"]["province"]["accuracy"] >= 0.8


def test_cli_stdin_and_bad_records(tmp_path):
    kb = tmp_path / "kb"
    data = (json.dumps({"id": "a", "text": "Tỷ lệ đạt 85,5%."}, ensure_ascii=False) + "\n" + "oops\n"
            + json.dumps({"id": "b"}) + "\n")
    r = run("extract", "-", "--out", str(kb), input=data)
    assert r.returncode == 0, r.stderr
    assert "<stdin>:2" in r.stderr
    errors = [json.loads(l) for l in (kb / "errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [e["line"] for e in errors] == [2, 3]
    facts = [json.loads(l) for l in (kb / "facts.jsonl").read_text(encoding="utf-8").splitlines()]
    assert any(f["type"] == "percentage" and f["value"] == 85.5 for f in facts)
    r = run("extract", "-", "--out", str(tmp_path / "kb2"), "--strict", input=data)
    assert r.returncode != 0 and (tmp_path / "kb2" / "facts.jsonl").exists()


def test_cli_missing_input_file_is_reported(tmp_path):
    r = run("extract", str(tmp_path / "nope.jsonl"), "--out", str(tmp_path / "kb"), "--strict")
    assert r.returncode != 0 and "does not exist" in r.stderr


def test_cli_evaluate_without_kb_says_what_to_do(tmp_path, capsys):
    code = main(["evaluate", "--gold", str(SAMPLES / "gold.jsonl"), "--kb", str(tmp_path / "none")])
    err = capsys.readouterr().err
    assert code == 1 and "Error:" in err and "extract" in err
