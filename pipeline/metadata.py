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
from functools import lru_cache
from pathlib import Path
from typing import Optional

import regex
import yaml

from .document import Document

_ROOT = Path(__file__).resolve().parent.parent
PATTERNS_FILE = _ROOT / "patterns" / "metadata.yml"
GAZETTEER_FILE = Path(__file__).resolve().parent / "data" / "gazetteer.json"

# ---------------------------------------------------------------------------
# Text normalisation and name keys
# ---------------------------------------------------------------------------
_CHAR_REPLACE = (("\u00d0", "Đ"), ("\u00f0", "đ"), ("\u2019", "'"), ("\u02bc", "'"), ("\u00a0", " "))

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
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    for old, new in _CHAR_REPLACE:
        if old in text:
            text = text.replace(old, new)
    return text


def _strip_accents(s: str) -> str:
    """``Đắk Lắk`` -> ``Dak Lak``."""
    s = unicodedata.normalize("NFD", s.replace("Đ", "D").replace("đ", "d"))
    return "".join(ch for ch in s if not unicodedata.combining(ch))


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
    provinces: dict                       # name -> {"type", "central", "province_2025"}
    districts: list                       # [_District]
    names: dict                           # key -> [("P", name) | ("D", index)]
    wards: dict                           # key -> [(type, district, province)]
    numbered: dict                        # "1" -> district index (Quận 1 ...)
    ascii_index: dict = field(default_factory=dict)  # unaccented province key -> name
    ascii_by_start: dict = field(default_factory=dict)  # first 3 letters -> [(key, name)], longest first
    # compiled regexes
    unit_re: Optional[re.Pattern] = None             # unit word at the end of a window
    unit_last_words: Optional[frozenset] = None      # their last words (None: no fast path)
    name_starts: dict = field(default_factory=dict)  # first token of a name -> most tokens
    ward_starts: dict = field(default_factory=dict)  # the same for commune names
    source_code_re: Optional[re.Pattern] = None
    run_cache: dict = field(default_factory=dict)    # run text -> (token keys, matches, ward first, token spans)
    ascii_prefixes: tuple = ()
    ascii_suffixes: frozenset = frozenset()
    person_re: Optional[re.Pattern] = None
    surnames: frozenset = frozenset()
    chrome_re: Optional[re.Pattern] = None
    national_re: Optional[re.Pattern] = None
    label_re: Optional[re.Pattern] = None
    weekday_re: Optional[re.Pattern] = None
    doc_title_re: Optional[re.Pattern] = None


_RES: Optional[_Resources] = None


def _last_words(patterns: list) -> Optional[frozenset]:
    """Last words of simple unit-word patterns (``thị\\s+xã`` -> ``xã``,
    ``tp\\.?`` -> ``tp``, ``tp.``); None when a pattern is too complex to tell."""
    out = set()
    for pat in patterns:
        last = re.split(r"\\s[+*]", pat)[-1]
        optional_dot = last.endswith("\\.?")
        if optional_dot:
            last = last[:-3]
        last = last.replace("\\.", ".")
        if re.search(r"[\\()\[\]?*+|{}^$]", last):
            return None
        out.add(last.lower())
        if optional_dot:
            out.add(last.lower() + ".")
    return frozenset(out)


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
        provinces[pname] = dict(info)
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
                     wards=wards, numbered=numbered)

    for key, entries in names.items():
        for kind, ref in entries:
            ascii_key = re.sub(r"[^a-z]", "", _strip_accents(key))
            if kind == "P" and len(ascii_key) >= 3:
                res.ascii_index.setdefault(ascii_key, ref)
    for ascii_key, pname in sorted(res.ascii_index.items(), key=lambda kv: -len(kv[0])):
        res.ascii_by_start.setdefault(ascii_key[:3], []).append((ascii_key, pname))

    units = place["units"]
    # districts first: ``thị xã`` before ``xã``
    res.unit_last_words = _last_words([p for ps in units.values() for p in ps])
    res.unit_re = re.compile("(?i)(?<!\\w)(?:%s)\\s*$" % "|".join(
        f"(?P<{kind}>{'|'.join(units[kind])})" for kind in ("district", "ward", "province", "central", "street")
        if units.get(kind)))
    for table, starts in ((names, res.name_starts), (wards, res.ward_starts)):
        for key in table:
            toks = key.split()
            starts[toks[0]] = max(starts.get(toks[0], 0), len(toks))
    codes = place.get("source_codes") or {}
    if codes:
        alts = "|".join(re.escape(c) for c in sorted(codes, key=len, reverse=True))
        res.source_code_re = re.compile(rf"(?m)^[ \t]*\(?({alts})\)?[ \t]*[-–][ \t]")
    res.ascii_prefixes = tuple(sorted(place.get("ascii_prefixes") or [""], key=len, reverse=True))
    res.ascii_suffixes = frozenset(place.get("ascii_suffixes") or [""])
    res.person_re = re.compile(r"(?i)(?<!\w)(?:%s)\s*$" % "|".join(place["person_cues"]))
    res.surnames = frozenset(name_key(s) for s in place["surnames"])
    res.chrome_re = re.compile(r"(?i)^\W*(?:%s)" % "|".join(place["chrome_lines"]))
    res.national_re = re.compile("|".join(place["national_issuers"]))

    pub = cfg["published"]
    days = "|".join(r"\s+".join(re.escape(x) for x in w.split())
                    for w in sorted(pub["weekdays"], key=len, reverse=True))
    res.weekday_re = re.compile(rf"(?i)(?:{days})(?:\s*[,\-–]?\s*ngày)?")
    need_colon = set(pub.get("labels_need_colon") or [])
    alts = []
    for label in sorted(pub["labels"], key=len, reverse=True):
        for form in dict.fromkeys((label, label.upper())):
            # ``(?<!\w)`` goes after the first letter (``C(?<!\wC)ập...``): every
            # alternative then starts with a literal, and ``re`` skips ahead to
            # those letters instead of trying the pattern at every position.
            words = form.split()
            first = re.escape(words[0][0])
            body = first + rf"(?<!\w{first})" + r"\s+".join(
                [re.escape(words[0][1:])] + [re.escape(w) for w in words[1:]])
            alts.append(body + (r"\s*:" if label in need_colon else r"(?:\s*:)?"))
    res.label_re = re.compile(
        r"(?:%s)\s*(?:[\-–|]\s*)?(?:lúc\s*)?(?:(?:%s)\s*[,\-–|]?\s*)?(?:(?i:%s)\s*[,\-–]?\s*)?"
        r"(?:ngày\s+)?"
        % ("|".join(alts), _TIME, days))
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
    rf"|(?:(?i:ngày)\s+)?(?P<d3>\d{{1,2}})\s+(?i:tháng)\s+(?P<m3>\d{{1,2}})\s*,?\s+(?:(?i:năm)\s+)?(?P<y3>{_YEAR})"
    rf"|(?P<d4>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<mn4>{_EN_MONTH})\.?,?\s+(?P<y4>{_YEAR})"
    rf"|(?P<mn5>{_EN_MONTH})\.?\s+(?P<d5>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y5>{_YEAR}))"
)
_DATE_RE = re.compile(_DATE)
_LEAD_DATE_RE = re.compile(r"\A\s*date\s+(?P<y>" + _YEAR + r")-(?P<m>\d{2})(?:-(?P<d>\d{2}))?\b")
#: A stand-alone timestamp line: [words] [time] DATE [time] [counters].
_STAMP_RE = re.compile(
    rf"(?P<pre>[^\n]{{0,40}}?)[\s,\-–|:]*(?:(?P<t1>{_TIME})\s*[,\-–|]?\s*)?(?:(?i:ngày)\s+)?"
    rf"(?P<date>{_DATE})(?:\s*[,\-–|]?\s*(?:lúc\s*)?(?P<t2>{_TIME}))?(?:\s*\|?\s*\d+)*\s*")
#: ``<Place>, ngày 10 tháng 4 năm 2024`` (the place may be wrapped onto two lines).
_PLACE_DATE_RE = re.compile(
    r"(?m)(?:^|\|)[ \t|]*(?P<place>[^\W\d_][\w'\- \t]{0,40}(?:\n[ \t]*[^\W\d_][\w'\- \t]{0,30})?),[ \t]*"
    rf"(?P<date>(?i:ngày)\s+\d{{1,2}}\s+(?i:tháng)\s+\d{{1,2}}\s*,?\s+(?i:năm)\s+{_YEAR})")
_LINE_RE = re.compile(r"[^\n]*")
#: Every form of :data:`_DATE` holds a year: a text without one holds no date
#: (a cheap necessary condition checked before the costly date patterns).
_YEAR_RE = re.compile(_YEAR)
#: What every :data:`_PLACE_DATE_RE` match holds (``, ngày 10``): checked first.
_PLACE_DATE_HINT_RE = re.compile(r",[ \t]*(?i:ngày)\s+\d")
_LEAD_TIME_RE = re.compile(rf"^{_TIME}\s*[,\-–|]?\s*")
_BYLINE_LABEL_RE = re.compile(r"(?i)^(?:tác\s+giả|bài(?:\s+và|\s*,)?\s*ảnh|bài|người\s+viết|phóng\s+viên|"
                              r"pv|nguồn|theo)\s*:?\s*")


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
    cut at ``max_chars`` characters (but never inside a first line shorter
    than twice that)."""
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
    return max(min(end, max_chars), min(first_end, n, 2 * max_chars))


def _stamp_prefix_ok(pre: str, res: _Resources, piped: bool = False) -> Optional[str]:
    """Classify the words before a date on a timestamp line.

    Returns ``"weekday"`` (``Thứ tư -``, ``Chủ nhật,``), ``"byline"``
    (nothing, or up to four capitalised words: ``PV``, ``Minh Anh``, ``Ngày``)
    or None when the words make a sentence.
    """
    piped = piped or "|" in pre  # ``Tin tức - Sự kiện | 07/10/2024``: page chrome
    pre = _BYLINE_LABEL_RE.sub("", pre.strip(" \t,-–|:")).strip(" \t,-–|:")
    pre = _LEAD_TIME_RE.sub("", pre)  # ``14:30 | Thứ Hai, 07/10/2024``
    if not pre:
        return "byline"
    if res.weekday_re.fullmatch(pre):
        return "weekday"
    if re.search(r"\d", pre):
        return None
    words = re.findall(r"[^\W\d_][\w'.]*", pre)
    if 0 < len(words) <= 4 and all(w[0].isupper() for w in words):
        return "byline"
    if piped and len(words) <= 6:
        return "byline"
    return None


def find_published(text: str) -> Optional[str]:
    """The publication / last-update date shown in the page header.

    Candidates, strongest first: a leading ``date 2025-10-10`` line; a
    labelled date (``Cập nhật: 07/03/2023 | 09:15``, ``Ngày đăng: ...``,
    ``Ngày: 12/06/2024``); a stand-alone timestamp line (``08:05,
    14/01/2022``, ``PV 14/03/2023 10:20``, ``Thứ năm - 05/10/2023 16:40``,
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

    best = None  # (priority, position, iso)

    def offer(prio: int, pos: int, iso: Optional[str]) -> None:
        nonlocal best
        if iso and (best is None or (prio, pos) < best[:2]):
            best = (prio, pos, iso)

    # Steps 0-3 and 5 read dates inside the header only, and every date form
    # holds a year: a header without one offers nothing (most news pages).
    if _YEAR_RE.search(head):
        found = _header_date(head, res, offer)
        if found is not None:
            return found

    # 3b. a label on a short page-chrome line further down (``Ngày đăng: ...`` at the foot)
    if (best is None or best[0] > 3) and len(text) > head_len:
        tail = normalize_text(text[head_len:])
        # only a line holding a year can hold a date: visit those lines, in order
        ym = _YEAR_RE.search(tail)
        while ym:
            start = tail.rfind("\n", 0, ym.start()) + 1
            end = tail.find("\n", ym.end())
            end = len(tail) if end < 0 else end
            s = tail[start:end].strip(" \t|()[]")
            if s and len(s) <= 60:
                lm = res.label_re.match(s)
                dm = _DATE_RE.match(s, lm.end()) if lm else None
                if dm and _iso(dm):
                    offer(3, head_len + start, _iso(dm))
                    break
            ym = _YEAR_RE.search(tail, end + 1)

    # 5. the first line is a legal document's title: ``Quyết định số 15/QĐ-UBND ngày 03/3/2021 ...``
    if best is None:
        first = head.lstrip().split("\n", 1)[0]
        tm = res.doc_title_re.match(first)
        dm = _DATE_RE.match(first, tm.end()) if tm else None
        if dm:
            offer(5, 0, _iso(dm))
    return best[2] if best else None


def _header_date(head: str, res: _Resources, offer) -> Optional[str]:
    """Steps 0-3 of :func:`find_published` on the normalised header.

    Returns the date of a leading ``date 2025-10-10`` line or of a labelled
    date (they win at once); else offers the timestamp lines and the
    ``<Place>, ngày ...`` lines through ``offer`` and returns None.
    """
    m = _LEAD_DATE_RE.match(head)
    if m:
        return f"{m.group('y')}-{m.group('m')}" + (f"-{m.group('d')}" if m.group("d") else "")

    # 1. labelled dates in the header (the earliest real one wins)
    for lm in res.label_re.finditer(head):
        dm = _DATE_RE.match(head, lm.end())
        if dm:
            iso = _iso(dm)
            if iso:
                return iso

    # 2./4. stand-alone timestamp lines
    for line in _LINE_RE.finditer(head):
        s = line.group(0).strip(" \t|()[]")
        if not s or len(s) > 80 or not _YEAR_RE.search(s):  # a date holds a year
            continue
        sm = _STAMP_RE.fullmatch(s)
        if not sm:
            continue
        kind = _stamp_prefix_ok(sm.group("pre"), res, "|" in s[sm.end("pre"):sm.start("date")])
        if kind is None:
            continue
        timed = bool(sm.group("t1") or sm.group("t2"))
        dm = _DATE_RE.match(sm.group("date"))
        prio = 4 if (kind == "weekday" and not timed) else 2
        offer(prio, line.start(), _iso(dm) if dm else None)

    # 3. official documents: ``<Place>, ngày 10 tháng 4 năm 2024``
    for pm in (_PLACE_DATE_RE.finditer(head) if _PLACE_DATE_HINT_RE.search(head) else ()):
        words = re.findall(r"[^\W\d_][\w']*", pm.group("place"))
        if not words or not all(w[0].isupper() for w in words) or len(words) > 6:
            continue
        dm = _DATE_RE.match(pm.group("date"))
        offer(3, pm.start(), _iso(dm) if dm else None)
    return None


# ---------------------------------------------------------------------------
# Places
# ---------------------------------------------------------------------------
#: A run of capitalised words separated by blanks, a hyphen or one line break.
_RUN_RE = regex.compile(
    r"(?<![\p{L}\p{M}\d'])\p{Lu}[\p{L}\p{M}\d']*"
    r"(?:(?:[ \t]*[\-–][ \t]*|[ \t]*\n[ \t]*|[ \t]+)\p{Lu}[\p{L}\p{M}\d']*)*")
_TOKEN_RE = regex.compile(r"[\p{L}\p{M}\d']+")
#: An ASCII word shaped like a brand or a domain: ``Hue-Smart``, ``PhuYenPortal``, ``laocaitv.vn``.
_BRAND_CHARS = 800  # brand and site names are read in the title and lead only
_BRAND_RE = re.compile(r"\b(?:[a-z]*[A-Z][A-Za-z]*|[a-z]{3,}(?=\.[a-z]))\b")
#: ``(?i)(?<!\w)quận\s+(\d{1,2})(?!\d)``, written to start with a character
#: class (the word-start check after it) so that ``re`` skips ahead to q/Q.
_QUAN_NUM_RE = re.compile(r"[qQ](?<!\w[qQ])(?i:uận)\s+(\d{1,2})(?!\d)")
#: A legal reference and its issuer, ending where a mention starts
#: (``Quyết định số 12/QĐ-UBND ngày ... của UBND tỉnh|X``).
_LEGAL_RE = re.compile(
    r"(?i)(?<!\w)(?:quyết\s+định|nghị\s+quyết|nghị\s+định|kế\s+hoạch|công\s+văn|chỉ\s+thị|thông\s+tư|"
    r"văn\s+bản|hướng\s+dẫn|thông\s+báo|chương\s+trình|đề\s+án|tờ\s+trình|báo\s+cáo|kết\s+luận)"
    r"\s+(?:số\s+)?\d[\w/.\-]*[^.;\n]{0,120}?\s(?:của|bởi)\s+[^.;\n]{0,60}$")
_DIGIT_RE = re.compile(r"\d")
_ISSUER_WORD_RE = re.compile(r"(?i)\s(?:của|bởi)\s")


def _in_legal_ref(t: str, start: int, end: int) -> bool:
    """``_LEGAL_RE.search(t, start, end)``, with a cheap necessary condition first.

    A match holds a digit and, after it, ``của``/``bởi`` between blanks; most
    windows have neither, and two simple searches cost far less than the
    legal-reference pattern tried at every position.
    """
    d = _DIGIT_RE.search(t, start, end)
    if d is None or _ISSUER_WORD_RE.search(t, d.end(), end) is None:
        return False
    return _LEGAL_RE.search(t, start, end) is not None
_LIST_GAP_RE = re.compile(
    r"\s*(?:\([^()\n]{0,30}\))?\s*(?:[,;]|,?\s*và|,?\s*hoặc)\s*"
    r"(?:(?i:tỉnh|huyện|thành\s+phố|tp\.?|thị\s+xã|quận)\s*)?")
#: ``tỉnh`` alone, meaning "the province" of the report (``toàn tỉnh``, ``UBND
#: tỉnh``), not followed by a name and not plural (``các tỉnh``, ``63 tỉnh``).
_ANAPHORA_RE = regex.compile(
    r"(?<![\p{L}\d])(?<!(?:các|những|nhiều|mỗi|\d)\s+)(?i:tỉnh)(?!\s*\p{Lu})(?!,?\s+thành)(?![\p{L}])")
#: Between a district (or commune) and the province that locates it.
_LOCATOR_GAP_RE = re.compile(r"\s*(?:[,\-–(]|\s)\s*(?:(?i:tỉnh|thành\s+phố|tp\.?)\s*)?")
_LAST_WORD_RE = re.compile(r"([^\s(\[]+)\s*$")
_UNIT_TOKENS = {
    "tỉnh": "province", "huyện": "district", "quận": "district", "xã": "ward:xã",
    "phường": "ward:phường", "tp": "central", "tx": "district", "tt": "ward:thị trấn",
}
_UNIT_PAIRS = {("thành", "phố"): "central", ("thị", "xã"): "district", ("thị", "trấn"): "ward:thị trấn"}


@dataclass
class _Mention:
    """One place name found in the text."""

    kind: str            # "P" province, "D" district (index), "W" ward
    ref: object          # province name, district index or list of ward places
    start: int
    end: int
    unit: Optional[str]  # kind of unit word before it, or None (bare)
    person: bool = False # the name belongs to a person's name
    weight: float = 1.0  # fixed base weight (source codes, brand names); else from the unit


def _scan(t: str, res: _Resources, lead_end: int) -> list:
    """All place-name mentions of ``t``, with the unit word before each."""
    mentions: list = []
    cache = res.run_cache
    for run in _RUN_RE.finditer(t):
        text = run.group(0)
        info = cache.get(text)
        if info is None:
            # token keys, matches without the unit word before the run, whether
            # a commune name may start it, and the token spans in the run
            spans = tuple(m.span() for m in _TOKEN_RE.finditer(text))
            keys = tuple(_token_key(text[a:b]) for a, b in spans)
            info = (keys, _match_run(keys, "?", res), bool(keys) and keys[0] in res.ward_starts, spans)
            if len(cache) > 50_000:
                cache.clear()
            cache[text] = info
        keys, matches, ward_first, spans = info
        before = "?"
        if ward_first:
            before = _unit_before(t, run.start(), res)
            if before is not None and before.startswith("ward:"):
                matches = _match_run(keys, before, res)
        if not matches:
            continue
        base = run.start()
        for k, size, kind, payload, unit, person in matches:
            if unit == "?":
                if before == "?":
                    before = _unit_before(t, base, res)
                unit = before
            start, end = base + spans[k][0], base + spans[k + size - 1][1]
            if kind == "W":
                mentions.append(_Mention("W", payload, start, end, unit))
            else:
                for ekind, ref in payload:
                    mentions.append(_Mention(ekind, ref, start, end, unit, person))
    if "uận" in t or "UẬN" in t:
        for m in _QUAN_NUM_RE.finditer(t):
            idx = res.numbered.get(str(int(m.group(1))))
            if idx is not None:
                mentions.append(_Mention("D", idx, m.start(), m.end(), "district"))
    _scan_ascii(t[:_BRAND_CHARS], res, mentions, {m.start for m in mentions})
    _scan_source_code(t[:lead_end], res, mentions)
    return mentions


@lru_cache(maxsize=65536)
def _token_key(token: str) -> str:
    """:func:`name_key` of one token of already normalised text."""
    s = token.lower()
    return _TONE_RE.sub(lambda m: _TONE_PAIRS[m.group(0)], s) if _TONE_RE.search(s) else s


def _unit_before(t: str, pos: int, res: _Resources) -> Optional[str]:
    """Kind of the unit word right before ``pos`` (``huyện``, ``tỉnh`` ...)."""
    if res.unit_last_words is not None:
        # fast path: the word before ``pos`` must be the last word of a unit
        # word. This is ``_LAST_WORD_RE.search(t, pos - 14, pos)`` done with
        # string methods: ``str.rstrip``/``str.rsplit`` split on the same
        # blanks as ``\s``; the word is what follows the last ``(`` or ``[``.
        s = t[max(0, pos - 14):pos].rstrip()
        if not s:
            return None
        word = s.rsplit(None, 1)[-1]
        if "(" in word or "[" in word:
            word = word[max(word.rfind("("), word.rfind("[")) + 1:]
        if not word or word.lower() not in res.unit_last_words:
            return None
    m = res.unit_re.search(t, max(0, pos - 24), pos)
    if not m:
        return None
    kind = m.lastgroup
    if kind == "ward":
        word = re.sub(r"\s+", " ", m.group(0).strip().lower().rstrip("."))
        return "ward:" + {"tt": "thị trấn", "p": "phường"}.get(word, word)
    return kind


def _match_run(keys: tuple, before: Optional[str], res: _Resources) -> list:
    """Greedy longest match of gazetteer names in the token keys of one run of
    capitalised words.

    ``before`` is the unit word before the run (``"?"``: not known yet; the
    matches it applies to get unit ``"?"``). Returns ``(first token, number
    of tokens, "N"|"W", entries or commune places, unit, person)`` tuples.
    """
    out = []
    n = len(keys)
    unit = before
    prev_token = None           # the capitalised non-unit, non-name token just before
    k = 0
    while k < n:
        # unit words inside the run (``UBND TỈNH``, ``Thị Xã``, ``Huyện``)
        if k + 1 < n and (keys[k], keys[k + 1]) in _UNIT_PAIRS:
            unit, prev_token = _UNIT_PAIRS[(keys[k], keys[k + 1])], None
            k += 2
            continue
        if keys[k] in _UNIT_TOKENS:
            unit, prev_token = _UNIT_TOKENS[keys[k]], None
            k += 1
            continue
        is_ward = unit is not None and unit.startswith("ward:")
        longest = (res.ward_starts if is_ward else res.name_starts).get(keys[k], 0)
        found = 0
        for size in range(min(longest, n - k), 0, -1):
            key = keys[k] if size == 1 else " ".join(keys[k:k + size])
            if is_ward:
                wtype = unit[5:]
                places = [p for p in res.wards.get(key, ()) if p[0].lower() == wtype]
                if places:
                    out.append((k, size, "W", places, unit, False))
                    found = size
                    break
                continue
            entries = res.names.get(key)
            if entries:
                person = prev_token is not None and prev_token in res.surnames
                out.append((k, size, "N", entries, unit, person))
                found = size
                break
        if found:
            k += found
            prev_token, unit = None, None
        else:
            prev_token, unit = keys[k], None
            k += 1
    return out


def _scan_ascii(t: str, res: _Resources, mentions: list, taken=frozenset()) -> None:
    """Unaccented province names in brand, app and site names (``Hue-Smart``,
    ``PhuYenPortal``, ``laocaitv.vn``, ``baobinhduong.vn``).

    Only brand-shaped ASCII words are read: with a capital letter, or part of
    a domain name. The word is ``[prefix]<province>[suffix]`` where the
    suffix is listed or starts with a capital letter.
    """
    by_start = res.ascii_by_start
    for m in _BRAND_RE.finditer(t):
        if m.start() in taken:
            continue
        word = m.group(0)
        low = word.lower()
        for pre in res.ascii_prefixes:
            if not low.startswith(pre):
                continue
            rest_low, rest = low[len(pre):], word[len(pre):]
            for ascii_key, pname in by_start.get(rest_low[:3], ()):
                if not rest_low.startswith(ascii_key):
                    continue
                size = len(ascii_key)
                tail = rest[size:]
                if not (tail.lower() in res.ascii_suffixes or tail[:1].isupper()):
                    continue
                if not pre and not tail and size <= 4 and word[1:].islower() \
                        and t[m.end():m.end() + 1] not in ("-", "."):
                    continue  # a bare ``Hue`` needs a brand shape (``Hue-Smart``)
                mentions.append(_Mention("P", pname, m.start(), m.end(), None))
                break
            else:
                continue
            break


def _scan_source_code(lead: str, res: _Resources, mentions: list) -> None:
    """A provincial newspaper's signature at the start of a lead paragraph."""
    if res.source_code_re is None:
        return
    codes = res.cfg["place"]["source_codes"]
    for m in res.source_code_re.finditer(lead):
        pname = codes[m.group(1)]
        if pname in res.provinces:
            mentions.append(_Mention("P", pname, m.start(1), m.end(1), "province",
                                     weight=float(res.cfg["place"]["weights"]["source_code"])
                                     / float(res.cfg["place"]["weights"]["unit"])))


def _line_kind(line: str, res: _Resources) -> str:
    """``"chrome"`` (address, copyright, contact line), ``"short"`` (a stand-alone
    name: a byline, a photo credit) or ``""``."""
    s = line.strip()
    if res.chrome_re.match(s):
        return "chrome"
    words = s.split(None, 4)  # more than four words: five items, enough to tell
    if len(words) <= 4 and all(w[0].isupper() for w in words if w[0].isalpha()) \
            and not re.search(r"[\d:,;]", s):
        return "short"
    return ""


def _in_parens(t: str, start: int, end: int) -> bool:
    """True when ``t[start:end]`` sits inside a short parenthesis."""
    open_ = t.rfind("(", max(0, start - 40), start)
    if open_ < 0 or ")" in t[open_:start] or "\n" in t[open_:start]:
        return False
    close = t.find(")", end, end + 40)
    return close >= 0 and "\n" not in t[end:close]


_SENT_END_RE = re.compile(r"[.!?…](?=\s)|\n|\((?=\s*Ảnh)")
_CREDIT_RE = re.compile(r"\s*\(?\s*(?:Ảnh|ẢNH|Nguồn\s+ảnh)\b")


def _is_caption(t: str, pos: int) -> bool:
    """True when the sentence holding ``pos`` is a photo caption: it is
    followed by a credit (``... Ảnh: TTXVN``, ``... (Ảnh: PV)``)."""
    m = _SENT_END_RE.search(t, pos, pos + 300)
    if not m:
        return False
    return bool(_CREDIT_RE.match(t, m.end() if m.group(0) != "(" else m.start()))


def _primary(group: list, res: _Resources) -> str:
    """What a mention stands for: "P" (province), "D" (district) or "W" (ward)."""
    unit = group[0].unit
    kinds = {m.kind for m in group}
    if "W" in kinds:
        return "W"
    if unit == "province":
        return "P" if "P" in kinds else "-"
    if unit == "central":
        if any(m.kind == "P" and res.provinces[m.ref]["central"] for m in group):
            return "P"
        return "D" if "D" in kinds else "P"
    if unit == "district":
        return "D" if "D" in kinds else "-"
    if unit and (unit.startswith("ward:") or unit == "street"):
        return "-"
    return "P" if "P" in kinds else "D"


@dataclass
class _Evidence:
    province: dict = field(default_factory=lambda: defaultdict(float))   # name -> score
    # the same, with a province that only locates a district counting less:
    # compared with the district's evidence
    province_direct: dict = field(default_factory=lambda: defaultdict(float))
    district: dict = field(default_factory=lambda: defaultdict(float))   # index -> score
    district_units: dict = field(default_factory=lambda: defaultdict(int))
    district_unit_score: dict = field(default_factory=lambda: defaultdict(float))
    ward: list = field(default_factory=list)   # [([(type, district, province)], score)]


def _weigh(mentions: list, t: str, title_end: int, lead_end: int, res: _Resources,
           skip=None) -> _Evidence:
    """Turn mentions into evidence scores (see :func:`find_place`).

    ``skip`` is a span whose mentions are ignored (the place-date line,
    weighed apart)."""
    w = res.cfg["place"]["weights"]
    line_kinds: dict = {}
    by_pos: dict = defaultdict(list)
    for m in mentions:
        by_pos[m.start].append(m)
    groups = [by_pos[p] for p in sorted(by_pos)]
    kinds = [_primary(g, res) for g in groups]
    in_list = [False] * len(groups)
    locator = [False] * len(groups)
    for a in range(len(groups) - 1):
        b = a + 1
        if kinds[a] == kinds[b] and kinds[a] in "PD" and \
                _LIST_GAP_RE.fullmatch(t, groups[a][0].end, groups[b][0].start):
            in_list[a] = in_list[b] = True
        elif kinds[a] in "DW" and kinds[b] == "P" and \
                _LOCATOR_GAP_RE.fullmatch(t, groups[a][0].end, groups[b][0].start):
            locator[b] = True

    ev = _Evidence()
    for g, group in enumerate(groups):
        kind = kinds[g]
        if kind == "-":
            continue
        first = group[0]
        pos = first.start
        if skip and skip[0] <= pos < skip[1]:
            continue
        line_start = t.rfind("\n", 0, pos) + 1
        if line_start not in line_kinds:
            line_end = t.find("\n", pos)
            line_end = len(t) if line_end < 0 else line_end
            kind_of_line = _line_kind(t[line_start:line_end], res)
            if kind_of_line == "short" and line_start > title_end and \
                    (line_start >= lead_end or len(t) - line_end < 80):
                kind_of_line = "byline"  # a name alone on a line after the lead, or at the end
            line_kinds[line_start] = kind_of_line
        line_kind = line_kinds[line_start]
        if line_kind == "chrome":
            continue
        factor = first.weight
        if any(m.person for m in group) or res.person_re.search(t[max(line_start, pos - 16):pos]) \
                or (line_kind == "byline" and first.unit is None):
            factor *= float(w["person_factor"])
        if pos < title_end:
            factor *= float(w["title_factor"])
        elif pos < lead_end:
            factor *= float(w["lead_factor"])
        if _in_legal_ref(t, max(line_start, pos - 220), pos):
            factor *= float(w["legal_factor"])
        if in_list[g]:
            factor *= float(w["list_factor"])
        if _in_parens(t, pos, first.end):
            factor *= float(w["paren_factor"])
        if _is_caption(t, first.end):
            factor *= float(w["caption_factor"])
        if factor <= 0:
            continue
        unit = first.unit
        base = float(w["unit"]) if unit else None
        if kind == "W":
            for m in group:
                if m.kind == "W":
                    ev.ward.append((m.ref, float(w["ward"]) * factor))
        elif kind == "P":
            provs = [m for m in group if m.kind == "P"]
            if unit == "central":
                provs = [m for m in provs if res.provinces[m.ref]["central"]] or provs
            score = (base or float(w["province_bare"])) * factor
            ev.province[provs[0].ref] += score
            ev.province_direct[provs[0].ref] += score * (float(w["locator_factor"]) if locator[g] else 1.0)
        else:
            dists = [m for m in group if m.kind == "D"]
            if unit == "central":
                dists = [m for m in dists if "Thành phố" in res.districts[m.ref].types] or dists
            for m in dists:
                # an ambiguous name (``Châu Thành``) counts fully for each candidate:
                # only the districts of the chosen province are compared later
                score = (base or float(w["district_bare"])) * factor
                ev.district[m.ref] += score
                if unit:
                    ev.district_units[m.ref] += 1
                    ev.district_unit_score[m.ref] += score
    return ev


def _place_line(t: str, res: _Resources):
    """An official document's ``<Place>, ngày ...`` header line.

    Returns ``(province or None, (start, end))``, or ``(None, None)`` when
    there is no such line. The province is None for documents of national
    bodies (a ministry's ``Hà Nội, ngày ...``) and for unknown places; the
    place of the line is evidence for the province only, never for a
    district (some provinces date documents with their capital city).
    """
    pub = res.cfg["published"]
    max_chars = int(pub["header_chars"]) * 2
    # the header is at most 2 * max_chars long, and every match holds ``, ngày 1``
    if not _PLACE_DATE_HINT_RE.search(t, 0, 2 * max_chars):
        return None, None
    head = t[:_header_end(t, int(pub["header_lines"]) + 10, max_chars)]
    pm = _PLACE_DATE_RE.search(head)
    if not pm:
        return None, None
    span = (pm.start("place"), pm.end())
    if res.national_re.search(head[:pm.start()]):
        return None, span
    key = name_key(pm.group("place"))
    for kind, ref in res.names.get(key, []):
        if kind == "P":
            return ref, span
    dists = [res.districts[ref].province for kind, ref in res.names.get(key, []) if kind == "D"]
    return (dists[0] if len(set(dists)) == 1 else None), span


def _decide(ev: _Evidence, line_prov: Optional[str], res: _Resources, anaphora: int = 0):
    """Pick the province and the district from the evidence (or None).

    ``anaphora`` counts the bare ``tỉnh`` of the text (``toàn tỉnh``, ``UBND
    tỉnh``): a text that speaks of "the province" needs less evidence to say
    which one it is."""
    place = res.cfg["place"]
    w = place["weights"]
    total = dict(ev.province)
    if line_prov:
        total[line_prov] = total.get(line_prov, 0.0) + float(w["place_line"])
    # districts vote for their province; an ambiguous name only for a province
    # that has evidence of its own, a bare name (maybe a person's) only then too
    share = float(w["district_to_province"])
    by_name: dict = defaultdict(list)
    for idx in ev.district:
        by_name[res.districts[idx].name].append(idx)
    for idxs in by_name.values():
        provs = {res.districts[i].province for i in idxs}
        known = [p for p in provs if ev.province.get(p, 0) > 0]
        if known:
            for p in known:
                total[p] = total.get(p, 0.0) + share * sum(
                    ev.district[i] for i in idxs if res.districts[i].province == p)
        elif len(provs) == 1:
            p = provs.pop()
            total[p] = total.get(p, 0.0) + share * sum(ev.district_unit_score[i] for i in idxs)
    # a commune votes for its province when its name is unique, else only for
    # a province with evidence of its own
    for places, v in ev.ward:
        provs = {p for _t, _d, p in places}
        targets = provs if len(provs) == 1 else {p for p in provs if ev.province.get(p, 0) > 0}
        for p in targets:
            total[p] = total.get(p, 0.0) + share * v

    province = None
    if total:
        ranked = sorted(total.items(), key=lambda kv: -kv[1])
        top, top_score = ranked[0]
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        least = float(place["province_min"] if anaphora >= int(place["anaphora_min"])
                      else place["province_min_no_anaphora"])
        if top_score >= least and top_score >= float(place["province_ratio"]) * second:
            province = top

    district = None
    if province:
        cand: dict = defaultdict(float)
        units: dict = defaultdict(int)
        for idx, v in ev.district.items():
            d = res.districts[idx]
            if d.province == province:
                cand[d.name] += v
                units[d.name] += ev.district_units.get(idx, 0)
        for places, v in ev.ward:
            for dname in {d for _t, d, p in places if p == province}:
                cand[dname] += v
                units[dname] += 1
        if cand:
            ranked = sorted(cand.items(), key=lambda kv: -kv[1])
            name, score = ranked[0]
            second = ranked[1][1] if len(ranked) > 1 else 0.0
            all_d = sum(cand.values())
            need_share = float(place["district_many_share"] if len(cand) >= int(place["district_many"])
                               else place["district_share"])
            if (units[name] > 0 and score >= float(place["district_min"])
                    and score >= float(place["district_ratio"]) * second
                    and score >= need_share * all_d
                    and score >= float(place["district_vs_province"]) * ev.province_direct.get(province, 0.0)):
                district = name
    return province, district, total


def _explain(text: str, title: Optional[str] = None) -> dict:
    """Evidence behind :func:`find_place` (for debugging and the bench)."""
    res = _load_resources()
    t, title_end, lead_end = _prepare(text, title, res)
    mentions = _scan(t, res, lead_end)
    line_prov, line_span = _place_line(t, res)
    ev = _weigh(mentions, t, title_end, lead_end, res, line_span)
    anaphora = len(_ANAPHORA_RE.findall(t))
    province, district, total = _decide(ev, line_prov, res, anaphora)
    return {
        "province_total": dict(sorted(total.items(), key=lambda kv: -kv[1])),
        "province_own": dict(ev.province),
        "district": {f"{res.districts[i].name}/{res.districts[i].province}": v for i, v in ev.district.items()},
        "ward": [([f"{d}/{p}" for _t, d, p in places], v) for places, v in ev.ward],
        "place_line": line_prov, "anaphora": anaphora, "result": (province, district),
    }


def _prepare(text: str, title: Optional[str], res: _Resources):
    """Normalised text (title first), end of the title line, end of the lead."""
    t = normalize_text(text or "")
    w = res.cfg["place"]["weights"]
    if title:
        t = normalize_text(title) + "\n\n" + t
        title_end = len(title)
    else:
        # the first non-empty line is a title when it is short
        stripped = len(t) - len(t.lstrip())
        nl = t.find("\n", stripped)
        nl = len(t) if nl < 0 else nl
        title_end = nl if nl - stripped <= 200 else 0
    lead_end = max(title_end, 0) + int(w["lead_chars"])
    return t, title_end, lead_end


def find_place(text: str, title: Optional[str] = None) -> dict:
    """The province and district the report is mainly about.

    Every capitalised name of the gazetteer is a mention; its weight depends
    on the unit word before it (``tỉnh``, ``huyện``, ``thị xã``, ``thành
    phố``/``TP.``, ``quận``, ``xã``...) and on where it is: the title and
    the lead weigh more; page chrome, bylines and person names count for
    nothing; items of a list of places, locators in parentheses and issuers
    of legal references count for little. District mentions also count for
    their province (an ambiguous district name only for a province that has
    evidence of its own), commune mentions for their district. A province
    needs enough evidence and a clear lead over the runner-up (else the
    report is national); a district needs a unit-word mention, enough
    evidence and a clear lead over the other districts of the province
    (else the report is province-wide).

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
    t, title_end, lead_end = _prepare(text, title, res)
    mentions = _scan(t, res, lead_end)
    line_prov, line_span = _place_line(t, res)
    ev = _weigh(mentions, t, title_end, lead_end, res, line_span)
    province, district, _ = _decide(ev, line_prov, res, len(_ANAPHORA_RE.findall(t)))
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
