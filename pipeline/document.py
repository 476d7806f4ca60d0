"""The knowledge-base schema: Document, Sentence and Fact, defined once.

Every annotation is an offset view into ``Document.text`` exactly as it was
given (0-based Python string indices); nothing here ever rewrites the text.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Optional

#: Fact types of the annotation guidelines, in the order they are reported.
FACT_TYPES = ("percentage", "ratio", "count", "money", "legal_ref", "shortcoming")
NUMERIC_TYPES = ("percentage", "ratio", "count", "money")

#: The 13 indicator topics of the guidelines.
TOPICS = (
    "email", "document_management", "digital_signature", "online_services",
    "one_stop_shop", "infrastructure", "personnel", "security", "web_portal",
    "digital_society", "budget", "governance", "other",
)

QUALIFIERS = ("exact", "over", "under", "about", "range")

#: Optional per-type fields, in output order.
FACT_FIELDS = (
    "value", "qualifier", "value_max", "numerator", "denominator", "unit",
    "currency", "doc_type", "number", "issued", "issuer", "topic",
)


@dataclass
class Sentence:
    """A sentence: ``text[start:end]`` of its document."""

    start: int
    end: int
    text: str

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "text": self.text}


@dataclass
class Fact:
    """One fact of the knowledge base (see the annotation guidelines)."""

    type: str
    start: int
    end: int
    text: str
    value: Optional[float] = None
    qualifier: Optional[str] = None
    value_max: Optional[float] = None
    numerator: Optional[float] = None
    denominator: Optional[float] = None
    unit: Optional[str] = None
    currency: Optional[str] = None
    doc_type: Optional[str] = None
    number: Optional[str] = None
    issued: Optional[str] = None
    issuer: Optional[str] = None
    topic: Optional[str] = None
    sentence: Optional[Sentence] = None
    confidence: float = 1.0
    source: str = ""

    @property
    def id(self) -> str:
        """A stable id within a document: type and span."""
        return f"{self.type}:{self.start}-{self.end}"

    def to_dict(self, doc_id: Optional[str] = None) -> dict:
        """The fact as one KB line (fields that are ``None`` are left out)."""
        out: dict[str, Any] = {}
        if doc_id is not None:
            out["doc_id"] = doc_id
            out["id"] = f"{doc_id}:{self.id}"
        out.update(type=self.type, start=self.start, end=self.end, text=self.text)
        for name in FACT_FIELDS:
            val = getattr(self, name)
            if val is not None:
                out[name] = _plain_number(val)
        if self.sentence is not None:
            out["sentence"] = self.sentence.to_dict()
        out["confidence"] = round(float(self.confidence), 4)
        out["source"] = self.source
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "Fact":
        """Build a Fact from a KB or gold line (unknown keys are ignored)."""
        names = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in names and k != "sentence"}
        sent = data.get("sentence")
        if isinstance(sent, dict):
            kwargs["sentence"] = Sentence(sent["start"], sent["end"], sent["text"])
        return cls(**kwargs)


def _plain_number(val: Any) -> Any:
    """Write 50.0 as 50.0 but keep ints (numerator 12) as ints."""
    if isinstance(val, float) and val.is_integer() and abs(val) < 2**53:
        return val
    return val


@dataclass
class Document:
    """A document flowing through the pipeline.

    Attributes
    ----------
    id : str
        Document id.
    text : str
        The original text; never modified.
    meta : dict
        Input metadata (``url``, ``title``, ``published`` ...) and what the
        metadata stage finds (``published``, ``province``, ``district``,
        ``province_2025``).
    facts : list of Fact
    sentences : list of Sentence
    ignored : list of (start, end)
        Page-chrome spans (menus, counters, share buttons) that yield no facts.
    """

    id: str
    text: str
    meta: dict = field(default_factory=dict)
    facts: list = field(default_factory=list)
    sentences: list = field(default_factory=list)
    ignored: list = field(default_factory=list)
    user_data: dict = field(default_factory=dict, repr=False)

    def sentence_at(self, pos: int) -> Optional[Sentence]:
        """The sentence containing character ``pos`` (binary search)."""
        sents = self.sentences
        lo, hi = 0, len(sents) - 1
        while lo <= hi:
            mid = (lo + hi) // 2
            s = sents[mid]
            if pos < s.start:
                hi = mid - 1
            elif pos >= s.end:
                lo = mid + 1
            else:
                return s
        return None

    def is_ignored(self, start: int, end: int) -> bool:
        """True when ``[start, end)`` overlaps a page-chrome span."""
        return any(s < end and start < e for s, e in self.ignored)

    def fact_counts(self) -> dict:
        counts = {t: 0 for t in FACT_TYPES}
        for f in self.facts:
            counts[f.type] = counts.get(f.type, 0) + 1
        return counts

    def to_dict(self) -> dict:
        """The document line of ``documents.jsonl``."""
        return {"id": self.id, "meta": dict(self.meta), "fact_counts": self.fact_counts(),
                "n_chars": len(self.text), "n_sentences": len(self.sentences), "text": self.text}

    def facts_dicts(self) -> list:
        return [f.to_dict(self.id) for f in self.facts]
