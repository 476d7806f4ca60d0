"""The clean stage: mark page chrome (menus, counters, share buttons) as ignored spans.

Nothing is deleted: ``Document.ignored`` lists ``(start, end)`` spans into the
original text, and no fact is taken from them. The line patterns are data
(``patterns/chrome.yml``).
"""
from __future__ import annotations

import regex

from .document import Document
from .patterns import PatternSet

_LINE = regex.compile(r"[^\r\n]*(?:\r\n|\n|\r|$)")
_NUMERIC = regex.compile(r"[\d.,\s]+")


class ChromeCleaner:
    """Pipeline component ``clean``: finds page-chrome spans.

    Parameters
    ----------
    patterns : PatternSet
        Provides ``chrome.yml``.
    """

    name = "clean"
    assigns = ("doc.ignored",)

    def __init__(self, patterns: PatternSet):
        data = patterns.spec("chrome").data
        self.line_res = [regex.compile(p) for p in data.get("line_patterns", [])]
        self.inline_res = [regex.compile(p, regex.M) for p in data.get("inline_patterns", [])]
        self.counter_label = regex.compile(data.get("counter_labels", r"(?!x)x"))

    def __call__(self, doc: Document) -> Document:
        text = doc.text
        spans = []
        prev_label = False
        for m in _LINE.finditer(text):
            line = m.group().rstrip("\r\n")
            if not line and m.start() >= len(text):
                break
            stripped = line.strip(" \t\u00a0\u200b|")
            start = m.start() + (len(line) - len(line.lstrip(" \t\u00a0\u200b|")))
            end = start + len(stripped)
            if stripped:
                is_num = _NUMERIC.fullmatch(stripped) is not None
                if (prev_label and is_num) or any(r.match(stripped) for r in self.line_res):
                    spans.append((start, end))
                prev_label = bool(self.counter_label.match(stripped)) or (prev_label and is_num and False)
            if m.end() >= len(text):
                break
        for r in self.inline_res:
            spans.extend(mm.span() for mm in r.finditer(text) if mm.end() > mm.start())
        doc.ignored = _merge(spans)
        return doc


def _merge(spans):
    out = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out
