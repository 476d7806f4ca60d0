"""Patterns as data: load ``patterns/*.yml``, expand macros, compile with ``regex``.

Each YAML file holds the patterns of one fact type (or the exclusions)::

    type: percentage          # fact type, or "exclusion"
    order: 12                 # lower orders claim text first
    patterns:
      - id: percent-sign      # unique across all files
        regex: '(?<value>{NUM})\\s*%'
        fields: {qualifier: range}   # constant fields of the facts it makes
        span_from: value      # optional: the group that is the fact's span
        requires: ['%', 'phần trăm']  # optional: run only on documents holding one of
                              # these words (case ignored); a speed-up for patterns
                              # that need a rare word the engine cannot look for
        examples: [...]       # {text, expect: {field: value}} run as tests
        counterexamples: [...]
    # any other top-level key (qualifiers, doc_types, word lists) is kept in
    # ``TypeSpec.data`` for the extractor of that type.

``{NAME}`` inserts a macro from ``macros.yml`` or from the file's own
``macros:`` section. Matching is kept apart from building facts
(:mod:`pipeline.extractors`).
"""
from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import regex
import yaml

from . import errors

#: The bundled pattern directory (``patterns/`` at the project root).
DEFAULT_DIR = Path(__file__).resolve().parent.parent / "patterns"
_MACRO = regex.compile(r"(?<!\\[pPN])\{([A-Z][A-Z_0-9]*)\}")


@dataclass
class Pattern:
    """One named regex of a fact type."""

    id: str
    type: str
    regex: str
    compiled: "regex.Pattern"
    order: int
    file: str
    fields: dict = field(default_factory=dict)
    span_from: Optional[str] = None
    requires_context: Optional["regex.Pattern"] = None
    requires: tuple = ()   # lower-cased words; the pattern runs on a document holding one of them
    line_start: bool = False  # every match starts a line (``(?m)^...``): tried at line starts only
    confidence: float = 0.95
    examples: list = field(default_factory=list)
    counterexamples: list = field(default_factory=list)


@dataclass
class TypeSpec:
    """Everything a pattern file says about one fact type."""

    type: str
    order: int
    file: str
    patterns: list = field(default_factory=list)
    data: dict = field(default_factory=dict)


class PatternSet:
    """All patterns of a directory, compiled once.

    Parameters
    ----------
    directory : str or Path, optional
        Where the YAML files are; default: the bundled ``patterns/``.
    """

    def __init__(self, directory=None):
        self.directory = Path(directory) if directory else DEFAULT_DIR
        self.types: dict[str, TypeSpec] = {}
        self.macros: dict[str, str] = {}
        self.hash = ""
        self._load()

    # -- loading ---------------------------------------------------------
    def _read(self, path: Path) -> dict:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise errors.PatternError(errors.E_PATTERN_YAML.format(file=path, err=exc)) from None
        if not isinstance(data, dict):
            raise errors.PatternError(errors.E_PATTERN_YAML.format(file=path, err="top level must be a mapping"))
        return data

    def _load(self) -> None:
        files = sorted(self.directory.glob("*.yml")) + sorted(self.directory.glob("*.yaml"))
        if not files:
            raise errors.PatternError(f"E006: no pattern files (*.yml) in {self.directory}; "
                                      "point --patterns at the project's patterns/ directory")
        digest = hashlib.sha256()
        docs = []
        for path in files:
            raw = path.read_bytes()
            digest.update(path.name.encode() + b"\0" + raw)
            docs.append((path, self._read(path)))
        self.hash = digest.hexdigest()[:16]
        for path, data in docs:
            for name, frag in (data.get("macros") or {}).items():
                self.macros[name] = str(frag)
        for path, data in docs:
            if "type" in data:
                self._add_type(path, data)
        seen: dict[str, str] = {}
        for spec in self.types.values():
            for p in spec.patterns:
                if p.id in seen:
                    raise errors.PatternError(errors.E_PATTERN_DUP.format(id=p.id, file=f"{seen[p.id]} and {p.file}"))
                seen[p.id] = p.file

    def add_macros(self, macros: dict) -> None:
        """Define more macros (used by extractors that generate alternations)."""
        self.macros.update(macros)

    def expand(self, text: str, pid: str = "?", file: str = "?") -> str:
        """Insert macros into a regex source, recursively."""
        for _ in range(10):
            names = _MACRO.findall(text)
            if not names:
                return text
            for name in names:
                if name not in self.macros:
                    raise errors.PatternError(errors.E_PATTERN_MACRO.format(id=pid, file=file, name=name))
            text = _MACRO.sub(lambda m: self.macros[m.group(1)], text)
        raise errors.PatternError(f"E007: macros in pattern {pid!r} ({file}) nest too deep; is a macro recursive?")

    def _add_type(self, path: Path, data: dict) -> None:
        typ = str(data["type"])
        spec = TypeSpec(type=typ, order=int(data.get("order", 50)), file=path.name,
                        data={k: v for k, v in data.items() if k not in ("type", "order", "patterns", "macros")})
        if typ == "legal_ref":
            self._doc_type_macros(spec.data.get("doc_types") or {})
        for i, entry in enumerate(data.get("patterns") or []):
            for key in ("id", "regex"):
                if not isinstance(entry, dict) or key not in entry:
                    pid = entry.get("id", f"#{i + 1}") if isinstance(entry, dict) else f"#{i + 1}"
                    raise errors.PatternError(errors.E_PATTERN_FIELD.format(id=pid, file=path.name, field=key))
            pid = str(entry["id"])
            source = self.expand(str(entry["regex"]), pid, path.name)
            try:
                compiled = regex.compile(source, regex.V0)
            except regex.error as exc:
                raise errors.PatternError(errors.E_PATTERN_COMPILE.format(id=pid, file=path.name, err=exc)) from None
            ctx = entry.get("requires_context")
            requires = _requires(entry, pid, path.name)
            spec.patterns.append(Pattern(
                id=pid, type=typ, regex=source, compiled=compiled,
                order=int(entry.get("order", spec.order)), file=path.name,
                fields=dict(entry.get("fields") or {}), span_from=entry.get("span_from"),
                requires_context=regex.compile(ctx) if ctx else None, requires=requires,
                line_start=_starts_lines(source),
                confidence=float(entry.get("confidence", 0.95)),
                examples=list(entry.get("examples") or []),
                counterexamples=list(entry.get("counterexamples") or []),
            ))
        if not spec.patterns and typ not in ("shortcoming", "topic", "chrome", "sentences"):
            warnings.warn(errors.E_NO_PATTERNS.format(type=typ, dir=self.directory), stacklevel=2)
        self.types[typ] = spec

    def _doc_type_macros(self, doc_types: dict) -> None:
        full, abbr = [], []
        for forms in doc_types.values():
            for form in forms:
                (abbr if form.isupper() else full).append(form)
        full.sort(key=len, reverse=True)
        words = "|".join(r"\s+".join(regex.escape(w) for w in f.split()) for f in full)
        full_re = rf"(?<![\p{{L}}])(?i:{words})(?![\p{{L}}])"
        abbr_re = "|".join(regex.escape(a) for a in sorted(abbr, key=len, reverse=True))
        self.macros["DOCTYPE_FULL"] = full_re
        self.macros["DOCTYPE"] = rf"(?:{full_re}|(?<![\p{{L}}])(?:{abbr_re})(?![\p{{L}}]))"

    # -- access ----------------------------------------------------------
    def spec(self, typ: str) -> TypeSpec:
        if typ not in self.types:
            raise errors.PatternError(f"E008: no pattern file declares type {typ!r} in {self.directory}")
        return self.types[typ]

    def ordered(self) -> list:
        """All patterns, grouped by claiming order: list of (order, [Pattern])."""
        groups: dict[int, list] = {}
        for spec in self.types.values():
            for p in spec.patterns:
                groups.setdefault(p.order, []).append(p)
        return sorted(groups.items())

    def all_patterns(self) -> list:
        return [p for spec in self.types.values() for p in spec.patterns]


def _starts_lines(source: str) -> bool:
    """True when every match of ``source`` starts a line: it begins with ``(?m)^`` and has no ``|`` outside
    groups and classes (a ``(?m)^`` pattern may then be tried at line starts only)."""
    if not source.startswith("(?m)^"):
        return False
    depth, i, in_class = 0, 5, False
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            if ch == "]":
                in_class = False
        elif ch == "[":
            in_class = True
            if source[i + 1:i + 2] == "^":
                i += 1
            if source[i + 1:i + 2] == "]":  # a ']' right after '[' or '[^' is a literal
                i += 1
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            return False
        i += 1
    return True


def _requires(entry: dict, pid: str, file: str) -> tuple:
    """The ``requires`` words of a pattern entry, lower-cased; every example must hold one."""
    req = entry.get("requires")
    if req is None:
        return ()
    if isinstance(req, str):
        req = [req]
    if not isinstance(req, list) or not req or not all(isinstance(w, str) and w.strip() for w in req):
        raise errors.PatternError(errors.E_PATTERN_REQUIRES.format(
            id=pid, file=file, what=f"'requires' must be a list of non-empty strings, got {req!r}"))
    words = tuple(dict.fromkeys(w.lower() for w in req))
    for ex in entry.get("examples") or []:
        text = ex.get("text") if isinstance(ex, dict) else ex
        if isinstance(text, str) and not any(w in text.lower() for w in words):
            raise errors.PatternError(errors.E_PATTERN_REQUIRES.format(
                id=pid, file=file, what=f"example {text!r} holds none of its 'requires' words {list(words)}"))
    return words


_CACHE: dict[str, PatternSet] = {}


def load(directory=None) -> PatternSet:
    """Load (once per directory) and return the pattern set."""
    key = str(Path(directory).resolve()) if directory else str(DEFAULT_DIR)
    if key not in _CACHE:
        _CACHE[key] = PatternSet(directory)
    return _CACHE[key]
