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


@pytest.mark.parametrize("entry,message", [
    ("regex: '(?<value>\\d+)%'\n    requires: [1, '']\n    examples: ['12%']",
     r"E009.*'pct'.*x\.yml.*non-empty strings"),
    ("regex: '(?<value>\\d+)\\s*(?:%|phần trăm)'\n    requires: ['%']\n    examples: ['đạt 12%', 'đạt 50 Phần Trăm']",
     r"E009.*'pct'.*'đạt 50 Phần Trăm'.*\['%'\]"),
], ids=["not-words", "example-without-a-word"])
def test_requires_errors_name_the_pattern(tmp_path, entry, message):
    (tmp_path / "x.yml").write_text(f"type: percentage\npatterns:\n  - id: pct\n    {entry}\n", encoding="utf-8")
    with pytest.raises(PatternError, match=message):
        PatternSet(tmp_path)


def test_requires_skips_documents_without_the_words_and_ignores_case():
    from pipeline.document import Document
    from pipeline.extractors import PatternExtractor
    pset = PatternSet()                      # a private copy of the bundled patterns
    pct = next(p for p in pset.all_patterns() if p.id == "percent-sign")
    assert pct.requires == ("%", "phần trăm")
    seen = []
    real = pct.compiled

    class Spy:  # records the documents the pattern ran on
        groupindex = real.groupindex

        def finditer(self, text):
            seen.append(text)
            return real.finditer(text)
    pct.compiled = Spy()
    ex = PatternExtractor(pset)
    got = {text: [f.text for f in ex(Document("d", text)).facts if f.type == "percentage"]
           for text in ("Tỷ lệ đạt 50 PHẦN TRĂM.", "Có 12 xã đạt chuẩn.", "đạt 85,5%")}
    assert seen == ["Tỷ lệ đạt 50 PHẦN TRĂM.", "đạt 85,5%"]
    assert got["đạt 85,5%"] == ["85,5%"] and got["Có 12 xã đạt chuẩn."] == []


def test_requires_words_of_the_bundled_patterns_lose_no_match():
    """On real articles, every pattern with ``requires`` finds nothing in the documents it skips."""
    from conftest import BENCH, DEV_GOLD
    import itertools
    import json
    paths = [p for p in (DEV_GOLD, BENCH) if p.exists()]
    if not paths:
        pytest.skip("../shared is absent (it ships beside the project in CI only)")
    texts = [json.loads(line)["text"] for p in paths for line in itertools.islice(open(p, encoding="utf-8"), 3000)]
    with_req = [p for p in PSET.all_patterns() if p.requires]
    assert with_req
    for p in with_req:
        for text in texts:
            if not any(w in text.lower() for w in p.requires):
                assert p.compiled.search(text) is None, f"{p.id} matches a document without {p.requires}"


def test_line_start_patterns_are_tried_at_line_starts_with_the_same_matches():
    import random
    from pipeline.extractors import _line_start_matches
    from pipeline.patterns import _starts_lines
    assert _starts_lines(r"(?m)^(?:a|b)") and _starts_lines(r"(?m)^[|(]a\|b")
    assert not _starts_lines(r"(?m)^a|b") and not _starts_lines(r"(?m)^\(|a") and not _starts_lines(r"^a")
    assert not _starts_lines(r"(?m)^[^](]a|b") and _starts_lines(r"(?m)^[]|(]a")
    assert [p.id for p in PSET.all_patterns() if p.line_start] == ["list-number"]
    rnd = random.Random(3)
    pieces = ["\n", "\r\n", "\r", "  ", "1. ", "a) ", "12) ", "- ", "| ", ">", " 3/ ", "x", "\n\n", "2.1 ", "đ) ", "\t"]
    for p in [p for p in PSET.all_patterns() if p.line_start]:
        for _ in range(3000):
            text = "".join(rnd.choice(pieces) for _ in range(25))
            want = [(m.span(), m.groups()) for m in p.compiled.finditer(text)]
            assert [(m.span(), m.groups()) for m in _line_start_matches(p.compiled, text)] == want, repr(text)
