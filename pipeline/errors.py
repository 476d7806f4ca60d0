"""One catalogue of errors: what went wrong, where, and what to do."""
from __future__ import annotations


class PipelineError(Exception):
    """Base class of the project's errors (the CLI prints them as ``Error: ...``)."""


class PatternError(PipelineError, ValueError):
    """A pattern file under ``patterns/`` is invalid."""


class InputError(PipelineError, ValueError):
    """An input record or file cannot be read."""

    def __init__(self, message: str, file: str = "", line: int | None = None, record=None):
        where = f"{file}:{line}: " if file and line is not None else (f"{file}: " if file else "")
        super().__init__(where + message)
        self.file, self.line, self.reason, self.record = file, line, message, record

    def to_record(self) -> dict:
        """The line written to ``errors.jsonl``."""
        rec = {"file": self.file, "line": self.line, "error": self.reason}
        if self.record is not None:
            rec["record"] = self.record
        return rec


class ModelError(PipelineError, ValueError):
    """A model file is missing, untrusted or incompatible."""


E_PATTERN_COMPILE = "E001: pattern {id!r} in {file} does not compile ({err}); check escaping and group names"
E_PATTERN_FIELD = "E002: pattern {id!r} in {file} lacks {field!r}; every pattern needs an id and a regex"
E_PATTERN_MACRO = "E003: pattern {id!r} in {file} uses unknown macro {{{name}}}; define it under 'macros:' in patterns/macros.yml"
E_PATTERN_DUP = "E004: pattern id {id!r} appears twice ({file}); ids must be unique across patterns/"
E_PATTERN_YAML = "E005: {file} is not valid YAML ({err})"
E_PATTERN_REQUIRES = ("E009: pattern {id!r} in {file}: {what}; 'requires' lists words one of which every "
                      "match's document contains (case is ignored), for example requires: ['%', 'phần trăm']")
E_NO_PATTERNS = "W001: no patterns for fact type {type!r} in {dir}; facts of that type will not be found"
