"""Metadata stage: publication date and place of a document.

The stage reads the page header for the date the page shows as its
publication or last update (``published``) and weighs the place names of the
text to find the pre-2025 province and the district-level unit the report is
mainly about (``province``, ``district``), plus the province that unit belongs
to after the July 2025 merger (``province_2025``). See the section "Document
metadata" of the annotation guidelines.

Data
----
* ``patterns/metadata.yml``: date labels, unit words, spelling variants,
  person-name cues, weights and thresholds (researchers edit it as data).
* ``pipeline/data/gazetteer.json``: the 63 provinces, their districts and
  communes, built offline from vietnamadminunits by
  ``pipeline/data/build_gazetteer.py``.

Both are read once, at first use; nothing is fetched at run time and
dateparser is not used. Everything works on a normalised copy of the text
(NFC, ``Ð`` -> ``Đ``): the stage reports values, not offsets.
"""
from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import yaml

from .document import Document

_ROOT = Path(__file__).resolve().parent.parent
PATTERNS_FILE = _ROOT / "patterns" / "metadata.yml"
GAZETTEER_FILE = Path(__file__).resolve().parent / "data" / "gazetteer.json"

# ---------------------------------------------------------------------------
# Text normalisation and name keys
# ---------------------------------------------------------------------------
_CHAR_MAP = str.maketrans({"\u00d0": "Đ", "\u00f0": "đ", "\u2019": "'", "\u02bc": "'", "\u00a0": " "})

#: Old/new tone placement: ``oà``/``òa``, ``uỷ``/``ủy``; keys use the first form.
_TONE_PAIRS = {}
for _plain, _toned in (("a", "àáảãạ"), ("e", "èéẻẽẹ"), ("y", "ỳýỷỹỵ")):
    _base = {"a": "o", "e": "o", "y": "u"}[_plain]
    _base_toned = {"o": "òóỏõọ", "u": "ùúủũụ"}[_base]
    for _i, _ch in enumerate(_toned):
        _TONE_PAIRS[_base_toned[_i] + _plain] = _base + _ch
_TONE_RE = re.compile("|".join(_TONE_PAIRS))


def normalize_text(text: str) -> str:
    """NFC, ``Ð`` (U+00D0) -> ``Đ``, curly apostrophes and NBSP made plain."""
    return unicodedata.normalize("NFC", text).translate(_CHAR_MAP)


def name_key(name: str) -> str:
    """Lookup key of a place name: case, hyphens and tone placement folded.

    ``"Thừa Thiên - Huế"``, ``"THỪA THIÊN HUẾ"`` and ``"Thừa Thiên Huế"`` get
    the same key; so do ``"Hòa Bình"`` and ``"Hoà Bình"``.
    """
    s = normalize_text(name).lower()
    s = _TONE_RE.sub(lambda m: _TONE_PAIRS[m.group(0)], s)
    s = re.sub(r"[\s\-–_.]+", " ", s)
    return s.strip()


# ---------------------------------------------------------------------------
# Resources (read once)
# ---------------------------------------------------------------------------
@dataclass
class _District:
    name: str
    province: str
    types: tuple
    former: bool = False


@dataclass
class _Resources:
    cfg: dict
    provinces: dict                       # name -> {"type", "province_2025", "central"}
    districts: list                       # [_District]
    names: dict                           # key -> [("P", name) | ("D", index)]
    wards: dict                           # key -> [(type, district, province)]
    numbered: dict                        # "1" -> district index (Quận 1 ...)
    max_tokens: int
    # compiled regexes
    unit_res: list = field(default_factory=list)     # [(kind, compiled)]
    person_re: Optional[re.Pattern] = None
    surnames: frozenset = frozenset()
    chrome_re: Optional[re.Pattern] = None
    national_re: Optional[re.Pattern] = None
    label_re: Optional[re.Pattern] = None
    weekday_keys: frozenset = frozenset()
    doc_title_re: Optional[re.Pattern] = None


_RES: Optional[_Resources] = None


def _load_resources() -> _Resources:
    """Read the YAML patterns and the gazetteer and compile everything once."""
    global _RES
    if _RES is not None:
        return _RES
    cfg = yaml.safe_load(PATTERNS_FILE.read_text(encoding="utf-8"))
    gaz = json.loads(GAZETTEER_FILE.read_text(encoding="utf-8"))
    place = cfg["place"]

    provinces = {}
    names: dict = defaultdict(list)
    for pname, info in gaz["provinces"].items():
        central = info["type"] == "Thành phố" or pname == "Thừa Thiên Huế"
        provinces[pname] = {**info, "central": central}
        names[name_key(pname)].append(("P", pname))
    for pname, aliases in (place.get("province_aliases") or {}).items():
        if pname not in provinces:
            raise ValueError(f"{PATTERNS_FILE}: unknown province {pname!r} in province_aliases")
        for alias in aliases:
            if ("P", pname) not in names[name_key(alias)]:
                names[name_key(alias)].append(("P", pname))

    districts = []
    numbered = {}
    index = {}
    for d in gaz["districts"]:
        dist = _District(d["name"], d["province"], tuple(d["types"]), bool(d.get("former")))
        index[(dist.province, dist.name)] = len(districts)
        districts.append(dist)
        m = re.fullmatch(r"Quận (\d+)", dist.name)
        if m:
            numbered[m.group(1)] = len(districts) - 1
        else:
            names[name_key(dist.name)].append(("D", len(districts) - 1))
    for ref, aliases in (place.get("district_aliases") or {}).items():
        prov, _, dname = ref.partition("/")
        if (prov, dname) not in index:
            continue
        for alias in aliases:
            entry = ("D", index[(prov, dname)])
            if entry not in names[name_key(alias)]:
                names[name_key(alias)].append(entry)

    wards = {}
    for wname, places in gaz["wards"].items():
        wards[name_key(wname)] = [tuple(p) for p in places]

    res = _Resources(cfg=cfg, provinces=provinces, districts=districts, names=dict(names),
                     wards=wards, numbered=numbered,
                     max_tokens=max(len(k.split()) for k in names))

    units = place["units"]
    for kind in ("province", "central", "district", "ward"):
        alts = "|".join(units[kind])
        res.unit_res.append((kind, re.compile(rf"(?i)(?<!\w)(?:{alts})\s*$")))
    res.person_re = re.compile(r"(?i)(?<!\w)(?:%s)\s*$" % "|".join(place["person_cues"]))
    res.surnames = frozenset(name_key(s) for s in place["surnames"])
    res.chrome_re = re.compile(r"(?i)^\W*(?:%s)" % "|".join(place["chrome_lines"]))
    res.national_re = re.compile("|".join(place["national_issuers"]))

    pub = cfg["published"]
    need_colon = set(pub.get("labels_need_colon") or [])
    alts = []
    for label in sorted(pub["labels"], key=len, reverse=True):
        for form in dict.fromkeys((label, label.upper())):
            body = r"\s+".join(re.escape(w) for w in form.split())
            alts.append(body + (r"\s*:" if label in need_colon else r"(?:\s*:)?"))
    res.label_re = re.compile(
        r"(?<!\w)(?:%s)\s*(?:[\-–|]\s*)?(?:lúc\s*)?(?:(?:%s)\s*[,\-–|]?\s*)?(?:ngày\s+)?(?=\d)"
        % ("|".join(alts), _TIME))
    res.weekday_keys = frozenset(name_key(w) for w in pub["weekdays"])
    doc_types = "|".join(re.escape(t) for t in sorted(pub["doc_types"], key=len, reverse=True))
    res.doc_title_re = re.compile(
        r"(?i)^\s*(?:%s)\s+(?:số\s+)?[\w./\-]*\d[\w./\-]*\s+ngày\s+" % doc_types)
    _RES = res
    return res


# ---------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------
_MONTHS_EN = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}
_EN_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
             r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
_YEAR = r"(?:19[89]\d|20[0-4]\d)"
_TIME = r"\d{1,2}\s?[:hg]\s?\d{2}(?:\s?:\s?\d{2})?(?:\s?(?:AM|PM|am|pm|SA|CH))?(?:\s*\(?(?:GMT|UTC)\s*[+\-]\s*\d{1,2}\)?)?"
#: One date, in any of the forms pages use; named groups tell which.
_DATE = (
    rf"(?:(?P<d1>\d{{1,2}})\s?[/.\-]\s?(?P<m1>\d{{1,2}})\s?[/.\-]\s?(?P<y1>{_YEAR})(?![\d/])"
    rf"|(?P<y2>{_YEAR})-(?P<m2>\d{{1,2}})-(?P<d2>\d{{1,2}})(?!\d)"
    rf"|(?i:ngày)\s+(?P<d3>\d{{1,2}})\s+(?i:tháng)\s+(?P<m3>\d{{1,2}})\s*,?\s+(?i:năm)\s+(?P<y3>{_YEAR})"
    rf"|(?P<d4>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<mn4>{_EN_MONTH})\.?,?\s+(?P<y4>{_YEAR})"
    rf"|(?P<mn5>{_EN_MONTH})\.?\s+(?P<d5>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y5>{_YEAR}))"
)
_DATE_RE = re.compile(_DATE)
_LEAD_DATE_RE = re.compile(r"\A\s*date\s+(?P<y>" + _YEAR + r")-(?P<m>\d{2})(?:-(?P<d>\d{2}))?\b")
#: A stand-alone timestamp line: [words] [time] DATE [time] [counters].
_STAMP_RE = re.compile(
    rf"(?P<pre>[^\d\n]{{0,40}}?)[\s,\-–|:]*(?:(?P<t1>{_TIME})\s*[,\-–|]?\s*)?(?:(?i:ngày)\s+)?"
    rf"(?P<date>{_DATE})(?:\s*[,\-–|]?\s*(?:lúc\s*)?(?P<t2>{_TIME}))?(?:\s*\|?\s*\d+)*\s*")
#: ``<Place>, ngày 10 tháng 4 năm 2024`` (the place may be wrapped onto two lines).
_PLACE_DATE_RE = re.compile(
    r"(?m)^[ \t|]*(?P<place>[^\W\d_][\w'\- \t]{0,40}(?:\n[ \t]*[^\W\d_][\w'\- \t]{0,30})?),[ \t]*"
    rf"(?P<date>(?i:ngày)\s+\d{{1,2}}\s+(?i:tháng)\s+\d{{1,2}}\s*,?\s+(?i:năm)\s+{_YEAR})")
_LINE_RE = re.compile(r"[^\n]*")


def _iso(m: re.Match) -> Optional[str]:
    """ISO date of a :data:`_DATE` match, or None if it is not a real date."""
    g = m.groupdict()
    for i in "12345":
        if g.get("y" + i):
            year = int(g["y" + i])
            month = g.get("m" + i)
            month = int(month) if month else _MONTHS_EN[g["mn" + i][:3].lower()]
            day = int(g["d" + i])
            break
    else:
        return None
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def parse_date(value: str) -> Optional[str]:
    """Read one date written in any usual form; ISO ``YYYY-MM-DD`` or ``YYYY-MM``.

    Parameters
    ----------
    value : str
        ``2022-12-05``, ``2022-12-05T08:27:00+07:00``, ``05/12/2022``,
        ``ngày 5 tháng 12 năm 2022``, ``5 December 2022``, ``2023-04`` ...

    Returns
    -------
    str or None
        None when no date can be read.
    """
    s = normalize_text(str(value)).strip()
    m = re.fullmatch(rf"({_YEAR})-(\d{{1,2}})", s)
    if m and 1 <= int(m.group(2)) <= 12:
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"
    m = _DATE_RE.search(s)
    if m:
        return _iso(m)
    return None


def _header_end(text: str, max_lines: int, max_chars: int) -> int:
    """End offset of the page header: the first ``max_lines`` non-empty lines,
    cut at ``max_chars`` characters (but never inside the first line)."""
    seen = 0
    pos = 0
    n = len(text)
    while pos < n and seen < max_lines:
        nl = text.find("\n", pos)
        nl = n if nl < 0 else nl
        if text[pos:nl].strip():
            seen += 1
        pos = nl + 1
    end = min(pos, n)
    first_nl = text.find("\n", len(text) - len(text.lstrip()))
    first_end = n if first_nl < 0 else first_nl
    return max(min(end, max_chars), min(first_end, n))


def _stamp_prefix_ok(pre: str, res: _Resources) -> Optional[str]:
    """Classify the words before a date on a timestamp line.

    Returns ``"weekday"``, ``"byline"`` (capitalised words, a label like
    ``Ngày``) or None when the words make a sentence.
    """
    words = re.findall(r"[^\W\d_][\w'.]*", pre)
    if not words:
        return "byline"
    key = name_key(" ".join(words))
    if key in res.weekday_keys or (len(words) >= 2 and name_key(" ".join(words[:2])) in res.weekday_keys
                                   and len(words) <= 2):
        return "weekday"
    if len(words) > 4:
        return None
    if all(w[0].isupper() for w in words):
        return "byline"
    return None


def find_published(text: str) -> Optional[str]:
    """The publication / last-update date shown in the page header.

    Candidates, strongest first: a leading ``date 2025-10-10`` line; a
    labelled date (``Cập nhật: 05/12/2022 | 08:27``, ``Ngày đăng: ...``,
    ``Ngày: 08/04/2025``); a stand-alone timestamp line (``16:31,
    18/02/2020``, ``PV 09/12/2023 13:54``, ``Thứ tư - 22/11/2023 21:28``,
    ``20 December 2022``); an official document's ``<Place>, ngày 10 tháng 4
    năm 2024`` line; a weekday-and-date line without a time (often a site
    clock); a first line that is a legal document's title with its date.
    Ties go to the earliest. Dates in running text are never read.

    Parameters
    ----------
    text : str
        The document text.

    Returns
    -------
    str or None
        ``YYYY-MM-DD`` (``YYYY-MM`` for a leading ``date 2023-04`` header).
    """
    if not text:
        return None
    res = _load_resources()
    pub = res.cfg["published"]
    head_len = _header_end(text, int(pub["header_lines"]), int(pub["header_chars"]))
    head = normalize_text(text[:head_len])

    m = _LEAD_DATE_RE.match(head)
    if m:
        return f"{m.group('y')}-{m.group('m')}" + (f"-{m.group('d')}" if m.group("d") else "")

    best = None  # (priority, position, iso)

    def offer(prio: int, pos: int, iso: Optional[str]) -> None:
        nonlocal best
        if iso and (best is None or (prio, pos) < best[:2]):
            best = (prio, pos, iso)

    # 1. labelled dates in the header
    for lm in res.label_re.finditer(head):
        dm = _DATE_RE.match(head, lm.end())
        if dm:
            offer(1, lm.start(), _iso(dm))
    # 1b. labelled dates on short chrome lines anywhere (``Ngày đăng: ...`` at the foot)
    if best is None and len(text) > head_len:
        tail = normalize_text(text[head_len:])
        for line in _LINE_RE.finditer(tail):
            s = line.group(0).strip(" \t|()[]")
            if not s or len(s) > 60:
                continue
            lm = res.label_re.match(s)
            if lm:
                dm = _DATE_RE.match(s, lm.end())
                if dm:
                    offer(1, head_len + line.start(), _iso(dm))
                    break
    if best is not None:
        return best[2]

    # 2./4. stand-alone timestamp lines
    for line in _LINE_RE.finditer(head):
        s = line.group(0).strip(" \t|()[]")
        if not s or len(s) > 80:
            continue
        sm = _STAMP_RE.fullmatch(s)
        if not sm:
            continue
        kind = _stamp_prefix_ok(sm.group("pre"), res)
        if kind is None:
            continue
        timed = bool(sm.group("t1") or sm.group("t2"))
        dm = _DATE_RE.match(sm.group("date"))
        prio = 4 if (kind == "weekday" and not timed) else 2
        offer(prio, line.start(), _iso(dm) if dm else None)

    # 3. official documents: ``<Place>, ngày 10 tháng 4 năm 2024``
    for pm in _PLACE_DATE_RE.finditer(head):
        words = re.findall(r"[^\W\d_][\w']*", pm.group("place"))
        if not words or not all(w[0].isupper() for w in words) or len(words) > 6:
            continue
        dm = _DATE_RE.match(pm.group("date"))
        offer(3, pm.start(), _iso(dm) if dm else None)

    # 5. the first line is a legal document's title: ``Nghị quyết số 22/NQ-TU ngày 08/6/2022 ...``
    if best is None:
        first = head.lstrip().split("\n", 1)[0]
        tm = res.doc_title_re.match(first)
        if tm:
            dm = _DATE_RE.match(first, tm.end() - len("")) or _DATE_RE.match(first, tm.end())
            # the regex consumed "ngày "; the date starts right after it
            if dm:
                offer(5, 0, _iso(dm))
    return best[2] if best else None


# ---------------------------------------------------------------------------
# Places
# ---------------------------------------------------------------------------
_WORD_RE = re.compile(r"[^\W\d_][\w']*")
_RUN_GAP_RE = re.compile(r"[ \t]*(?:[\-–][ \t]*)?(?:\n[ \t]*)?")
_QUAN_NUM_RE = re.compile(r"(?i)(?<!\w)quận\s+(\d{1,2})(?!\d)")
_LEGAL_RE = re.compile(
    r"(?i)(?<!\w)(?:quyết\s+định|nghị\s+quyết|nghị\s+định|kế\s+hoạch|công\s+văn|chỉ\s+thị|thông\s+tư|"
    r"văn\s+bản|hướng\s+dẫn|thông\s+báo|chương\s+trình|đề\s+án|tờ\s+trình|báo\s+cáo|kết\s+luận)"
    r"\s+(?:số\s+)?\d[\w/.\-]*[^.;\n]{0,120}?\s(?:của|bởi)\s+[^.;\n]{0,60}")
_UNIT_TOKENS = {
    "tỉnh": "province", "huyện": "district", "quận": "district", "xã": "ward", "phường": "ward",
    "tp": "central", "tx": "district", "tt": "ward",
}
_UNIT_PAIRS = {("thành", "phố"): "central", ("thị", "xã"): "district", ("thị", "trấn"): "ward"}


@dataclass
class _Mention:
    kind: str            # "P" province, "D" district (index), "W" ward
    ref: object          # province name, district index or list of ward places
    start: int
    unit: Optional[str]  # unit word kind before it, or None (bare)
    weight: float = 0.0


def _lines_info(t: str, res: _Resources):
    """Offsets of page-chrome lines and of stand-alone short lines (bylines)."""
    chrome, short = [], []
    for line in _LINE_RE.finditer(t):
        s = line.group(0).strip()
        if not s:
            continue
        if res.chrome_re.match(s):
            chrome.append((line.start(), line.end()))
        words = s.split()
        if len(words) <= 4 and all(w[0].isupper() for w in words if w[0].isalpha()) \
                and not re.search(r"[\d:,;]", s):
            short.append((line.start(), line.end()))
    return chrome, short


def _in(spans, pos: int) -> bool:
    return any(a <= pos < b for a, b in spans)


def _scan(t: str, res: _Resources) -> list:
    """All place-name mentions of ``t``, with the unit word before each."""
    mentions = []
    words = [(m.start(), m.end(), m.group(0)) for m in _WORD_RE.finditer(t)]
    n = len(words)
    i = 0
    while i < n:
        if not words[i][2][0].isupper():
            i += 1
            continue
        # a run of capitalised words separated by blanks, a hyphen or one line break
        j = i + 1
        while j < n and words[j][2][0].isupper() and _RUN_GAP_RE.fullmatch(t, words[j - 1][1], words[j][0]):
            j += 1
        _scan_run(t, words, i, j, res, mentions)
        i = j
    for m in _QUAN_NUM_RE.finditer(t):
        idx = res.numbered.get(str(int(m.group(1))))
        if idx is not None:
            mentions.append(_Mention("D", idx, m.start(), "district"))
    return mentions


def _unit_before(t: str, pos: int, res: _Resources) -> Optional[str]:
    before = t[max(0, pos - 24):pos]
    for kind, rx in (("district", res.unit_res[2][1]), ("ward", res.unit_res[3][1]),
                     ("province", res.unit_res[0][1]), ("central", res.unit_res[1][1])):
        if rx.search(before):
            return kind
    return None


def _scan_run(t, words, i, j, res, mentions) -> None:
    """Greedy longest match of gazetteer names inside one capitalised run."""
    keys = [name_key(w[2]) for w in words[i:j]]
    k = 0
    unit = _unit_before(t, words[i][0], res)
    prev_name_token = None  # the capitalised non-unit token just before
    if i > 0 and words[i - 1][2][0].isupper() is False:
        prev_name_token = None
    while k < len(keys):
        # unit words inside the run (``UBND TỈNH``, ``Thị Xã``, ``Huyện``)
        if k + 1 < len(keys) and (keys[k], keys[k + 1]) in _UNIT_PAIRS:
            unit = _UNIT_PAIRS[(keys[k], keys[k + 1])]
            prev_name_token = None
            k += 2
            continue
        if keys[k] in _UNIT_TOKENS:
            unit = _UNIT_TOKENS[keys[k]]
            prev_name_token = None
            k += 1
            continue
        found = False
        for size in range(min(res.max_tokens, len(keys) - k), 0, -1):
            key = " ".join(keys[k:k + size])
            start = words[i + k][0]
            if unit == "ward":
                places = res.wards.get(key)
                if places:
                    mentions.append(_Mention("W", places, start, "ward"))
                    found = True
                else:
                    continue
            else:
                entries = res.names.get(key)
                if not entries:
                    continue
                person = prev_name_token is not None and prev_name_token in res.surnames
                for kind, ref in entries:
                    m = _Mention(kind, ref, start, unit)
                    if person:
                        m.weight = -1.0  # marked: part of a person's name
                    mentions.append(m)
                found = True
            if found:
                prev_name_token = None
                k += size
                unit = None
                break
        if not found:
            prev_name_token = keys[k]
            unit = None
            k += 1


def _resolve(mentions: list, t: str, title_len: int, res: _Resources):
    """Weigh mentions; returns province scores, district scores and details."""
    place = res.cfg["place"]
    w = place["weights"]
    chrome, short = _lines_info(t, res)
    legal = [(m.start(), m.end()) for m in _LEGAL_RE.finditer(t)]
    lead_end = title_len + int(w["lead_chars"])
    # bylines: short stand-alone lines after the lead
    prov_score: dict = defaultdict(float)
    dist_score: dict = defaultdict(float)
    dist_units: dict = defaultdict(int)
    ward_votes: dict = defaultdict(float)
    # group mentions by position: one position can carry several candidates
    by_pos: dict = defaultdict(list)
    for m in mentions:
        by_pos[m.start].append(m)
    for pos, group in by_pos.items():
        if _in(chrome, pos):
            continue
        person = any(m.weight < 0 for m in group)
        line_start = t.rfind("\n", 0, pos) + 1
        if res.person_re.search(t[max(line_start, pos - 16):pos]):
            person = True
        if pos >= lead_end and _in(short, pos):
            person = True  # a byline or a caption credit
        factor = 1.0
        if person:
            factor *= float(w["person_factor"])
        if pos < lead_end:
            factor *= float(w["lead_factor"])
        if _in(legal, pos):
            factor *= float(w["legal_factor"])
        if factor == 0:
            continue
        provs = [m for m in group if m.kind == "P"]
        dists = [m for m in group if m.kind == "D"]
        wards = [m for m in group if m.kind == "W"]
        unit = group[0].unit
        if wards:
            for m in wards:
                share = 1.0 / len(m.ref)
                for wtype, dname, pname in m.ref:
                    ward_votes[(pname, dname)] += float(w["ward"]) * factor * share
            continue
        if unit == "province" and provs:
            prov_score[provs[0].ref] += float(w["unit"]) * factor
            continue
        if unit == "central":
            central = [m for m in provs if res.provinces[m.ref]["central"]]
            if central:
                prov_score[central[0].ref] += float(w["unit"]) * factor
                continue
            cities = [m for m in dists if "Thành phố" in res.districts[m.ref].types] or dists
            if cities:
                for m in cities:
                    dist_score[m.ref] += float(w["unit"]) * factor / len(cities)
                    dist_units[m.ref] += 1
                continue
            if provs:
                prov_score[provs[0].ref] += float(w["unit"]) * factor
            continue
        if unit == "district":
            for m in dists:
                dist_score[m.ref] += float(w["unit"]) * factor / len(dists)
                dist_units[m.ref] += 1
            continue
        if unit == "ward":
            continue
        if provs:
            prov_score[provs[0].ref] += float(w["province_bare"]) * factor
        elif dists:
            for m in dists:
                dist_score[m.ref] += float(w["district_bare"]) * factor / len(dists)
    return prov_score, dist_score, dist_units, ward_votes


def _place_line_province(t: str, res: _Resources) -> Optional[str]:
    """Province of an official document's ``<Place>, ngày ...`` header line,
    unless the document comes from a national body."""
    pub = res.cfg["published"]
    head = t[:_header_end(t, int(pub["header_lines"]) + 10, int(pub["header_chars"]) * 2)]
    pm = _PLACE_DATE_RE.search(head)
    if not pm:
        return None
    if res.national_re.search(head[:pm.start()]):
        return None
    key = name_key(pm.group("place"))
    for kind, ref in res.names.get(key, []):
        if kind == "P":
            return ref
    dists = [res.districts[ref].province for kind, ref in res.names.get(key, []) if kind == "D"]
    return dists[0] if len(set(dists)) == 1 else None


def find_place(text: str, title: Optional[str] = None) -> dict:
    """The province and district the report is mainly about.

    Every capitalised name of the gazetteer is a mention; its weight depends
    on the unit word before it (``tỉnh``, ``huyện``, ``thị xã``, ``thành
    phố``/``TP.``, ``quận``, ``xã``...), on where it is (title and lead weigh
    more; page chrome, bylines, person names and legal-reference issuers
    weigh little or nothing). District mentions also count for their
    province, ambiguous district names only once the province is known.
    A province needs enough evidence and a clear lead over the runner-up
    (else the report is national); a district needs a unit-word mention,
    enough evidence, and a clear lead over the other districts of the
    province (else the report is province-wide).

    Parameters
    ----------
    text : str
        The document text.
    title : str, optional
        The page title, when known apart from the text.

    Returns
    -------
    dict
        ``{"province": str|None, "district": str|None, "province_2025": str|None}``
    """
    res = _load_resources()
    place = res.cfg["place"]
    w = place["weights"]
    t = normalize_text(text or "")
    title_len = 0
    if title:
        t = normalize_text(title) + "\n\n" + t
        title_len = len(title) + 2
    mentions = _scan(t, res)
    prov_score, dist_score, dist_units, ward_votes = _resolve(mentions, t, title_len, res)

    line_prov = _place_line_province(t, res)
    if line_prov:
        prov_score[line_prov] += float(w["place_line"])

    # districts vote for their province; ambiguous names split their vote
    total = dict(prov_score)
    by_name: dict = defaultdict(list)
    for idx in dist_score:
        by_name[res.districts[idx].name].append(idx)
    share = float(w["district_to_province"])
    for name, idxs in by_name.items():
        provs = {res.districts[i].province for i in idxs}
        known = [p for p in provs if prov_score.get(p, 0) > 0]
        targets = known or (list(provs) if len(provs) == 1 else [])
        for p in targets:
            total[p] = total.get(p, 0.0) + share * sum(dist_score[i] for i in idxs
                                                       if res.districts[i].province == p) / 1.0
    for (p, dname), v in ward_votes.items():
        total[p] = total.get(p, 0.0) + share * v * 0.5

    province = None
    if total:
        ranked = sorted(total.items(), key=lambda kv: -kv[1])
        top, top_score = ranked[0]
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        if top_score >= float(place["province_min"]) and top_score >= float(place["province_ratio"]) * second:
            province = top

    district = None
    if province:
        cand: dict = defaultdict(float)
        units: dict = defaultdict(int)
        for idx, v in dist_score.items():
            d = res.districts[idx]
            if d.province == province:
                cand[d.name] += v
                units[d.name] += dist_units.get(idx, 0)
        for (p, dname), v in ward_votes.items():
            if p == province:
                cand[dname] += v
        if cand:
            ranked = sorted(cand.items(), key=lambda kv: -kv[1])
            name, score = ranked[0]
            second = ranked[1][1] if len(ranked) > 1 else 0.0
            all_d = sum(cand.values())
            if (score >= float(place["district_min"]) and score >= float(place["district_ratio"]) * second
                    and score >= float(place["district_share"]) * all_d):
                district = name

    return {
        "province": province,
        "district": district,
        "province_2025": res.provinces[province]["province_2025"] if province else None,
    }


# ---------------------------------------------------------------------------
# Pipeline component
# ---------------------------------------------------------------------------
def add_metadata(doc: Document) -> Document:
    """Fill ``published``, ``province``, ``district`` and ``province_2025``.

    Values the caller gave are kept (a given ``published`` is normalised to
    ISO when it can be read as a date); missing ones are found in the text.
    Keys whose value is None are left out of ``doc.meta``.

    Parameters
    ----------
    doc : Document

    Returns
    -------
    Document
        The same document, ``meta`` updated in place.
    """
    meta = doc.meta
    given = meta.get("published")
    if given:
        iso = parse_date(str(given))
        if iso is None and not re.fullmatch(r"\d{4}(?:-\d{2}){0,2}", str(given).strip()):
            iso = _dateparser_fallback(str(given))
        if iso:
            meta["published"] = iso
    else:
        meta.pop("published", None)
        found = find_published(doc.text)
        if found:
            meta["published"] = found

    if not all(meta.get(k) for k in ("province", "district", "province_2025")):
        place = find_place(doc.text, meta.get("title"))
        res = _load_resources()
        if meta.get("province") or meta.get("district"):
            # the caller named the place: complete it, never override it
            prov = meta.get("province")
            if not prov and meta.get("district"):
                prov = _province_of_district(str(meta["district"]), place.get("province"), res)
                if prov:
                    meta["province"] = prov
            if prov and not meta.get("province_2025"):
                p = _canonical_province(str(prov), res)
                if p:
                    meta["province_2025"] = res.provinces[p]["province_2025"]
            if (prov and not meta.get("district") and place.get("district")
                    and _canonical_province(str(prov), res) == place.get("province")):
                meta["district"] = place["district"]
        else:
            for key in ("province", "district", "province_2025"):
                if place.get(key) and not meta.get(key):
                    meta[key] = place[key]
    for key in ("published", "province", "district", "province_2025"):
        if key in meta and meta[key] is None:
            del meta[key]
    return doc


def _canonical_province(name: str, res: _Resources) -> Optional[str]:
    key = name_key(re.sub(r"(?i)^\s*(tỉnh|thành\s+phố|tp\.?)\s+", "", name))
    for kind, ref in res.names.get(key, []):
        if kind == "P":
            return ref
    return None


def _province_of_district(name: str, hint: Optional[str], res: _Resources) -> Optional[str]:
    key = name_key(re.sub(r"(?i)^\s*(huyện|quận|thị\s+xã|thành\s+phố|tp\.?)\s+", "", name))
    provs = {res.districts[ref].province for kind, ref in res.names.get(key, []) if kind == "D"}
    if hint in provs:
        return hint
    return provs.pop() if len(provs) == 1 else None


def _dateparser_fallback(value: str) -> Optional[str]:
    """Last resort for a caller-given date in an unusual form (lazy import)."""
    try:
        import dateparser  # noqa: PLC0415 - heavy, only for odd inputs
    except ImportError:  # pragma: no cover
        return None
    dt = dateparser.parse(value, languages=["vi", "en"], settings={"DATE_ORDER": "DMY"})
    return dt.strftime("%Y-%m-%d") if dt else None
