"""Tests of pipeline.display: displaCy rendering of a KB document, exact and inert text, HTML export."""
from __future__ import annotations

import doctest
import html
import re
from pathlib import Path

import pandas as pd
import pytest

from pipeline import display
from pipeline.display import COLORS, render, save_html
from pipeline.document import FACT_TYPES, Document, Fact
from pipeline.kb import KBWriter, load

HOSTILE = ('Tin <b>nóng</b> & "mới"\r\n'
           '<script>alert("xss")</script> <img src=x onerror=alert(1)>\r\n'
           'Tỷ lệ hồ sơ trực tuyến đạt 45,5%;   có 12/20 xã.\n'
           '\tTỷ lệ ký số còn thấp, chưa đạt 30% vì thiếu 2,5 tỷ đồng.\n'
           'Theo Quyết định số 12/QĐ-UBND ngày 1/2/2023 của UBND tỉnh, có 140 dịch vụ công.')


def _fact(text, snippet, ftype, **attrs):
    start = text.index(snippet)
    conf = attrs.pop("confidence", 0.95)
    return Fact(ftype, start, start + len(snippet), snippet, confidence=conf, source="test", **attrs)


def hostile_doc() -> Document:
    t = HOSTILE
    facts = [
        _fact(t, "45,5%", "percentage", value=45.5, qualifier="exact", topic="online_services"),
        _fact(t, "12/20", "ratio", numerator=12, denominator=20, unit='xã"><script>alert(2)</script>', topic="email"),
        _fact(t, "Tỷ lệ ký số còn thấp, chưa đạt 30% vì thiếu 2,5 tỷ đồng.", "shortcoming",
              topic="digital_signature", confidence=0.7),
        _fact(t, "30%", "percentage", value=30.0, qualifier="under", topic="digital_signature"),
        _fact(t, "2,5 tỷ đồng", "money", value=2.5e9, currency="VND", topic="budget"),
        _fact(t, "Quyết định số 12/QĐ-UBND", "legal_ref", doc_type="Quyết định", number="12/QĐ-UBND",
              issued="2023-02-01", issuer="UBND tỉnh"),
        _fact(t, "140", "count", value=140.0, unit="dịch vụ công", topic="online_services"),
    ]
    return Document("hostile", t, {"province": "Phú Yên", "title": "<i>Tiêu đề</i>", "published": "2023-02-02"},
                    facts)


@pytest.fixture(scope="module")
def kb_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("kb") / "kb"
    with KBWriter(path) as kb:
        kb.add(hostile_doc())
        kb.add(Document("plain", "Không có số liệu.", {}))
        kb.commit({})
    return path


@pytest.fixture(scope="module")
def kb(kb_dir):
    return load(kb_dir, with_text=True)


def body_text(markup: str) -> str:
    """The document text back from the rendered markup (labels removed, tags stripped, unescaped)."""
    body = markup[markup.index('<div class="entities"'):]
    body = body[body.index(">") + 1:body.rindex("</div></div>")]
    body = re.sub(r'<span class="fact-label"[^>]*>[^<]*</span>', "", body)
    body = body.replace("<br>", "\n")
    body = re.sub(r"<[^>]+>", "", body)
    return html.unescape(body)


def test_doctests():
    result = doctest.testmod(display)
    assert result.attempted >= 5 and result.failed == 0


def test_text_is_shown_exactly(kb):
    out = render("hostile", kb, jupyter=False)
    assert body_text(out) == HOSTILE
    assert "white-space: pre-wrap" in out
    assert "\r" not in out  # kept as &#13; so that the HTML parser adds no extra line break


def test_script_in_text_stays_inert(kb):
    out = render("hostile", kb, jupyter=False)
    assert not re.search(r"<\s*script", out, re.I)
    assert not re.search(r"<\s*img", out, re.I)
    assert "&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;" in out
    assert "<b>" not in out and "<i>" not in out  # markup in the text and the title is escaped
    assert "&lt;i&gt;Tiêu đề&lt;/i&gt;" in out
    # a hostile unit ends up escaped inside the tooltip attribute
    assert 'unit=xã&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;' in out


def test_every_fact_highlighted_with_its_colour_and_legend(kb):
    out = render("hostile", kb, jupyter=False)
    for ftype in FACT_TYPES:
        assert f'class="fact fact-{ftype}"' in out, ftype
        assert COLORS[ftype] in out
    legend = out[out.index('class="fact-legend"'):out.index('<div class="entities"')]
    for ftype, n in {"percentage": 2, "ratio": 1, "count": 1, "money": 1, "legal_ref": 1, "shortcoming": 1}.items():
        assert f"{ftype} ({n})" in legend
    assert re.search(r'fact-percentage[^>]*>45,5%<span class="fact-label"[^>]*>percentage</span></mark>', out)
    assert "province: Phú Yên" in out and "published: 2023-02-02" in out
    assert "value=45.5" in out and "topic=online_services" in out


def test_shortcoming_wraps_the_facts_inside_it(kb):
    out = render("hostile", kb, jupyter=False)
    body = out[out.index('<div class="entities"'):]
    pieces = re.findall(r'<mark class="fact fact-shortcoming"[^>]*>(.*?)</mark>', body)
    assert [re.sub(r"<[^>]+>.*", "", p) for p in pieces] == ["Tỷ lệ ký số còn thấp, chưa đạt ", " vì thiếu ", "."]
    assert body.count(">shortcoming</span>") == 1  # one label, at the end of the sentence
    # the facts inside the sentence keep their own mark, underlined like the sentence
    inner = re.search(r'<mark class="fact fact-money" style="([^"]*)"', body).group(1)
    assert "border-bottom" in inner
    outer = re.search(r'<mark class="fact fact-ratio" style="([^"]*)"', body).group(1)
    assert "border-bottom" not in outer


def test_overlapping_facts_are_reported_not_nested(kb):
    facts, docs = kb
    extra = facts[facts["text"] == "45,5%"].copy()
    extra["type"] = "count"
    extra["end"] = extra["end"] - 1
    extra["text"] = "45,5"
    out = render("hostile", (pd.concat([facts, extra], ignore_index=True), docs), jupyter=False)
    assert "1 overlapping fact(s) not highlighted" in out
    assert body_text(out) == HOSTILE


def test_filters(kb):
    out = render("hostile", kb, jupyter=False, types=["legal_ref"])
    assert "fact-legal_ref" in out and 'class="fact fact-percentage"' not in out
    assert body_text(out) == HOSTILE
    out = render("hostile", kb, jupyter=False, min_confidence=0.9)
    assert 'class="fact fact-shortcoming"' not in out and 'class="fact fact-money"' in out
    out = render("hostile", kb, jupyter=False, legend=False, colors={"money": "#123456"})
    assert 'class="fact-legend"' not in out and "#123456" in out


def test_kb_path_and_pair_give_the_same_markup(kb_dir, kb):
    assert render("hostile", kb_dir, jupyter=False) == render("hostile", kb, jupyter=False)
    assert body_text(render("plain", kb_dir, jupyter=False)) == "Không có số liệu."


def test_errors(kb_dir, kb):
    with pytest.raises(KeyError, match="not in the KB"):
        render("nope", kb)
    facts, docs = kb
    with pytest.raises(ValueError, match="with_text=True"):
        render("hostile", load(kb_dir))


def test_page_and_save_html(tmp_path, kb):
    page = render("hostile", kb, page=True, jupyter=False)
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert page.rstrip().endswith("</html>")
    path = save_html("hostile", kb, tmp_path / "out" / "hostile.html")
    assert path == tmp_path / "out" / "hostile.html"
    written = Path(path).read_text(encoding="utf-8")
    assert written == page and "Tỷ lệ ký số" in written


def test_notebook_display_modes(kb, monkeypatch):
    out = render("hostile", kb)
    assert isinstance(out, display.HTML) and isinstance(out, str)
    assert out._repr_html_() == str(out)
    plain = render("hostile", kb, jupyter=False)
    assert type(plain) is str and plain == str(out)
    shown = []
    import IPython.display
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    again = render("hostile", kb, jupyter=True)
    assert again == out and len(shown) == 1 and shown[0].data == str(out)
