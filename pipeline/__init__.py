"""Extract facts from Vietnamese e-government and digital-transformation reports.

Public API::

    import pipeline
    doc = pipeline.extract("Tỷ lệ hồ sơ trực tuyến đạt 85,5%.", id="d1")
    doc.facts[0].value            # 85.5
    docs = pipeline.extract_many([{"id": "a", "text": "..."}])
    facts, documents = pipeline.kb.load("kb/")
"""
from __future__ import annotations

from typing import Iterable, Iterator, Optional

from . import kb
from .document import FACT_TYPES, TOPICS, Document, Fact, Sentence
from .language import DEFAULT_PIPELINE, Pipeline, register

__version__ = "0.1.0"
__all__ = ["extract", "extract_many", "get_pipeline", "Document", "Fact", "Sentence", "Pipeline",
           "register", "kb", "FACT_TYPES", "TOPICS", "DEFAULT_PIPELINE", "__version__"]

_PIPELINES: dict = {}


def get_pipeline(names: Optional[Iterable[str]] = None, patterns=None, shortcoming_threshold: Optional[float] = None,
                 **config) -> Pipeline:
    """The (cached) pipeline for these settings."""
    cfg = dict(config)
    if shortcoming_threshold is not None:
        cfg.setdefault("shortcomings", {})["threshold"] = float(shortcoming_threshold)
    key = (tuple(names or DEFAULT_PIPELINE), str(patterns), repr(sorted(cfg.items())))
    if key not in _PIPELINES:
        _PIPELINES[key] = Pipeline(names, patterns=patterns, config=cfg)
    return _PIPELINES[key]


def extract(text: str, id: str = "doc", shortcoming_threshold: Optional[float] = None, **meta) -> Document:
    """Extract the facts and metadata of one document.

    Parameters
    ----------
    text : str
        The document text, exactly as given (offsets point into it).
    id : str, default="doc"
    shortcoming_threshold : float, optional
        Probability above which a sentence is a shortcoming (trained model).
    **meta
        Known metadata (``title``, ``url``, ``published`` ...).

    Returns
    -------
    Document
        With ``facts``, ``sentences`` and ``meta`` filled in.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    nlp = get_pipeline(shortcoming_threshold=shortcoming_threshold)
    return nlp(Document(id=str(id), text=text, meta=dict(meta)))


def extract_many(items: Iterable, shortcoming_threshold: Optional[float] = None) -> Iterator[Document]:
    """Extract from many documents: ``Document`` objects, ``{"id", "text", ...}`` dicts or strings."""
    nlp = get_pipeline(shortcoming_threshold=shortcoming_threshold)
    for i, item in enumerate(items):
        if isinstance(item, Document):
            doc = item
        elif isinstance(item, str):
            doc = Document(id=str(i), text=item)
        elif isinstance(item, dict):
            meta = {k: v for k, v in item.items() if k not in ("id", "text")}
            doc = Document(id=str(item.get("id", i)), text=item.get("text") or "", meta=meta)
        else:
            raise TypeError(f"item {i}: expected Document, dict or str, not {type(item).__name__}")
        yield nlp(doc)
