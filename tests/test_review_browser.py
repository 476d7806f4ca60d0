"""End to end in a real browser: Debian's chromium driven by Playwright for Python.

Accept one fact, edit another's value, reject one, add a missed one by selecting
text, reload and see the state kept, then ``apply`` shows all four. Also checks
that an article containing ``<script>`` renders inert, and saves the document
view to ``docs/review.png``.
"""
from __future__ import annotations

import json
import os
import socket
import threading
import time
from pathlib import Path

import pytest

from pipeline import curate
from pipeline.document import Document, Fact
from pipeline.kb import KBWriter
from pipeline.review.app import create_app
from pipeline.review.store import ReviewStore

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parent.parent
SHOT = ROOT / "docs" / "review.png"

pytestmark = pytest.mark.browser

# hand-written report (no corpus text in tests); the machine made two mistakes:
# it read "1.064" as 1.064 and took the year "2024" for a count
TEXT = ("Sở Thông tin và Truyền thông tỉnh Đắk Nông báo cáo kết quả chuyển đổi số năm 2023.\n"
        "Thực hiện Kế hoạch số 45/KH-UBND ngày 10/3/2023 của UBND tỉnh, toàn tỉnh đã cung cấp 1.064 dịch vụ công "
        "trực tuyến, trong đó tỷ lệ hồ sơ xử lý trực tuyến đạt 85,5%. 12/12 phòng, ban chuyên môn đã sử dụng chữ ký "
        "số. Kinh phí đầu tư hạ tầng là 2,5 tỷ đồng.\n"
        "Tuy nhiên, tỷ lệ sử dụng thư điện tử công vụ còn thấp, chưa đạt 50%. Một số xã chưa bố trí cán bộ "
        "chuyên trách công nghệ thông tin.\n"
        "Năm 2024, tỉnh phấn đấu 100% hồ sơ được số hóa.")
MISSED = "Một số xã chưa bố trí cán bộ chuyên trách công nghệ thông tin."
FACTS = [
    ("legal_ref", "Kế hoạch số 45/KH-UBND", dict(doc_type="Kế hoạch", number="45/KH-UBND", issued="2023-03-10",
                                                 issuer="UBND tỉnh", confidence=0.95)),
    ("count", "1.064", dict(value=1.064, unit="dịch vụ công trực tuyến", topic="online_services", confidence=0.55)),
    ("percentage", "85,5%", dict(value=85.5, qualifier="exact", topic="online_services", confidence=0.95)),
    ("ratio", "12/12", dict(numerator=12, denominator=12, unit="phòng, ban", topic="digital_signature", confidence=0.9)),
    ("money", "2,5 tỷ đồng", dict(value=2.5e9, currency="VND", topic="budget", confidence=0.95)),
    ("percentage", "50%", dict(value=50.0, qualifier="under", topic="email", confidence=0.95)),
    ("shortcoming", "Tuy nhiên, tỷ lệ sử dụng thư điện tử công vụ còn thấp, chưa đạt 50%.",
     dict(topic="email", confidence=0.7)),
    ("count", "2024", dict(value=2024, unit="tỉnh", topic="governance", confidence=0.4)),
    ("percentage", "100%", dict(value=100.0, qualifier="exact", topic="governance", confidence=0.9)),
]
EVIL = ('<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> '
        'Huyện có 3 điểm wifi <b>mới</b>.')


def _kb(path: Path) -> Path:
    with KBWriter(path) as kb:
        doc = Document("dn-2023", TEXT, meta={"title": "Kết quả chuyển đổi số năm 2023", "province": "Đắk Nông",
                                              "published": "2023-12-20"})
        for ftype, snippet, fields in FACTS:
            s = TEXT.index(snippet)
            doc.facts.append(Fact(ftype, s, s + len(snippet), snippet, source="test", **fields))
        kb.add(doc)
        evil = Document("evil", EVIL, meta={"province": "Lâm Đồng"})
        s = EVIL.index("3 điểm")
        evil.facts.append(Fact("count", s, s + 1, "3", value=3, unit="điểm wifi", confidence=0.8))
        kb.add(evil)
        kb.commit({"documents": 2})
    return path


def _key(ftype: str, snippet: str) -> str:
    s = TEXT.index(snippet)
    return f"dn-2023:{ftype}:{s}-{s + len(snippet)}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian chromium is not installed (apt-get install chromium); .ci/run installs it")
    pytest.importorskip("playwright.sync_api", reason="playwright (python) is not installed")
    import uvicorn

    kb = _kb(tmp_path / "kb")
    app = create_app(ReviewStore(kb, reviewer="lan"), allowed_hosts=("127.0.0.1", "localhost"))
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    deadline = time.time() + 10
    while not srv.started and time.time() < deadline:
        time.sleep(0.05)
    assert srv.started, "the review server did not start"
    yield f"http://127.0.0.1:{port}", kb
    srv.should_exit = True
    th.join(timeout=5)


@pytest.fixture
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run"])
        pg = browser.new_page(viewport={"width": 1400, "height": 860})
        pg.set_default_timeout(10_000)
        errors = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        yield pg
        browser.close()
        assert not errors, f"browser errors: {errors}"


def _seg(page, snippet: str):
    return page.locator(f'#text .seg[data-start="{TEXT.index(snippet)}"]').first


def _status(page, key: str):
    return page.locator(f'#factlist li[data-key="{key}"] .badge')


def _drag_select(page, snippet: str) -> None:
    """Select ``snippet`` in the document with the mouse, as a reviewer does."""
    box = page.evaluate("""(snippet) => {
        const walker = document.createTreeWalker(document.querySelector('#text'), NodeFilter.SHOW_TEXT);
        let n;
        while ((n = walker.nextNode())) {
            const i = n.data.indexOf(snippet);
            if (i < 0) continue;
            const r = document.createRange();
            r.setStart(n, i); r.setEnd(n, i + snippet.length);
            const rects = r.getClientRects();
            const a = rects[0], b = rects[rects.length - 1];
            return {x0: a.left + 1, y0: a.top + a.height / 2, x1: b.right - 1, y1: b.top + b.height / 2};
        }
        return null;
    }""", snippet)
    assert box, f"{snippet!r} not found as one text node"
    page.mouse.move(box["x0"], box["y0"])
    page.mouse.down()
    page.mouse.move((box["x0"] + box["x1"]) / 2, box["y1"], steps=4)
    page.mouse.move(box["x1"], box["y1"], steps=4)
    page.mouse.up()


def test_review_browser_end_to_end(server, page, tmp_path):
    from playwright.sync_api import expect

    base, kb = server
    page.goto(base + "/")
    rows = page.locator("table.queue tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-id", "dn-2023")       # lowest model confidence first (0.4 < 0.8)
    page.click('tr[data-id="dn-2023"]')
    expect(page.locator("#text")).to_be_visible()
    expect(page.locator(".legend")).to_contain_text("shortcoming")
    assert page.locator("#text .sent").count() >= 6                   # sentence boundaries are drawn

    # 1. accept 85,5% with the keyboard
    _seg(page, "85,5%").click()
    expect(page.locator("#fact-text")).to_have_text("85,5%")
    page.keyboard.press("a")
    expect(_status(page, _key("percentage", "85,5%"))).to_have_text("accepted")

    # 2. edit the value of 1.064 (the machine read it as 1.064)
    _seg(page, "1.064").click()
    page.fill("#fld-value", "1064")
    page.press("#fld-value", "Enter")
    expect(_status(page, _key("count", "1.064"))).to_have_text("edited")

    # 3. reject the year taken for a count
    _seg(page, "2024").click()
    page.click("#btn-reject")
    expect(_status(page, _key("count", "2024"))).to_have_text("rejected")

    # 4. add the missed shortcoming by selecting its text, then its type key
    _drag_select(page, MISSED)
    expect(page.locator("#add-preview")).to_contain_text(MISSED)
    page.keyboard.press("6")
    expect(_status(page, _key("shortcoming", MISSED))).to_have_text("added")

    # reload: the state comes back from corrections.jsonl
    page.reload()
    expect(_status(page, _key("percentage", "85,5%"))).to_have_text("accepted")
    expect(_status(page, _key("count", "1.064"))).to_have_text("edited")
    expect(_status(page, _key("count", "2024"))).to_have_text("rejected")
    expect(_status(page, _key("shortcoming", MISSED))).to_have_text("added")
    expect(page.locator("#progress-text")).to_contain_text("4 / 11 facts reviewed")

    page.click(f'#factlist li[data-key="{_key("count", "1.064")}"]')
    expect(page.locator("#fld-value")).to_have_value("1064")
    SHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOT))

    # undo with the button brings the added fact back out, redo by adding again
    page.click("#undo")
    expect(page.locator(f'#factlist li[data-key="{_key("shortcoming", MISSED)}"]')).to_have_count(0)
    _drag_select(page, MISSED)
    page.click("#add-shortcoming")
    expect(_status(page, _key("shortcoming", MISSED))).to_have_text("added")

    # an article with <script> and HTML stays text
    page.goto(base + "/#/doc/evil")
    expect(page.locator("#text")).to_contain_text("<script>window.__pwned = 1</script>")
    expect(page.locator("#text")).to_contain_text("<b>mới</b>")
    assert page.locator("#text script, #text img, #text b").count() == 0
    assert page.evaluate("window.__pwned") is None

    # apply shows all four decisions
    summary = curate.apply(kb, tmp_path / "curated")
    facts = {json.loads(x)["id"]: json.loads(x) for x in (tmp_path / "curated" / "facts.jsonl").read_text().splitlines()}
    assert facts[_key("percentage", "85,5%")]["review"]["status"] == "accepted"
    assert facts[_key("count", "1.064")]["review"]["status"] == "edited"
    assert facts[_key("count", "1.064")]["value"] == 1064
    assert facts[_key("count", "2024")]["review"]["status"] == "rejected"
    added = facts[_key("shortcoming", MISSED)]
    assert added["review"] == {**added["review"], "status": "added", "reviewer": "lan"} and added["text"] == MISSED
    assert summary["orphaned"] == []
