"""extract --models DIR / --no-models: which classifiers run, clear errors, and the resume fingerprint."""
from __future__ import annotations

import json
import shutil

import pytest

import pipeline
from pipeline.errors import ModelError
from pipeline.models import MODEL_DIR
from test_run import cli, extract, kb_files, make_docs, write_jsonl

SHORTCOMING_TEXT = "Tuy nhiên, nhân lực công nghệ thông tin còn thiếu, hạ tầng ở một số xã chưa đáp ứng yêu cầu."

pytestmark = pytest.mark.skipif(not (MODEL_DIR / "shortcoming.skops").is_file() or
                                not (MODEL_DIR / "topic.skops").is_file(), reason="no trained models in models/")


def copy_models(dest, threshold=None):
    """A model directory like `train --out DEST` writes: the committed models, the shortcoming card's threshold changed."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("shortcoming", "topic"):
        for suffix in (".skops", ".json", ".md"):
            shutil.copy(MODEL_DIR / f"{name}{suffix}", dest / f"{name}{suffix}")
    if threshold is not None:
        card = json.loads((dest / "shortcoming.json").read_text(encoding="utf-8"))
        card["threshold"] = threshold
        (dest / "shortcoming.json").write_text(json.dumps(card), encoding="utf-8")
    return dest


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    d = tmp_path_factory.mktemp("models-corpus")
    return write_jsonl(d / "docs.jsonl", make_docs(24, start=2000))


@pytest.fixture(scope="module")
def strict_models(tmp_path_factory):
    """Models whose shortcoming threshold (0.9999) no sentence of the corpus reaches."""
    return copy_models(tmp_path_factory.mktemp("m") / "strict", threshold=0.9999)


def shortcomings(kb):
    return [f for f in map(json.loads, (kb / "facts.jsonl").read_text(encoding="utf-8").splitlines())
            if f["type"] == "shortcoming"]


def manifest(kb):
    return json.loads((kb / "manifest.json").read_text(encoding="utf-8"))


def test_models_dir_is_used_and_recorded(corpus, strict_models, tmp_path):
    default = tmp_path / "default"
    extract([corpus], default)
    assert shortcomings(default) and all(f["source"] == "model:shortcoming" for f in shortcomings(default))
    out = tmp_path / "kb"
    s = extract([corpus], out, models=str(strict_models))
    assert s["processed"] == 24
    assert shortcomings(out) == []                             # the other models' threshold applies
    m = manifest(out)
    assert m["models"]["shortcomings"]["model"] == str(strict_models.resolve() / "shortcoming.skops")
    assert m["models"]["shortcomings"]["threshold"] == 0.9999
    assert m["models"]["topics"]["model"] == str(strict_models.resolve() / "topic.skops")
    assert m["fingerprint"] != manifest(default)["fingerprint"]
    assert manifest(default)["models"]["shortcomings"]["model"] == str(MODEL_DIR / "shortcoming.skops")


def test_models_are_part_of_the_resume_fingerprint(corpus, strict_models, tmp_path):
    out = tmp_path / "kb"
    extract([corpus], out)
    s = extract([corpus], out, models=str(strict_models))      # other models: everything again
    assert (s["processed"], s["reused"]) == (24, 0)
    s = extract([corpus], out, models=str(strict_models))      # same models: nothing to do
    assert (s["processed"], s["reused"]) == (0, 24)
    same = copy_models(tmp_path / "same-elsewhere", threshold=0.9999)
    s = extract([corpus], out, models=str(same))               # the same files elsewhere: still reused
    assert (s["processed"], s["reused"]) == (0, 24)
    copy_models(same, threshold=0.5)                           # retrained in place: redone
    s = extract([corpus], out, models=str(same))
    assert (s["processed"], s["reused"]) == (24, 0)
    s = extract([corpus], out, models=False)                   # the lexicon: redone
    assert (s["processed"], s["reused"]) == (24, 0)
    fresh = tmp_path / "fresh"
    extract([corpus], fresh, models=False)
    assert kb_files(out) == kb_files(fresh)


def test_no_models_uses_the_lexicon(corpus, tmp_path):
    out = tmp_path / "kb"
    extract([corpus], out, models=False)
    sc = shortcomings(out)
    assert sc and {f["source"] for f in sc} == {"lexicon:shortcoming"}
    assert manifest(out)["models"] == {"shortcomings": "lexicon", "topics": "lexicon"}
    doc = pipeline.extract(SHORTCOMING_TEXT, models=False)
    assert [f.source for f in doc.facts if f.type == "shortcoming"] == ["lexicon:shortcoming"]
    with pytest.raises(ValueError, match="lexicon baseline"):
        pipeline.get_pipeline(models=False, shortcoming_threshold=0.8)


def test_models_python_api(strict_models):
    assert [f.source for f in pipeline.extract(SHORTCOMING_TEXT).facts if f.type == "shortcoming"] == \
        ["model:shortcoming"]
    assert not [f for f in pipeline.extract(SHORTCOMING_TEXT, models=strict_models).facts if f.type == "shortcoming"]
    docs = list(pipeline.extract_many([SHORTCOMING_TEXT], models=strict_models))
    assert docs[0].facts == [] or all(f.type != "shortcoming" for f in docs[0].facts)
    nlp = pipeline.get_pipeline(models=strict_models)
    assert dict(nlp.components)["shortcomings"].threshold == 0.9999


def test_models_dir_without_models_is_a_clear_error(tmp_path, corpus):
    empty = tmp_path / "retrained"
    empty.mkdir()
    (empty / "shortcoming.skops").write_bytes(b"")
    with pytest.raises(ModelError) as exc:
        extract([corpus], tmp_path / "kb", models=str(empty))
    msg = str(exc.value)
    assert str(empty) in msg and "topic.skops" in msg and "shortcoming.skops and topic.skops" in msg
    assert f"python -m pipeline train --data GOLD.jsonl --out {empty}" in msg
    assert not (tmp_path / "kb").exists()                      # checked before anything is written
    with pytest.raises(ModelError, match="does not exist"):
        pipeline.get_pipeline(models=tmp_path / "nowhere")

    r = cli("extract", corpus, "--out", tmp_path / "kb", "--models", tmp_path / "nowhere")
    assert r.returncode == 1
    assert r.stderr.startswith("Error: E105: model directory") and str(tmp_path / "nowhere") in r.stderr
    assert "python -m pipeline train" in r.stderr and "--out" in r.stderr
    r = cli("extract", corpus, "--out", tmp_path / "kb", "--models", empty, "--no-models")
    assert r.returncode == 2 and "not allowed with" in r.stderr
    r = cli("extract", corpus, "--out", tmp_path / "kb", "--no-models", "--shortcoming-threshold", "0.7")
    assert r.returncode == 1 and "lexicon baseline" in r.stderr


def test_models_cli_and_help(corpus, strict_models, tmp_path):
    r = cli("extract", "--help")
    assert "--models DIR" in r.stdout and "--no-models" in r.stdout and "python -m pipeline train" in r.stdout
    r = cli("extract", corpus, "--out", tmp_path / "kb", "--models", strict_models, "--quiet")
    assert r.returncode == 0, r.stderr
    assert shortcomings(tmp_path / "kb") == []
    r = cli("extract", corpus, "--out", tmp_path / "kb2", "--no-models", "--quiet")
    assert r.returncode == 0, r.stderr
    assert manifest(tmp_path / "kb2")["models"]["topics"] == "lexicon"


def test_models_with_workers(corpus, strict_models, tmp_path):
    single = tmp_path / "single"
    extract([corpus], single, models=str(strict_models))
    out = tmp_path / "kb"
    s = extract([corpus], out, models=str(strict_models), workers=2)
    assert s["processed"] == 24 and kb_files(out) == kb_files(single)
    lex1, lex2 = tmp_path / "lex1", tmp_path / "lex2"
    extract([corpus], lex1, models=False)
    extract([corpus], lex2, models=False, workers=2)
    assert kb_files(lex1) == kb_files(lex2)


@pytest.mark.slow
def test_models_with_dask(corpus, strict_models, tmp_path):
    pytest.importorskip("dask.distributed")
    single = tmp_path / "single"
    extract([corpus], single, models=str(strict_models))
    out = tmp_path / "kb"
    s = extract([corpus], out, models=str(strict_models), dask="local", workers=2)
    assert s["processed"] == 24 and kb_files(out) == kb_files(single)
    assert manifest(out)["fingerprint"] == manifest(single)["fingerprint"]
    lex = tmp_path / "lex"
    extract([corpus], lex, models=False, dask="local", workers=2)
    assert kb_files(lex) != kb_files(single) and manifest(lex)["models"]["shortcomings"] == "lexicon"
