"""Build corpus/samples/gold.jsonl from the sample .txt files and the annotations below.

Each annotation names its span by a text snippet (plus an occurrence index, or a
longer unique context string that contains it); offsets are computed here by
searching the document text, never written by hand. The script asserts that
every span is exact, that snippets without an occurrence index are unique, that
topics come from the 13 allowed topics, and that every shortcoming span is a
sentence under the guideline's sentence rule.

Run:  .venv/bin/python corpus/samples/build_gold.py
"""
from __future__ import annotations

import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

TOPICS = {
    "email", "document_management", "digital_signature", "online_services",
    "one_stop_shop", "infrastructure", "personnel", "security", "web_portal",
    "digital_society", "budget", "governance", "other",
}
QUALIFIERS = {"exact", "over", "under", "about", "range"}


# --- annotation helpers -----------------------------------------------------
# Common keyword arguments: occ (n-th occurrence of the snippet, 0-based),
# within (a context string that contains the snippet; the snippet is looked up
# inside the first/ within_occ-th occurrence of that context).

def pct(snippet, value, qualifier, topic, value_max=None, **loc):
    f = {"type": "percentage", "value": float(value), "qualifier": qualifier}
    if value_max is not None:
        f["value_max"] = float(value_max)
    f["topic"] = topic
    return (snippet, loc, f)


def cnt(snippet, value, unit, topic, **loc):
    return (snippet, loc, {"type": "count", "value": value, "unit": unit, "topic": topic})


def rat(snippet, numerator, denominator, unit, topic, **loc):
    return (snippet, loc, {"type": "ratio", "numerator": numerator,
                           "denominator": denominator, "unit": unit, "topic": topic})


def money(snippet, value, currency, topic, **loc):
    return (snippet, loc, {"type": "money", "value": float(value),
                           "currency": currency, "topic": topic})


def law(snippet, doc_type, number, issued=None, issuer=None, **loc):
    f = {"type": "legal_ref", "doc_type": doc_type, "number": number}
    if issued:
        f["issued"] = issued
    if issuer:
        f["issuer"] = issuer
    return (snippet, loc, f)


def sc(snippet, topic, **loc):
    return (snippet, loc, {"type": "shortcoming", "topic": topic})


# --- annotations --------------------------------------------------------------

DOCS = [
    {
        "id": "sample-01-tuy-phong",
        # no publication date on the page; "Ngày 18/5/2023" is an event date
        "meta": {"province": "Bình Thuận", "district": "Tuy Phong"},
        "facts": [
            law("Quyết định số 2185/QĐ-UBND", "Quyết định", "2185/QĐ-UBND",
                issued="2022-02-16", issuer="UBND tỉnh"),
            cnt("05", 5, "kế hoạch chuyên đề", "governance", within="05 kế hoạch chuyên đề"),
            rat("12/12", 12, 12, "phòng, ban", "document_management"),
            rat("10/10", 10, 10, "xã, thị trấn", "document_management"),
            pct("96,5%", 96.5, "exact", "digital_signature"),
            cnt("319", 319, "TTHC", "one_stop_shop"),
            cnt("142", 142, "thủ tục", "online_services"),
            cnt("41", 41, "tập thể", "digital_signature", within="41 tập thể"),
            cnt("96", 96, "cá nhân", "digital_signature", within="96 cá nhân"),
            cnt("10", 10, "tổ công nghệ số cộng đồng", "digital_society",
                within="10 tổ công nghệ số"),
            cnt("186", 186, "thành viên", "digital_society"),
            sc("Tuy nhiên, hạ tầng mạng tại 4 xã ven biển chưa ổn định, đường truyền "
               "thường xuyên bị gián đoạn.", "infrastructure"),
            cnt("4", 4, "xã ven biển", "infrastructure", within="4 xã ven biển"),
            sc("Tỷ lệ cán bộ cấp xã sử dụng thư điện tử công vụ còn thấp, chưa đạt 50%.", "email"),
            pct("50%", 50, "under", "email"),
            sc("Kinh phí bố trí cho chuyển đổi số năm 2022 chỉ khoảng 500 triệu đồng, chưa "
               "đáp ứng nhu cầu đầu tư.", "budget"),
            money("500 triệu đồng", 500_000_000, "VND", "budget"),
            money("2,5 tỷ đồng", 2_500_000_000, "VND", "budget"),
        ],
    },
    {
        "id": "sample-02-ninh-thuan",
        # file uses \r\n line endings
        "meta": {"province": "Ninh Thuận"},
        "facts": [
            rat("15/63", 15, 63, "tỉnh, thành phố", "governance"),
            cnt("3", 3, "bậc", "governance", within="tăng 3 bậc"),
            rat("14 trong 63", 14, 63, "tỉnh, thành", "governance"),
            law("Nghị quyết số 09-NQ/TU", "Nghị quyết", "09-NQ/TU", issuer="Tỉnh ủy"),
            law("Chỉ thị số 03", "Chỉ thị", "03", issuer="UBND tỉnh"),
            pct("98%", 98, "over", "document_management"),
            pct("90%", 90, "over", "document_management"),
            pct("99,7%", 99.7, "exact", "one_stop_shop"),
            cnt("65", 65, "tổ công nghệ số cộng đồng", "digital_society"),
            cnt("10.257", 10257, "thành viên", "digital_society"),
            pct("70%", 70, "over", "digital_society"),
            pct("0,28%", 0.28, "exact", "digital_society"),
            money("42,6 tỷ đồng", 42_600_000_000, "VND", "budget"),
            money("2,5 tỷ đồng", 2_500_000_000, "VND", "budget"),
            sc("Dù vậy, tỷ lệ hồ sơ trực tuyến toàn trình vẫn dưới 30%.", "online_services"),
            pct("30%", 30, "under", "online_services"),
            sc("Một số thôn vùng cao cách trung tâm xã hơn 20 km chưa có cáp quang, sóng di "
               "động chập chờn.", "infrastructure"),
            sc("Đội ngũ cán bộ chuyên trách công nghệ thông tin còn mỏng, nhiều người chưa "
               "được đào tạo bài bản.", "personnel"),
        ],
    },
    {
        "id": "sample-03-quoc-gia",
        # national report: no province, no district
        "meta": {"published": "2024-01-10"},
        "facts": [
            cnt("17,4 triệu", 17_400_000, "người", "digital_society"),
            law("Đề án 06", "Đề án", "06"),
            cnt("13", 13, "bộ, ngành", "other", within="13 bộ, ngành"),
            cnt("63", 63, "địa phương", "other", within="63 địa phương"),
            law("Nghị định 61/2018/NĐ-CP", "Nghị định", "61/2018/NĐ-CP"),
            pct("95%", 95, "about", "one_stop_shop"),
            pct("97,2%", 97.2, "about", "one_stop_shop"),
            law("Thông tư số 01/2023/TT-BTTTT", "Thông tư", "01/2023/TT-BTTTT",
                issued="2023-04-20", issuer="Bộ Thông tin và Truyền thông"),
            sc("Tuy vậy, tỷ lệ hồ sơ trực tuyến trên tổng số hồ sơ thủ tục hành chính mới "
               "đạt gần 40%.", "online_services"),
            pct("40%", 40, "under", "online_services"),
            sc("Tỷ lệ thanh toán trực tuyến phí, lệ phí còn chưa tới 25%.", "online_services"),
            pct("25%", 25, "under", "online_services"),
            sc("Nhiều dịch vụ được công bố ở mức độ 3, 4 nhưng không phát sinh hồ sơ nào "
               "trong năm.", "online_services"),
            sc("Người từ 60 tuổi trở lên vẫn gặp khó khăn khi thao tác trên Cổng Dịch vụ công "
               "quốc gia.", "online_services"),
            money("15.000 USD", 15_000, "USD", "budget"),
        ],
    },
    {
        "id": "sample-04-ke-hoach-quang-binh",
        # official document: the place-and-date line gives the date of the document
        "meta": {"published": "2024-03-05", "province": "Quảng Bình"},
        "facts": [
            law("Nghị định 61/2018/NĐ-CP", "Nghị định", "61/2018/NĐ-CP",
                issued="2018-04-23", issuer="Chính phủ"),
            law("Kế hoạch số 123/KH-UBND", "Kế hoạch", "123/KH-UBND",
                issued="2022-02-16", issuer="UBND tỉnh"),
            cnt("1.245", 1245, "dịch vụ công trực tuyến", "online_services"),
            cnt("648", 648, "dịch vụ toàn trình", "online_services"),
            pct("33,2%", 33.2, "exact", "online_services"),
            # the line starts with list numbering "2. "; by the sentence rule the
            # sentence starts after it
            sc("Số hồ sơ trực tuyến ở cấp xã còn ít, tỷ lệ dưới 20%; một số sở, ngành chưa "
               "đồng bộ kết quả giải quyết lên Cổng Dịch vụ công.", "online_services"),
            pct("20%", 20, "under", "online_services"),
            pct("90%", 90, "over", "one_stop_shop"),
            pct("80%", 80, "over", "one_stop_shop"),
            pct("60%", 60, "over", "one_stop_shop", within="60% hồ sơ TTHC"),
            pct("60 đến 70%", 60, "range", "online_services", value_max=70),
            pct("45%", 45, "over", "online_services"),
            pct("2%", 2, "under", "one_stop_shop", within="không quá 2%"),
            pct("95%", 95, "over", "personnel"),
            money("3,8 tỷ đồng", 3_800_000_000, "VND", "budget"),
        ],
    },
    {
        "id": "sample-05-duc-trong",
        # title and body write the district with U+00D0; meta normalises to Đ.
        # "Đề án 06" in the breadcrumb line is page chrome, not a legal_ref.
        "meta": {"published": "2023-06-14", "province": "Lâm Đồng", "district": "Đức Trọng"},
        "facts": [
            cnt("1.000", 1000, "hồ sơ", "online_services"),
            cnt("2.816", 2816, "hồ sơ", "one_stop_shop"),
            cnt("1.127", 1127, "hồ sơ", "online_services"),
            pct("37,8%", 37.8, "exact", "online_services"),
            pct("2.5%", 2.5, "exact", "one_stop_shop"),
            cnt("1.064", 1064, "cá nhân", "digital_society"),
            pct("60-70%", 60, "range", "digital_society", value_max=70),
            cnt("15", 15, "tiêu chí", "governance", within="15 tiêu chí"),
            cnt("4", 4, "tiêu chí", "governance", within="4 tiêu chí chưa đạt"),
            sc("Dù còn nhiều khó khăn về đường truyền ở các xã vùng sâu, nhưng huyện vẫn duy "
               "trì họp trực tuyến thông suốt đến 15 xã, thị trấn.", "infrastructure"),
            cnt("15", 15, "xã, thị trấn", "infrastructure", within="15 xã, thị trấn"),
            sc("Tuy nhiên, phần mềm một cửa điện tử đôi khi bị lỗi đồng bộ, hồ sơ phải nhập "
               "lại nhiều lần.", "one_stop_shop"),
            sc("Một số công chức cấp xã chưa thành thạo ký số trên thiết bị di động.",
               "digital_signature"),
        ],
    },
]


# --- sentence rule (guidelines, `shortcoming`) -------------------------------

_ABBREV = ("TP.", "Tp.", "TX.", "TT.", "ThS.", "TS.", "PGS.", "GS.")
_OPEN_QUOTES = "\"'“‘«"


def sentence_spans(text):
    """(start, end) of each sentence: ends at a line break, or after . ! ? …
    followed by white space and then an upper-case letter, a digit, a quote or
    the end of the text, except after the listed abbreviations. Leading and
    trailing white space is excluded."""
    spans = []
    line_start = 0
    for m in re.finditer(r"\r\n|\r|\n|$", text):
        line_end = m.start()
        seg_start = line_start
        i = line_start
        while i < line_end:
            ch = text[i]
            if ch in ".!?…":
                j = i + 1
                while j < line_end and text[j] in ".!?…":
                    j += 1
                k = j
                while k < line_end and text[k] in " \t\u00a0":
                    k += 1
                boundary = False
                if k < line_end and k > j:
                    nxt = text[k]
                    boundary = nxt.isupper() or nxt.isdigit() or nxt in _OPEN_QUOTES
                if boundary and text[i] == "." and j == i + 1:
                    word = re.search(r"\S*$", text[seg_start:j]).group(0)
                    if word in _ABBREV:
                        boundary = False
                if boundary:
                    spans.append((seg_start, j))
                    seg_start = k
                i = j
            else:
                i += 1
        spans.append((seg_start, line_end))
        line_start = m.end()
        if m.group(0) == "":
            break
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s < e:
            out.append((s, e))
    return out


# --- build ------------------------------------------------------------------

def _nth(text, needle, n):
    pos = -1
    for _ in range(n + 1):
        pos = text.find(needle, pos + 1)
        if pos < 0:
            raise AssertionError(f"occurrence {n} of {needle!r} not found")
    return pos


def locate(text, snippet, loc):
    within = loc.get("within")
    if within is not None:
        if "within_occ" not in loc:
            assert text.count(within) == 1, f"context {within!r} is not unique"
        base = _nth(text, within, loc.get("within_occ", 0))
        off = within.find(snippet)
        assert off >= 0, f"{snippet!r} not inside {within!r}"
        start = base + off
    else:
        if "occ" not in loc:
            assert text.count(snippet) == 1, (
                f"snippet {snippet!r} occurs {text.count(snippet)} times; give occ or within")
        start = _nth(text, snippet, loc.get("occ", 0))
    end = start + len(snippet)
    assert text[start:end] == snippet
    return start, end


def build():
    lines = []
    for doc in DOCS:
        path = os.path.join(HERE, doc["id"] + ".txt")
        with open(path, encoding="utf-8", newline="") as fh:
            text = fh.read()
        assert 600 <= len(text) <= 1500, (doc["id"], len(text))
        sents = set(sentence_spans(text))
        facts = []
        for snippet, loc, fields in doc["facts"]:
            start, end = locate(text, snippet, loc)
            fact = {"type": fields["type"], "start": start, "end": end,
                    "text": text[start:end]}
            fact.update({k: v for k, v in fields.items() if k != "type"})
            t = fact["type"]
            if t == "legal_ref":
                assert "topic" not in fact
            else:
                assert fact["topic"] in TOPICS, fact
            if t == "percentage":
                assert fact["qualifier"] in QUALIFIERS, fact
                assert ("value_max" in fact) == (fact["qualifier"] == "range"), fact
            if t == "shortcoming":
                assert (start, end) in sents, f"{doc['id']}: not a sentence span: {snippet!r}"
            facts.append(fact)
        facts.sort(key=lambda f: (f["start"], f["end"], f["type"]))
        keys = [(f["type"], f["start"], f["end"]) for f in facts]
        assert len(keys) == len(set(keys)), f"duplicate fact in {doc['id']}"
        lines.append(json.dumps({"id": doc["id"], "text": text, "meta": doc["meta"],
                                 "facts": facts}, ensure_ascii=False))
    out = os.path.join(HERE, "gold.jsonl")
    with open(out, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("\n".join(lines) + "\n")
    return out, len(lines), sum(len(d["facts"]) for d in DOCS)


if __name__ == "__main__":
    out, ndocs, nfacts = build()
    print(f"wrote {out}: {ndocs} documents, {nfacts} facts", file=sys.stderr)
