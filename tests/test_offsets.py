"""Property: whatever white space, NBSP, zero-width spaces, Ð or decomposed accents a
text contains, every fact's offsets are exact and the values do not change."""
import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pipeline

BASE = [
    "Tuy Đức có 64 tài khoản thư điện tử, đạt 85,5% kế hoạch.",
    "Theo Quyết định số 12/QĐ-UBND ngày 5/3/2023 của UBND tỉnh, 12/12 xã đã kết nối.",
    "Kinh phí 2,5 tỷ đồng; trên 90%, 80% và 60% hồ sơ được xử lý trực tuyến.",
    "Việc sử dụng chữ ký số còn nhiều hạn chế, chưa đạt 50%.",
]
NOISE = st.sampled_from([" ", "  ", "\u00a0", "\t", "\u200b", "\r\n", "\n", "\u2009"])


@st.composite
def noisy(draw):
    text = draw(st.sampled_from(BASE))
    out = []
    for ch in text:
        if ch == " " and draw(st.booleans()):
            out.append(draw(NOISE))
        else:
            out.append(ch)
    t = "".join(out)
    if draw(st.booleans()):
        t = t.replace("Đ", "\u00d0")
    if draw(st.booleans()):
        t = unicodedata.normalize("NFD", t)
    prefix = draw(st.sampled_from(["", "\n", "  ", "\ufeff", "Lượt xem: 176\n"]))
    return prefix + t


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(noisy())
def test_offsets_exact_on_noisy_text(text):
    doc = pipeline.extract(text)
    for f in doc.facts:
        assert text[f.start:f.end] == f.text
        if f.sentence is not None:
            assert text[f.sentence.start:f.sentence.end] == f.sentence.text
            assert f.sentence.start <= f.start < f.sentence.end  # a reference may run past a line break
    for s in doc.sentences:
        assert text[s.start:s.end] == s.text


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_offsets_exact_on_arbitrary_text(text):
    doc = pipeline.extract(text)
    for f in doc.facts:
        assert text[f.start:f.end] == f.text
        assert 0 <= f.start < f.end <= len(text)
