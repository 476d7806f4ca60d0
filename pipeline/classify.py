"""The classify stage: shortcoming sentences and topics.

This module holds the cue-lexicon baseline (``patterns/shortcoming.yml`` and
``patterns/topics.yml``). It is the fallback when no trained model is
available, and the reference the trained classifiers are compared against.
"""
from __future__ import annotations

import regex

from .document import Document, Fact, TOPICS
from .patterns import PatternSet


class LexiconShortcomings:
    """Pipeline component ``shortcomings_lexicon``: a sentence with a positive cue
    and no blocking cue becomes a ``shortcoming`` fact."""

    name = "shortcomings_lexicon"
    assigns = ("doc.facts",)
    requires = ("doc.sentences",)

    def __init__(self, patterns: PatternSet):
        data = patterns.spec("shortcoming").data
        self.positive = [regex.compile(p) for p in data.get("positive_cues", [])]
        self.blocking = [regex.compile(p) for p in data.get("blocking_cues", [])]

    def is_shortcoming(self, sentence: str) -> bool:
        return any(r.search(sentence) for r in self.positive) and not any(r.search(sentence) for r in self.blocking)

    def __call__(self, doc: Document) -> Document:
        for s in doc.sentences:
            if doc.is_ignored(s.start, s.end) and doc.is_ignored(s.start, s.start + 1):
                continue
            if self.is_shortcoming(s.text):
                doc.facts.append(Fact("shortcoming", s.start, s.end, s.text, sentence=s,
                                      confidence=0.6, source="lexicon:shortcoming"))
        doc.facts.sort(key=lambda f: (f.start, f.end, f.type))
        return doc


class LexiconTopics:
    """Pipeline component ``topics_lexicon``: sets ``topic`` on every fact but legal_ref
    from keyword weights in the fact's sentence, then its neighbours."""

    name = "topics_lexicon"
    assigns = ("fact.topic",)
    requires = ("doc.facts", "doc.sentences")

    def __init__(self, patterns: PatternSet):
        data = patterns.spec("topic").data
        self.default = data.get("default", "governance")
        self.keywords = []
        for topic, words in (data.get("keywords") or {}).items():
            if topic not in TOPICS:
                raise ValueError(f"patterns/topics.yml: unknown topic {topic!r}; use one of {', '.join(TOPICS)}")
            for w in words:
                flags = 0 if w.isupper() or any(c.isupper() for c in w[1:]) else regex.I
                self.keywords.append((topic, regex.compile(rf"(?<![\p{{L}}]){regex.escape(w)}(?![\p{{L}}])", flags),
                                      1.0 + 0.3 * len(w.split())))

    def scores(self, text: str) -> dict:
        out: dict = {}
        for topic, rx, weight in self.keywords:
            n = len(rx.findall(text))
            if n:
                out[topic] = out.get(topic, 0.0) + weight * n
        return out

    def topic_of(self, text: str, context: str = "") -> tuple:
        sc = self.scores(text)
        if not sc and context:
            sc = self.scores(context)
        if not sc:
            return self.default, 0.3
        best = max(sorted(sc), key=lambda t: sc[t])
        return best, sc[best] / (sum(sc.values()) or 1.0)

    def __call__(self, doc: Document) -> Document:
        sents = doc.sentences
        first = {}   # sentence -> its first index (what sents.index gives, without a scan per fact)
        for i, x in enumerate(sents):
            first.setdefault((x.start, x.end, x.text), i)
        for f in doc.facts:
            if f.type == "legal_ref" or f.topic is not None:
                continue
            sent = f.sentence or doc.sentence_at(f.start)
            text = sent.text if sent else doc.text[max(0, f.start - 150):f.end + 50]
            ctx = ""
            if sent is not None:
                i = first.get((sent.start, sent.end, sent.text), -1)
                if i >= 0:
                    ctx = " ".join(x.text for x in sents[max(0, i - 1):i + 2])
            if f.type != "shortcoming" and sent is not None:
                # the clause around the number weighs most
                lo = max(sent.start, f.start - 90)
                text = doc.text[lo:min(sent.end, f.end + 40)]
            f.topic, _ = self.topic_of(text, ctx)
        return doc
