"""Components registered by name; a pipeline is a list of names.

In spaCy's manner: every stage is a small callable that reads a
:class:`~pipeline.document.Document` and adds to it. Factories are
registered under a name with the attributes they assign and require, so a
misordered pipeline fails when it is built, not halfway through a corpus.
"""
from __future__ import annotations

from typing import Callable, Iterable, Optional

from .document import Document
from .patterns import PatternSet, load as load_patterns

#: The default pipeline (names of registered components, in order).
DEFAULT_PIPELINE = ("clean", "segment", "patterns", "shortcomings", "topics", "metadata")

_FACTORIES: dict[str, dict] = {}


def register(name: str, *, assigns=(), requires=()):
    """Register a component factory ``factory(patterns, **config) -> callable``."""
    if not name or "__" in name or not name.replace("_", "").isalnum():
        raise ValueError(f"component name {name!r} must be letters, digits and single underscores")

    def deco(factory: Callable):
        _FACTORIES[name] = {"factory": factory, "assigns": tuple(assigns), "requires": tuple(requires)}
        return factory
    return deco


def registered() -> list:
    """Names of all registered components."""
    return sorted(_FACTORIES)


@register("clean", assigns=("doc.ignored",))
def _make_clean(patterns, **cfg):
    from .clean import ChromeCleaner
    return ChromeCleaner(patterns)


@register("segment", assigns=("doc.sentences",))
def _make_segment(patterns, **cfg):
    from .segment import SentenceSegmenter
    return SentenceSegmenter(patterns)


@register("patterns", assigns=("doc.facts",), requires=("doc.sentences", "doc.ignored"))
def _make_patterns(patterns, types=None, **cfg):
    from .extractors import PatternExtractor
    return PatternExtractor(patterns, types=types)


@register("shortcomings_lexicon", assigns=("doc.facts",), requires=("doc.sentences",))
def _make_sc_lexicon(patterns, **cfg):
    from .classify import LexiconShortcomings
    return LexiconShortcomings(patterns)


@register("topics_lexicon", assigns=("fact.topic",), requires=("doc.facts",))
def _make_topics_lexicon(patterns, **cfg):
    from .classify import LexiconTopics
    return LexiconTopics(patterns)


@register("shortcomings", assigns=("doc.facts",), requires=("doc.sentences",))
def _make_shortcomings(patterns, lexicon: bool = False, **cfg):
    """The trained classifier of ``model_dir`` (default: the bundled ``models/``), else the lexicon.

    ``lexicon=True`` forces the lexicon baseline; a ``model_dir`` given
    explicitly must hold the model (:class:`~pipeline.errors.ModelError` otherwise).
    """
    if lexicon:
        return _make_sc_lexicon(patterns)
    try:
        from .models import ShortcomingComponent  # trained classifier, when available
    except ImportError:
        if cfg.get("model_dir"):
            raise
        return _make_sc_lexicon(patterns)
    return ShortcomingComponent.create(patterns, **cfg) or _make_sc_lexicon(patterns)


@register("topics", assigns=("fact.topic",), requires=("doc.facts",))
def _make_topics(patterns, lexicon: bool = False, **cfg):
    """The trained topic model of ``model_dir`` (default: the bundled ``models/``), else the lexicon."""
    if lexicon:
        return _make_topics_lexicon(patterns)
    try:
        from .models import TopicComponent
    except ImportError:
        if cfg.get("model_dir"):
            raise
        return _make_topics_lexicon(patterns)
    return TopicComponent.create(patterns, **cfg) or _make_topics_lexicon(patterns)


def models_config(models) -> dict:
    """Component config choosing the classifiers: ``{"shortcomings": {...}, "topics": {...}}``.

    Parameters
    ----------
    models : None, False or str/Path
        ``None``: the bundled ``models/`` (the lexicon when they are absent);
        a directory written by ``python -m pipeline train --out DIR`` (checked:
        it must hold both models); ``False``: the lexicon baseline.
    """
    if models is None:
        return {}
    if models is False:
        return {"shortcomings": {"lexicon": True}, "topics": {"lexicon": True}}
    from .models import check_model_dir
    d = str(check_model_dir(models))
    return {"shortcomings": {"model_dir": d}, "topics": {"model_dir": d}}


@register("metadata", assigns=("doc.meta",))
def _make_metadata(patterns, **cfg):
    from .metadata import add_metadata
    return add_metadata


class Pipeline:
    """An ordered list of named components.

    Parameters
    ----------
    names : iterable of str, optional
        Component names; default :data:`DEFAULT_PIPELINE`.
    patterns : PatternSet or path, optional
        The pattern set (default: the bundled ``patterns/``).
    config : dict, optional
        ``{component_name: {setting: value}}`` passed to the factories, e.g.
        ``{"shortcomings": {"model_dir": DIR, "threshold": 0.8}, "topics": {"model_dir": DIR}}``
        (:func:`models_config` builds the model part).
    """

    def __init__(self, names: Optional[Iterable[str]] = None, patterns=None, config: Optional[dict] = None):
        self.names = tuple(names or DEFAULT_PIPELINE)
        self.patterns = patterns if isinstance(patterns, PatternSet) else load_patterns(patterns)
        config = config or {}
        have: set = {"doc.text"}
        self.components = []
        for name in self.names:
            if name not in _FACTORIES:
                raise ValueError(f"unknown component {name!r}; registered: {', '.join(registered())}")
            spec = _FACTORIES[name]
            missing = [r for r in spec["requires"] if r not in have]
            if missing:
                raise ValueError(f"component {name!r} needs {', '.join(missing)}, which no earlier component "
                                 f"assigns; put it after the components that do (pipeline: {', '.join(self.names)})")
            have.update(spec["assigns"])
            self.components.append((name, spec["factory"](self.patterns, **config.get(name, {}))))

    def __call__(self, doc: Document) -> Document:
        for _name, comp in self.components:
            doc = comp(doc)
        return doc

    def pipe(self, docs: Iterable[Document]):
        for doc in docs:
            yield self(doc)
