"""The patterns stage: turn regex matches into facts (numbers, ratios, money, legal refs).

Patterns are grouped by ``order``; each group claims text before the next
one, so a legal number (``7386/QĐ-UBND``) is never a ratio and an excluded
date or duration is never a count. Within a group the longest match wins.
Per-type builders parse values (:mod:`pipeline.numbers`), decide the
percentage qualifier from the cues in ``percentage.yml``, find the counted
unit with underthesea words, and read a legal reference's date and issuer.
"""
from __future__ import annotations

import bisect
import datetime as _dt

import regex

from .document import Document, Fact
from .numbers import NumberFormatError, as_number, parse_number, scale_of
from .patterns import Pattern, PatternSet
from .segment import words_of

_FIRST_WORDS = regex.compile(r"[ \t\u00a0]*([\p{L}][\p{L}\p{M}]*)(?:[ \t\u00a0]+([\p{L}][\p{L}\p{M}]*))?")
_SIX_SYLLABLES = regex.compile(r"\s*(?:\S+\s+){0,5}\S+")
_LETTER_START = regex.compile(r"[\p{L}]")
_LIST_GAP = regex.compile(r"[\s,]*(?:(?:và|hoặc)\s*)?")
_LIST_GAP_END = regex.compile(r"(?:,|và|hoặc|;)\s*$")
_SPACES = regex.compile(r"\s+")
_UNIT_SPACES = regex.compile(r"[\s\u00a0\u200b]+")
_CLAUSE_END = regex.compile(r"[,.;:()\[\]!?…\n\r\"“”]|\s[-–]\s")


class _Claims:
    """Sorted, non-overlapping claimed spans with overlap queries."""

    def __init__(self, spans=()):
        self.starts, self.ends = [], []
        for s, e in sorted(spans):
            self.add(s, e)

    def overlaps(self, s: int, e: int) -> bool:
        i = bisect.bisect_right(self.starts, s) - 1
        if i >= 0 and self.ends[i] > s:
            return True
        j = i + 1
        return j < len(self.starts) and self.starts[j] < e

    def add(self, s: int, e: int) -> None:
        i = bisect.bisect_left(self.starts, s)
        self.starts.insert(i, s)
        self.ends.insert(i, e)


class PatternExtractor:
    """Pipeline component ``patterns``: adds numeric and legal_ref facts.

    Parameters
    ----------
    patterns : PatternSet
    types : tuple of str, optional
        Restrict to these fact types (exclusions always apply).
    """

    name = "patterns"
    assigns = ("doc.facts",)
    requires = ("doc.sentences", "doc.ignored")

    def __init__(self, patterns: PatternSet, types=None):
        self.pset = patterns
        self.types = set(types) if types else None
        self.groups = patterns.ordered()
        pct = patterns.spec("percentage").data
        self.qualifier_rules = [
            (q["qualifier"], regex.compile(q["left"]) if q.get("left") else None,
             regex.compile(q["right"]) if q.get("right") else None)
            for q in pct.get("qualifiers", [])
        ]
        cnt = patterns.spec("count").data
        self.not_unit = _phrase_set(cnt.get("not_unit_words", []))
        self.unit_stop = _phrase_set(cnt.get("unit_stop_words", []))
        self.excluded_units = {w.lower() for w in cnt.get("excluded_units", [])}
        rg = cnt.get("rank_group_after_unit")
        self.rank_group = regex.compile(rg) if rg else None
        rat = patterns.spec("ratio").data
        self.min_numerator = float(rat.get("min_numerator_unless_equal", 0))
        self.date_ok_left = regex.compile(rat.get("date_like_ok_left", r"(?!x)x"))
        self.date_ok_right = regex.compile(rat.get("date_like_ok_right", r"(?!x)x"))
        money = patterns.spec("money").data
        self.currency = {form: code for code, forms in (money.get("currencies") or {}).items() for form in forms}
        legal = patterns.spec("legal_ref").data
        self.doc_types = {}
        for canon, forms in (legal.get("doc_types") or {}).items():
            for form in forms:
                self.doc_types[form if form.isupper() else form.lower()] = canon
        self.builders = {
            "percentage": self._percentage, "money": self._money, "ratio": self._ratio,
            "count": self._count, "legal_ref": self._legal,
        }

    # ------------------------------------------------------------ driver
    def __call__(self, doc: Document) -> Document:
        text = doc.text
        claims = _Claims(doc.ignored)
        found = []
        self._pending = []  # (fact, position) whose counted unit is found in one batch below
        low = None
        for _order, group in self.groups:
            cands = []
            for p in group:
                if self.types is not None and p.type != "exclusion" and p.type not in self.types:
                    continue
                if p.requires:  # a word one of which every match's document holds
                    if low is None:
                        low = text.lower()
                    if not any(w in low for w in p.requires):
                        continue
                for m in (_line_start_matches(p.compiled, text) if p.line_start else p.compiled.finditer(text)):
                    if m.end() == m.start():
                        continue
                    if p.type == "legal_ref":
                        s, e = m.start("doc_type"), m.end("number")
                    elif isinstance(p.span_from, (list, tuple)):
                        s, e = m.start(p.span_from[0]), m.end(p.span_from[-1])
                    else:
                        s, e = m.span(p.span_from) if p.span_from else m.span()
                    cands.append((-(e - s), s, e, p, m))
            cands.sort(key=lambda c: (c[0], c[1]))
            for _neg, s, e, p, m in cands:
                if claims.overlaps(s, e):
                    continue
                if p.type == "exclusion":
                    claims.add(*m.span())
                    continue
                fact = self.builders[p.type](doc, p, m, s, e)
                if fact is None:
                    continue
                claim_end = m.end() if p.type == "legal_ref" else e
                claims.add(s, claim_end)
                fact.source = f"pattern:{p.id}"
                fact.confidence = p.confidence
                found.append(fact)
        dropped = self._resolve_units(text)
        if dropped:
            found = [f for f in found if id(f) not in dropped]
        found.sort(key=lambda f: (f.start, f.end))
        self._propagate_list_qualifiers(text, found)
        for f in found:
            f.sentence = doc.sentence_at(f.start)
        doc.facts.extend(found)
        doc.facts.sort(key=lambda f: (f.start, f.end, f.type))
        return doc

    # ------------------------------------------------------------ builders
    def _percentage(self, doc, p: Pattern, m, s, e):
        try:
            value = parse_number(m.group("value"))
            vmax = parse_number(m.group("value_max")) if "value_max" in m.re.groupindex and m.group("value_max") else None
        except NumberFormatError:
            return None
        qualifier = p.fields.get("qualifier")
        if vmax is not None and vmax <= value:
            return None
        if qualifier is None:
            qualifier = self._qualifier(doc.text, s, e)
        return Fact("percentage", s, e, doc.text[s:e], value=value, value_max=vmax, qualifier=qualifier)

    def _qualifier(self, text, s, e):
        left = text[max(0, s - 40):s]
        cut = max(left.rfind("\n"), left.rfind(";"), left.rfind(","), left.rfind("("))
        left = left[cut + 1:] if cut >= 0 else left
        right = text[e:e + 20]
        for qual, lre, rre in self.qualifier_rules:
            if (lre is not None and lre.search(left)) or (rre is not None and rre.search(right)):
                return qual
        return "exact"

    def _propagate_list_qualifiers(self, text, facts):
        """A cue before a list applies to every item: ``ít nhất 90%, 80% và 60%``.

        An item inherits the previous item's cue when it has no cue of its own and
        either follows it directly (``, `` / `` và ``) or both items are parallel
        phrases (the same word follows each number: ``90% số hồ sơ ..., 80% số hồ sơ``).
        """
        prev = None
        for f in facts:
            if f.type != "percentage":
                continue
            if (prev is not None and f.qualifier == "exact" and prev.qualifier in ("over", "under", "about")
                    and self._qualifier(text, f.start, f.end) == "exact"):
                gap = text[prev.end:f.start]
                direct = _LIST_GAP.fullmatch(gap) is not None
                parallel = (len(gap) < 120 and _LIST_GAP_END.search(gap) is not None
                            and "\n" not in gap and _next_word(text, prev.end) == _next_word(text, f.end) is not None)
                if direct or parallel:
                    f.qualifier = prev.qualifier
            prev = f

    def _money(self, doc, p, m, s, e):
        if p.requires_context is not None:
            sent = doc.sentence_at(s)
            ctx = doc.text[sent.start:s] if sent else doc.text[max(0, s - 120):s]
            if not p.requires_context.search(ctx):
                return None
        try:
            value = parse_number(m.group("value")) * scale_of(m.groupdict().get("scale"))
        except NumberFormatError:
            return None
        cur = m.groupdict().get("currency")
        currency = self.currency.get(cur, cur.upper() if cur else p.fields.get("currency", "VND"))
        return Fact("money", s, e, doc.text[s:e], value=value, currency=currency)

    def _ratio(self, doc, p, m, s, e):
        try:
            num = parse_number(m.group("numerator"))
            den = parse_number(m.group("denominator"))
        except NumberFormatError:
            return None
        if den <= 0 or num > den:
            return None
        if p.span_from is None and num < self.min_numerator and num != den and den <= 10:
            return None  # 1/2, 1/3 ... a fraction of a quantity
        text = doc.text
        if p.span_from is None:  # slash form: a d/m date unless context says ratio
            if num.is_integer() and den.is_integer() and 1 <= num <= 31 and 1 <= den <= 12:
                if not (self.date_ok_left.search(text[max(0, s - 25):s])
                        or (self.date_ok_right.search(text[e:e + 25]) and self._noun_follows(text, e))):
                    return None
        fact = Fact("ratio", s, e, text[s:e], numerator=as_number(num), denominator=as_number(den))
        self._pending.append((fact, m.end()))
        return fact

    def _count(self, doc, p, m, s, e):
        text = doc.text
        try:
            value = parse_number(m.group("value")) * scale_of(m.groupdict().get("scale"))
        except NumberFormatError:
            return None
        if "unit" in m.re.groupindex and m.group("unit"):
            unit = _clean_unit(m.group("unit"))
            if not unit or unit.split()[0].lower() in self.not_unit:
                return None
            return Fact("count", s, e, text[s:e], value=as_number(value), unit=unit)
        if not float(value).is_integer():
            return None  # a count is a whole number (17,4 triệu is whole after scaling)
        if not self._noun_follows(text, e):
            return None
        if self.rank_group is not None:
            window = text[e:e + 45]
            cut = _CLAUSE_END.search(window)
            if self.rank_group.search(window[:cut.start()] if cut else window):
                return None
        fact = Fact("count", s, e, text[s:e], value=as_number(value))
        self._pending.append((fact, e))
        return fact

    def _noun_follows(self, text, pos) -> bool:
        """True when the word after ``pos`` can be a counted noun (not a function word or verb).

        Syllables are checked against ``not_unit_words``; when the first syllable is
        ambiguous (``chỉ`` in ``chỉ tiêu``), underthesea decides the first word.
        """
        first = _FIRST_WORDS.match(text, pos)
        if not first:
            return False
        w1 = first.group(1).lower()
        w12 = f"{w1} {first.group(2).lower()}" if first.group(2) else None
        if w12 and w12 in self.not_unit:
            return False
        if w1 in self.excluded_units:
            return False
        if w1 not in self.not_unit:
            return True
        if not w12:
            return False
        chunk = text[first.start(1):first.end()]
        toks = words_of([chunk])[0]
        if not toks:
            return False
        a, b = toks[0]
        word = chunk[a:b].lower()
        return " " in _SPACES.sub(" ", word) and word not in self.not_unit

    def _resolve_units(self, text) -> set:
        """Find the counted unit of every pending count/ratio.

        The unit is the noun phrase after the number: underthesea words up to a stop
        word or clause end (at most three words). The windows of all pending facts
        are segmented by one :func:`segment.words_of` call.
        Returns the ids of counts dropped because no unit (or a measure) follows.
        """
        pending, self._pending = self._pending, []
        if not pending:
            return set()
        windows = []
        for _fact, pos in pending:
            window = text[pos:pos + 50]
            cut = _CLAUSE_END.search(window)
            if cut:
                window = window[:cut.start()]
            six = _SIX_SYLLABLES.match(window)  # three words are at most six syllables
            windows.append(six.group() if six else window)
        per = words_of(windows)
        dropped = set()
        for (fact, _pos), window, spans in zip(pending, windows, per):
            unit = self._unit_from(window, spans)
            if fact.type == "count" and (not unit or unit.split()[0].lower() in self.excluded_units):
                dropped.add(id(fact))
            fact.unit = unit
        return dropped

    def _unit_from(self, window, spans):
        out = []
        for a, b in spans:
            w = window[a:b]
            if w.lower() in self.unit_stop or not _LETTER_START.match(w):
                break
            out.append((a, b))
            if len(out) >= 3:
                break
        if not out:
            return None
        return _clean_unit(window[out[0][0]:out[-1][1]])

    def _legal(self, doc, p, m, s, e):
        gd = m.groupdict()
        raw_type = _SPACES.sub(" ", gd["doc_type"])
        key = raw_type if raw_type.isupper() and raw_type in self.doc_types else raw_type.lower()
        doc_type = self.doc_types.get(key)
        if doc_type is None:
            return None
        number = gd["number"].strip()
        issued = None
        if gd.get("y"):
            try:
                issued = _dt.date(int(gd["y"]), int(gd["m"]), int(gd["d"])).isoformat()
            except ValueError:
                issued = None
        issuer = gd.get("issuer")
        issuer = _SPACES.sub(" ", issuer).strip(" ,") if issuer else None
        return Fact("legal_ref", s, e, doc.text[s:e], doc_type=doc_type, number=number,
                    issued=issued, issuer=issuer or None)


def _line_start_matches(rx, text):
    """``rx.finditer(text)`` for a pattern whose matches all start a line (``(?m)^...``; ``^`` holds
    at 0 and after ``\\n`` only): ``match`` at each line start from the end of the last match on,
    instead of the engine trying every position."""
    pos, last = 0, 0
    while True:
        if pos >= last:
            m = rx.match(text, pos)
            if m is not None:
                yield m
                last = m.end() if m.end() > pos else pos + 1
        nl = text.find("\n", pos)
        if nl < 0:
            return
        pos = nl + 1


def _next_word(text, pos):
    m = _FIRST_WORDS.match(text, pos)
    return m.group(1).lower() if m else None


def _phrase_set(items):
    return {str(w).lower() for w in items}


def _clean_unit(u: str):
    u = _UNIT_SPACES.sub(" ", u).strip(" ,;:-")
    return u or None
