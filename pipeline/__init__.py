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
                 models=None, **config) -> Pipeline:
    """The (cached) pipeline for these settings.

    Parameters
    ----------
    names : iterable of str, optional
        Component names (default :data:`DEFAULT_PIPELINE`).
    patterns : str or Path, optional
        Pattern directory (default: the bundled ``patterns/``).
    shortcoming_threshold : float, optional
        Probability above which a sentence is a shortcoming (default: the model card's).
    models : None, False, str or Path, optional
        The classifiers: ``None`` = the bundled ``models/`` (the lexicon when
        absent); a directory written by ``python -m pipeline train --out DIR``
        (it must hold ``shortcoming.skops`` and ``topic.skops``, else
        :class:`~pipeline.errors.ModelError`); ``False`` = the lexicon baseline.
    **config
        ``{component_name: {setting: value}}`` (see :class:`Pipeline`).
    """
    from .language import models_config

    cfg = {k: dict(v) if isinstance(v, dict) else v for k, v in config.items()}
    if shortcoming_threshold is not None:
        if models is False:
            raise ValueError("a shortcoming threshold applies to the trained shortcoming model; "
                             "the lexicon baseline (--no-models, models=False) has none")
        cfg.setdefault("shortcomings", {})["threshold"] = float(shortcoming_threshold)
    for name, settings in models_config(models).items():
        cfg.setdefault(name, {}).update(settings)
    names = tuple(names or DEFAULT_PIPELINE)
    stamp = None
    if models is not False and {"shortcomings", "topics"} & set(names):
        from .models import model_stamp   # models retrained since the pipeline was built: build it again
        stamp = tuple(model_stamp((cfg.get(n) or {}).get("model_dir")) for n in ("shortcomings", "topics"))
    key = (names, str(patterns), repr(sorted(cfg.items())))
    cached = _PIPELINES.get(key)
    if cached is None or cached[0] != stamp:
        cached = _PIPELINES[key] = (stamp, Pipeline(names, patterns=patterns, config=cfg))
    return cached[1]


def extract(text: str, id: str = "doc", shortcoming_threshold: Optional[float] = None, models=None,
            **meta) -> Document:
    """Extract the facts and metadata of one document.

    Parameters
    ----------
    text : str
        The document text, exactly as given (offsets point into it).
    id : str, default="doc"
    shortcoming_threshold : float, optional
        Probability above which a sentence is a shortcoming (trained model).
    models : None, False, str or Path, optional
        Trained models to use: ``None`` = the bundled ``models/``, a directory
        written by ``python -m pipeline train --out DIR``, ``False`` = the
        lexicon baseline (see :func:`get_pipeline`).
    **meta
        Known metadata (``title``, ``url``, ``published`` ...).

    Returns
    -------
    Document
        With ``facts``, ``sentences`` and ``meta`` filled in.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    nlp = get_pipeline(shortcoming_threshold=shortcoming_threshold, models=models)
    return nlp(Document(id=str(id), text=text, meta=dict(meta)))


def extract_many(items: Iterable, shortcoming_threshold: Optional[float] = None, models=None) -> Iterator[Document]:
    """Extract from many documents: ``Document`` objects, ``{"id", "text", ...}`` dicts or strings.

    ``shortcoming_threshold`` and ``models`` as in :func:`extract`. Ids are
    not checked for duplicates here (``python -m pipeline extract`` does that).
    """
    nlp = get_pipeline(shortcoming_threshold=shortcoming_threshold, models=models)
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
