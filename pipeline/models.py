"""Trained classifiers as pipeline components: shortcoming sentences and topics.

Two scikit-learn pipelines live in ``models/`` (written by ``python -m
pipeline train``, see :mod:`pipeline.train`):

- ``shortcoming.skops``: is a sentence a shortcoming? (binary probability;
  the decision threshold is in the model card ``shortcoming.json``). Only
  the sentences that pass the model's gate (:data:`pipeline.features.GATE`)
  are scored; the others get probability 0;
- ``topic.skops``: the topic (13 labels) of a shortcoming sentence or of a
  numeric fact, from the list item around the number, the words before and
  after it, its sentence and the document's lead.

The components ``shortcomings`` and ``topics`` of :mod:`pipeline.language`
call :meth:`ShortcomingComponent.create` / :meth:`TopicComponent.create`,
which return ``None`` when no model file exists, so the pipeline falls back
to the cue lexicon of :mod:`pipeline.classify`. Another directory of models
(``python -m pipeline train --out DIR``) is chosen with the components'
``model_dir`` setting (``pipeline.get_pipeline(models=DIR)``, ``extract
--models DIR``; :func:`check_model_dir` checks it), the lexicon with
``lexicon=True`` (``models=False``, ``--no-models``).

Models are loaded with skops, never pickle: a file that holds any type not
in :data:`TRUSTED_TYPES` is refused. A model trained with another
scikit-learn version, or whose card does not match the file, loads with a
:class:`ModelWarning`. Each model is loaded once per process; a document's
sentences (or facts) are scored in one call, and a linear final estimator
is applied by :class:`Scorer` straight from the records (the same numbers
as ``predict_proba``, tested, without building sparse matrices).
"""
from __future__ import annotations

import hashlib
import json
import math
import warnings
from pathlib import Path
from typing import Optional

import numpy as np

from .document import Document, Fact
from .errors import ModelError
from .features import fact_records, sentence_records

#: Where the committed models are (``models/`` at the project root).
MODEL_DIR = Path(__file__).resolve().parent.parent / "models"
SHORTCOMING = "shortcoming"
TOPIC = "topic"

#: Types a model file may contain beyond those skops trusts by default.
TRUSTED_TYPES = (
    "pipeline.features.CharNgrams",
    "pipeline.features.CueFeatures",
    "pipeline.features.FastUnion",
    "pipeline.features.KindFeatures",
    "pipeline.features.SyllableNgrams",
    "pipeline.features.TopicKeywordFields",
    "pipeline.features.TopicKeywords",
    "sklearn.calibration.CalibratedClassifierCV",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.pipeline.Pipeline",
    "sklearn.svm._classes.LinearSVC",
)


def skops_io():
    """``skops.io``, imported without dragging in dask.

    skops lists its trusted types by walking every scikit-learn module, which
    imports scikit-learn's array-API shim for dask and so dask itself when it
    is installed (seconds of start-up, and the pipeline promises not to import
    dask unless asked to). dask is hidden while skops is imported; the shim
    skips what it cannot import.
    """
    import sys

    if "skops.io" in sys.modules:
        return sys.modules["skops.io"]
    hidden = [m for m in ("dask", "distributed") if m not in sys.modules]
    for m in hidden:
        sys.modules[m] = None
    try:
        import skops.io as sio
    finally:
        for m in hidden:
            if sys.modules.get(m, 0) is None:
                del sys.modules[m]
    return sio


class ModelWarning(UserWarning):
    """A model loads, but may not behave as its card says (version or hash differ)."""


def sha256_file(path) -> str:
    """Hex SHA-256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def card_path(model_path) -> Path:
    """The JSON model card beside a ``.skops`` file."""
    return Path(model_path).with_suffix(".json")


def read_card(model_path) -> dict:
    """The model card of ``model_path`` (``{}`` when there is none)."""
    p = card_path(model_path)
    if not p.is_file():
        return {}
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ModelError(f"E103: model card {p} is not valid JSON ({exc.msg}); "
                         "regenerate it with `python -m pipeline train`") from None


def load_model(path, trusted=TRUSTED_TYPES, check_card: bool = True):
    """Load a skops model file, refusing types that are not trusted.

    Parameters
    ----------
    path : str or Path
        The ``.skops`` file.
    trusted : sequence of str, default=TRUSTED_TYPES
        Fully qualified type names allowed beyond skops' defaults.
    check_card : bool, default=True
        Compare the card's ``sha256`` and ``sklearn_version`` with the file
        and the installed scikit-learn, warning (:class:`ModelWarning`) when
        they differ.

    Returns
    -------
    model : sklearn.pipeline.Pipeline
    card : dict
        The model card (``{}`` when absent).

    Raises
    ------
    ModelError
        When the file is missing, unreadable or holds untrusted types.
    """
    import sklearn

    sio = skops_io()
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"E100: model file not found: {path}; train it with "
                         f"`python -m pipeline train --data GOLD.jsonl --out {path.parent}`")
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:  # not a skops zip, truncated file ...
        raise ModelError(f"E102: {path} is not a readable skops model ({exc}); retrain it with "
                         "`python -m pipeline train`") from None
    unknown = sorted(set(untrusted) - set(trusted))
    if unknown:
        raise ModelError(f"E101: refusing to load {path}: it contains types that are not trusted "
                         f"({', '.join(unknown)}). Only load model files written by `python -m pipeline train`; "
                         "if you added a featurizer, add its type to pipeline.models.TRUSTED_TYPES")
    card = read_card(path)
    if check_card and card:
        saved = card.get("sklearn_version")
        if saved and saved != sklearn.__version__:
            warnings.warn(f"{path.name} was trained with scikit-learn {saved} but {sklearn.__version__} is "
                          "installed; its predictions may differ from its card. Retrain with "
                          "`python -m pipeline train` or install the card's version.", ModelWarning, stacklevel=2)
        digest = card.get("sha256")
        if digest and digest != sha256_file(path):
            warnings.warn(f"{path.name} does not match its card {card_path(path).name} (sha256 differs): "
                          "the card describes another model. Regenerate both with `python -m pipeline train`.",
                          ModelWarning, stacklevel=2)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*Trying to unpickle estimator.*")
        model = sio.load(path, trusted=list(untrusted))
    return model, card


#: The files a model directory must hold (each with its ``.json`` card beside it).
MODEL_FILES = (f"{SHORTCOMING}.skops", f"{TOPIC}.skops")


def check_model_dir(model_dir) -> Path:
    """The absolute path of a directory of trained models, after checking that it holds them.

    Parameters
    ----------
    model_dir : str or Path
        A directory written by ``python -m pipeline train --out DIR``.

    Returns
    -------
    Path

    Raises
    ------
    ModelError
        ``E105`` when the directory does not exist or lacks a model file; the
        message names the directory, the missing files and how to train them.
    """
    d = Path(model_dir).expanduser()
    hint = (f"train them with `python -m pipeline train --data GOLD.jsonl --out {d}` "
            "(or leave out --models for the bundled models, --no-models for the lexicon baseline)")
    if not d.is_dir():
        raise ModelError(f"E105: model directory {d} does not exist or is not a directory; {hint}")
    missing = [n for n in MODEL_FILES if not (d / n).is_file()]
    if missing:
        raise ModelError(f"E105: model directory {d} has no {' and no '.join(missing)} (a model directory "
                         f"holds {' and '.join(MODEL_FILES)} with their .json cards); {hint}")
    return d.resolve()


def model_stamp(model_dir=None) -> tuple:
    """``(file, size, mtime)`` of the model files and cards of ``model_dir`` (default ``models/``).

    Changes when the models are retrained, so that cached pipelines are rebuilt.
    """
    d = Path(model_dir or MODEL_DIR)
    out = []
    for name in MODEL_FILES:
        for p in (d / name, card_path(d / name)):
            try:
                st = p.stat()
                out.append((p.name, st.st_size, st.st_mtime_ns))
            except OSError:
                out.append((p.name, None, None))
    return tuple(out)


_LOADED: dict = {}


def _cached(path: Path):
    """``(model, card, digest)`` of a model file, loaded once per process (and again when it or its card changes)."""
    path = Path(path).resolve()
    key = (str(path),) + tuple((st.st_mtime_ns, st.st_size) if st else None
                               for st in (path.stat(), _stat(card_path(path))))
    if key not in _LOADED:
        model, card = load_model(path)
        cp = card_path(path)
        digest = sha256_file(path) + (":" + sha256_file(cp) if cp.is_file() else "")
        for k in [k for k in _LOADED if k[0] == key[0]]:   # an older version of the file
            del _LOADED[k]
        _LOADED[key] = (model, card, digest)
    return _LOADED[key]


def _stat(path: Path):
    try:
        return path.stat()
    except OSError:
        return None


class Scorer:
    """``predict_proba`` of a fitted Pipeline, fast for one document at a time.

    When the final estimator is a
    :class:`~sklearn.linear_model.LogisticRegression` after a
    :class:`~pipeline.features.FastUnion`, the coefficients are folded into
    the featurizers once (:meth:`~pipeline.features.FastUnion.prepare_dot`)
    and a document's scores ``X @ coef_.T + intercept_`` come straight from
    its records, without building a sparse matrix; then the sigmoid or
    softmax, which equals ``predict_proba`` (tested). Other pipelines run
    their steps and ``predict_proba`` as they are.

    Parameters
    ----------
    model : sklearn.pipeline.Pipeline
    """

    def __init__(self, model):
        from sklearn.linear_model import LogisticRegression

        from .features import FastUnion

        self.model = model
        self.steps = [step for _, step in model.steps[:-1] if step not in (None, "passthrough")]
        self.clf = model.steps[-1][1]
        self.classes_ = np.asarray(self.clf.classes_)
        self._linear = type(self.clf) is LogisticRegression
        self._prepared = None
        if self._linear:
            self._w = np.ascontiguousarray(self.clf.coef_.T)
            self._b = np.asarray(self.clf.intercept_, dtype=np.float64)
            if len(self.steps) == 1 and isinstance(self.steps[0], FastUnion):
                self._prepared = self.steps[0].prepare_dot(self._w)

    def decision_function(self, records: list) -> np.ndarray:
        """``X @ coef_.T + intercept_`` (linear models only), one row per record."""
        if self._prepared is not None:
            return self.steps[0].dot(records, self._prepared) + self._b
        X = records
        for step in self.steps:
            X = step.transform(X)
        return np.asarray(X @ self._w) + self._b

    def predict_proba(self, records: list) -> np.ndarray:
        """Class probabilities, one row per record (columns in ``classes_`` order)."""
        if not records:
            return np.zeros((0, len(self.classes_)))
        if not self._linear:
            X = records
            for step in self.steps:
                X = step.transform(X)
            return self.clf.predict_proba(X)
        d = self.decision_function(records)
        if d.shape[1] == 1:
            p = 1.0 / (1.0 + np.exp(-d[:, 0]))
            return np.column_stack([1.0 - p, p])
        d -= d.max(axis=1, keepdims=True)
        np.exp(d, out=d)
        d /= d.sum(axis=1, keepdims=True)
        return d


def find_gate(model):
    """The :class:`~pipeline.features.CueFeatures` of ``model`` that holds a gate, or None."""
    from .features import CueFeatures

    feats = model.steps[0][1] if getattr(model, "steps", None) else None
    for _name, trans in getattr(feats, "transformer_list", []):
        if isinstance(trans, CueFeatures) and getattr(trans, "gate", None):
            return trans
    return None


class ShortcomingComponent:
    """Pipeline component ``shortcomings`` backed by the trained sentence classifier.

    Every sentence (outside page chrome) whose probability reaches the
    threshold becomes a ``shortcoming`` fact with ``confidence`` = that
    probability and ``source`` = ``model:<name>``.

    Parameters
    ----------
    model : sklearn.pipeline.Pipeline
        Fitted on :func:`~pipeline.features.sentence_records` (labels 0/1).
    threshold : float, default=0.5
        Probability at or above which a sentence is a shortcoming.
    name : str, default="shortcoming"
        Model name, written into ``source``.
    """

    name = "shortcomings"
    assigns = ("doc.facts",)
    requires = ("doc.sentences",)
    #: set by :meth:`create`: the model file, its SHA-256, and what the resume fingerprint hashes
    model_path = sha256 = fingerprint = None

    def __init__(self, model, threshold: float = 0.5, name: str = SHORTCOMING):
        threshold = float(threshold)
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"shortcoming threshold must be between 0 and 1, got {threshold}")
        self.model = model
        self.threshold = threshold
        self.model_name = name
        self.scorer = Scorer(model)
        classes = list(self.scorer.classes_)
        if len(classes) != 2:
            raise ModelError(f"E104: the shortcoming model has classes {classes}; expected two (0, 1). "
                             "Retrain it with `python -m pipeline train`")
        self._col = classes.index(max(classes))
        self.gate = find_gate(model)

    @classmethod
    def create(cls, patterns=None, threshold: Optional[float] = None, model_dir=None, **cfg):
        """The component for ``model_dir/shortcoming.skops``, or None when there is no such file.

        Parameters
        ----------
        patterns : PatternSet, optional
            Unused (the cues are stored in the model).
        threshold : float, optional
            Default: the card's ``threshold``.
        model_dir : str or Path, optional
            Default: the project's ``models/``. A directory given explicitly
            must hold the model.

        Returns
        -------
        ShortcomingComponent or None
        """
        path = Path(model_dir or MODEL_DIR) / f"{SHORTCOMING}.skops"
        if not path.is_file():
            if model_dir is not None:
                raise ModelError(f"E100: no {path.name} in {model_dir}; train one with "
                                 f"`python -m pipeline train --data GOLD.jsonl --out {model_dir}`")
            return None
        model, card, digest = _cached(path)
        if threshold is None:
            threshold = card.get("threshold", 0.5)
        comp = cls(model, threshold=threshold, name=card.get("name", SHORTCOMING))
        comp.model_path, comp.sha256 = str(path.resolve()), digest.split(":")[0]
        comp.fingerprint = f"{SHORTCOMING}:{digest}:{comp.threshold!r}"
        return comp

    def probabilities(self, doc: Document) -> np.ndarray:
        """The shortcoming probability of every sentence of ``doc``.

        Sentences that the model's gate (:data:`pipeline.features.GATE`)
        rejects are not scored: their probability is 0.
        """
        cand = self.gate.candidates(doc) if self.gate is not None else None
        if cand is None:
            return self.scorer.predict_proba(sentence_records(doc))[:, self._col]
        probs = np.zeros(len(doc.sentences))
        if cand:
            probs[cand] = self._positive(sentence_records(doc, cand))
        return probs

    def _positive(self, records: list):
        """Probability of the positive class for each record."""
        if self.scorer._linear and len(self.scorer.classes_) == 2:
            d = self.scorer.decision_function(records)[:, 0].tolist()
            p = [1.0 / (1.0 + math.exp(-x)) if x > -700 else 0.0 for x in d]
            return p if self._col == 1 else [1.0 - x for x in p]
        return self.scorer.predict_proba(records)[:, self._col].tolist()

    def _scored(self, doc: Document) -> tuple:
        """``(sentence indices, probabilities)`` of the sentences that may be shortcomings."""
        cand = self.gate.candidates(doc) if self.gate is not None and self.threshold > 0.0 else None
        if cand is None:  # no gate (or a threshold of 0: every sentence is one)
            return range(len(doc.sentences)), self.probabilities(doc).tolist()
        return cand, (self._positive(sentence_records(doc, cand)) if cand else [])

    def __call__(self, doc: Document) -> Document:
        if not doc.sentences:
            return doc
        idx, probs = self._scored(doc)
        src = f"model:{self.model_name}"
        added = False
        sents = doc.sentences
        for i, p in zip(idx, probs):
            s = sents[i]
            if p < self.threshold:
                continue
            if doc.ignored and doc.is_ignored(s.start, s.end) and doc.is_ignored(s.start, s.start + 1):
                continue
            doc.facts.append(Fact("shortcoming", s.start, s.end, s.text, sentence=s,
                                  confidence=float(p), source=src))
            added = True
        if added:
            doc.facts.sort(key=lambda f: (f.start, f.end, f.type))
        return doc


class TopicComponent:
    """Pipeline component ``topics`` backed by the trained topic classifier.

    Sets ``topic`` on every fact but ``legal_ref`` that has none yet, in one
    batch per document.

    Parameters
    ----------
    model : sklearn.pipeline.Pipeline
        Fitted on :func:`~pipeline.features.fact_records` (labels: topics).
    name : str, default="topic"
    """

    name = "topics"
    assigns = ("fact.topic",)
    requires = ("doc.facts",)
    model_path = sha256 = fingerprint = None

    def __init__(self, model, name: str = TOPIC):
        self.model = model
        self.model_name = name
        self.scorer = Scorer(model)
        self._names = [str(c) for c in self.scorer.classes_]

    @classmethod
    def create(cls, patterns=None, model_dir=None, **cfg):
        """The component for ``model_dir/topic.skops``, or None when there is no such file."""
        path = Path(model_dir or MODEL_DIR) / f"{TOPIC}.skops"
        if not path.is_file():
            if model_dir is not None:
                raise ModelError(f"E100: no {path.name} in {model_dir}; train one with "
                                 f"`python -m pipeline train --data GOLD.jsonl --out {model_dir}`")
            return None
        model, card, digest = _cached(path)
        comp = cls(model, name=card.get("name", TOPIC))
        comp.model_path, comp.sha256 = str(path.resolve()), digest.split(":")[0]
        comp.fingerprint = f"{TOPIC}:{digest}"
        return comp

    def predict(self, doc: Document, facts: list) -> tuple:
        """Topics and their probabilities for ``facts`` of ``doc``."""
        if not facts:
            return [], np.zeros(0)
        probs = self.scorer.predict_proba(fact_records(doc, facts))
        best = probs.argmax(axis=1)
        return [str(t) for t in self.scorer.classes_[best]], probs[np.arange(len(best)), best]

    def topics(self, doc: Document, facts: list) -> list:
        """The topic of each of ``facts`` (the class with the highest score; the same as :meth:`predict`)."""
        if not facts:
            return []
        records = fact_records(doc, facts)
        if not self.scorer._linear:
            return self.predict(doc, facts)[0]
        best = self.scorer.decision_function(records).argmax(axis=1).tolist()
        names = self._names
        return [names[j] for j in best]

    def __call__(self, doc: Document) -> Document:
        todo = [f for f in doc.facts if f.type != "legal_ref" and f.topic is None]
        if todo:
            for f, t in zip(todo, self.topics(doc, todo)):
                f.topic = t
        doc.user_data.pop("_clf", None)  # the classifiers' per-document cache (pipeline.features) is done with
        return doc
