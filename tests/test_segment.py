"""Sentence rule of the guidelines, word offsets through underthesea, spaCy Docs."""
import json
import unicodedata
from pathlib import Path

import pytest

import pipeline
from pipeline.document import Document
from pipeline.patterns import load
from pipeline.segment import SentenceSegmenter, to_spacy, words, words_of

CASES = [json.loads(l) for l in (Path(__file__).parent / "data" / "sentence_cases.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
SEG = SentenceSegmenter(load())


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_segment_sentence_cases(case):
    doc = SEG(Document("t", case["text"]))
    assert [s.text for s in doc.sentences] == case["sentences"]
    for s in doc.sentences:
        assert case["text"][s.start:s.end] == s.text


def test_segment_abbreviation_does_not_end_sentence():
    doc = SEG(Document("t", "Đoàn làm việc tại TP. Buôn Ma Thuột và TX. Buôn Hồ. Sau đó về huyện."))
    assert len(doc.sentences) == 2


@pytest.mark.parametrize("text", [
    "Tuy Ðức có 64 tài khoản cơ quan",                       # Ð U+00D0
    unicodedata.normalize("NFD", "Huyện hoà nhập 64 tài khoản cơ quan"),  # decomposed accents
    "Tuy\u00a0Đức\tcó  64\u200b tài khoản\r\ncơ quan",        # NBSP, tab, zero-width, CRLF
])
def test_segment_words_map_to_original_offsets(text):
    spans = words(text)
    assert spans, "no words"
    joined = "".join(text[a:b] for a, b in spans)
    skeleton = lambda s: "".join(c for c in unicodedata.normalize("NFD", s) if c.isalnum())
    assert skeleton(joined).lower().replace("đ", "d") == skeleton(text).lower().replace("đ", "d")
    for a, b in spans:
        assert 0 <= a < b <= len(text)
        assert not text[a].isspace() and not text[b - 1].isspace()


def test_segment_words_keep_compounds():
    text = "Huyện cấp 64 tài khoản cơ quan"
    assert "tài khoản" in [text[a:b] for a, b in words(text)]


def test_words_of_plain_windows_match_underthesea_words():
    windows = [" tài khoản cơ quan được cấp", "hồ sơ trực tuyến", " điểm phát sóng 4G"]
    got = words_of(windows)
    assert len(got) == 3
    for w, spans in zip(windows, got):
        assert [w[a:b] for a, b in spans] == [w[a:b] for a, b in words(w)]
    assert "tài khoản" in [windows[0][a:b] for a, b in got[0]]


def test_words_of_does_not_depend_on_the_other_windows():
    a, b = "cán bộ công chức", "máy tính bảng"
    assert words_of([a, b]) == [words_of([a])[0], words_of([b])[0]]
    assert words_of([b, a, b]) == [words_of([b])[0], words_of([a])[0], words_of([b])[0]]


@pytest.mark.parametrize("window", [
    " Ðiểm\u00a0truy cập",                                   # Ð U+00D0 and NBSP: not plain
    unicodedata.normalize("NFD", " thuê bao di động"),       # decomposed accents
    " văn bản (điện tử)",                                     # punctuation
    "",
    "   ",
])
def test_words_of_other_windows_keep_exact_offsets(window):
    (spans,) = words_of([window])
    for a, b in spans:
        assert 0 <= a < b <= len(window)
        assert not window[a].isspace() and not window[b - 1].isspace()
    letters = lambda s: "".join(c for c in unicodedata.normalize("NFD", s) if c.isalnum())
    assert letters("".join(window[a:b] for a, b in spans)) == letters(window)


def test_segment_spacy_doc_aligns_with_text():
    text = "Ngày 16/02/2022, tỷ lệ đạt 85,5%.\n\nHuyện có  12/12 xã\u00a0và 64 tài khoản."
    doc = pipeline.extract(text)
    sdoc = to_spacy(doc)
    assert sdoc.text == text
    labels = {(s.start_char, s.end_char, s.label_) for s in sdoc.spans["facts"]}
    for f in doc.facts:
        assert (f.start, f.end, f.type) in labels
