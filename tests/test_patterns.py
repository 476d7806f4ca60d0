"""Every pattern file's examples and counterexamples run as tests; the loader's errors."""
import textwrap

import pytest

import pipeline
from pipeline.errors import PatternError
from pipeline.patterns import PatternSet, load

PSET = load()
NUMERIC = ("percentage", "ratio", "count", "money")


def _examples():
    for p in PSET.all_patterns():
        for i, ex in enumerate(p.examples):
            if isinstance(ex, str):
                yield pytest.param(p, {"text": ex}, id=f"{p.id}-ex{i}")
            else:
                yield pytest.param(p, ex, id=f"{p.id}-ex{i}")


def _counterexamples():
    for p in PSET.all_patterns():
        for i, text in enumerate(p.counterexamples):
            yield pytest.param(p, text, id=f"{p.id}-neg{i}")


@pytest.mark.parametrize("pattern,example", list(_examples()))
def test_pattern_example(pattern, example):
    doc = pipeline.extract(example["text"])
    if pattern.type == "exclusion":
        # an exclusion example yields no numeric fact
        found = [f for f in doc.facts if f.type in NUMERIC]
        assert not found, f"{pattern.file} {pattern.id}: {example['text']!r} gave {[f.text for f in found]}"
        return
    want = example.get("expect", {})
    facts = [f for f in doc.facts if f.type == pattern.type]
    def ok(f):
        if "text" in want and f.text != want["text"]:
            return False
        for k, v in want.items():
            if k == "text":
                continue
            got = getattr(f, k)
            if k == "unit":
                if not got or not (got.startswith(v) or v.startswith(got)):
                    return False
            elif isinstance(v, (int, float)) and got is not None:
                if abs(float(got) - float(v)) > 1e-9 * max(1.0, abs(float(v))):
                    return False
            elif got != v:
                return False
        return True
    assert any(ok(f) for f in facts), (f"{pattern.file} {pattern.id}: {example['text']!r} expected {want}, "
                                       f"got {[f.to_dict() for f in facts]}")


@pytest.mark.parametrize("pattern,text", list(_counterexamples()))
def test_pattern_counterexample(pattern, text):
    doc = pipeline.extract(text)
    found = [f for f in doc.facts if f.type == pattern.type]
    assert not found, f"{pattern.file} {pattern.id}: counterexample {text!r} gave {[f.text for f in found]}"


def test_every_pattern_has_an_example():
    missing = [p.id for p in PSET.all_patterns() if not p.examples]
    assert not missing, f"patterns without examples: {missing}"


def _write(tmp_path, name, body):
    (tmp_path / name).write_text(textwrap.dedent(body), encoding="utf-8")


def test_patterns_bad_regex_names_file_and_id(tmp_path):
    _write(tmp_path, "x.yml", """\
        type: percentage
        patterns:
          - id: broken
            regex: '(?<value>\\d+%'
        """)
    with pytest.raises(PatternError, match=r"E001.*broken.*x\.yml"):
        PatternSet(tmp_path)


def test_patterns_unknown_macro(tmp_path):
    _write(tmp_path, "x.yml", """\
        type: percentage
        patterns:
          - id: uses-macro
            regex: '{NOPE}%'
        """)
    with pytest.raises(PatternError, match=r"E003.*NOPE"):
        PatternSet(tmp_path)


def test_patterns_duplicate_id(tmp_path):
    body = """\
        type: {t}
        patterns:
          - id: same
            regex: 'a'
        """
    _write(tmp_path, "a.yml", body.format(t="percentage"))
    _write(tmp_path, "b.yml", body.format(t="count"))
    with pytest.raises(PatternError, match="E004"):
        PatternSet(tmp_path)


def test_patterns_missing_regex(tmp_path):
    _write(tmp_path, "a.yml", "type: count\npatterns:\n  - id: nore\n")
    with pytest.raises(PatternError, match="E002.*regex"):
        PatternSet(tmp_path)


def test_patterns_empty_dir(tmp_path):
    with pytest.raises(PatternError, match="E006"):
        PatternSet(tmp_path)


def test_pattern_hash_changes_with_content(tmp_path):
    _write(tmp_path, "a.yml", "type: count\npatterns:\n  - id: one\n    regex: 'a'\n")
    h1 = PatternSet(tmp_path).hash
    _write(tmp_path, "a.yml", "type: count\npatterns:\n  - id: one\n    regex: 'b'\n")
    assert PatternSet(tmp_path).hash != h1
