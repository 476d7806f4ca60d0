"""Vietnamese number grammar: ``1.064`` -> 1064, ``33,2`` -> 33.2, ``2,5 tỷ``.

Rules of the annotation guidelines:

- ``.`` groups thousands when followed by exactly three digits
  (``1.064`` -> 1064, ``10.257.000`` -> 10257000);
- ``,`` is the decimal mark (``99,7`` -> 99.7);
- a ``.`` followed by one or two digits is a decimal point (``2.5`` -> 2.5);
- ``,`` followed by exactly three digits after a dotted group is still a
  decimal (``1.234,567``); a lone ``25,960`` is read as a decimal too,
  as Vietnamese writing does.
- scale words multiply: ``nghìn``/``ngàn`` 1e3, ``triệu`` 1e6, ``tỷ``/``tỉ``
  1e9 (``2,5 tỷ`` -> 2.5e9).
"""
from __future__ import annotations

import regex

#: A number as written in Vietnamese text (digits, thousand dots, decimal comma).
NUMBER_RE = r"(?:\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?|\d+\.\d{1,2}(?!\d))"

SCALE_WORDS = {
    "nghìn": 1e3, "ngàn": 1e3, "nghin": 1e3,
    "triệu": 1e6, "trieu": 1e6,
    "tỷ": 1e9, "tỉ": 1e9, "ty": 1e9,
    "nghìn tỷ": 1e12, "ngàn tỷ": 1e12,
}

_SPACES = regex.compile(r"[\s\u00a0\u200b]+")
_DIGITS = regex.compile(r"[\d.,]+")


class NumberFormatError(ValueError):
    """Raised when a string is not a number in Vietnamese notation."""


def parse_number(s: str) -> float:
    """Parse a Vietnamese-formatted number.

    Parameters
    ----------
    s : str
        The number as written, e.g. ``"1.064"``, ``"33,2"``, ``"2.5"``.

    Returns
    -------
    float
        The value (``1.064`` -> 1064.0).

    Examples
    --------
    >>> parse_number("1.064"), parse_number("33,2"), parse_number("2.5")
    (1064.0, 33.2, 2.5)
    """
    t = s.strip().replace("\u00a0", "").replace(" ", "")
    if not t or not _DIGITS.fullmatch(t) or not t[0].isdigit():
        raise NumberFormatError(f"not a number: {s!r}")
    if "." in t and "," in t:
        # 1.234,5: dots group thousands, comma is the decimal mark
        t = t.replace(".", "").replace(",", ".")
    elif "." in t:
        parts = t.split(".")
        if all(len(p) == 3 for p in parts[1:]) and 1 <= len(parts[0]) <= 3:
            t = "".join(parts)
        elif len(parts) == 2:
            pass  # 2.5 or 2.55: decimal point
        else:
            raise NumberFormatError(f"not a number: {s!r}")
    elif "," in t:
        parts = t.split(",")
        if len(parts) != 2:
            raise NumberFormatError(f"not a number: {s!r}")
        t = t.replace(",", ".")
    return float(t)


def scale_of(word: str | None) -> float:
    """The multiplier of a scale word (``"tỷ"`` -> 1e9); 1 for none."""
    if not word:
        return 1.0
    key = _SPACES.sub(" ", word.strip().lower())
    if key not in SCALE_WORDS:
        raise NumberFormatError(f"unknown scale word: {word!r}")
    return SCALE_WORDS[key]


def as_number(x: float):
    """An int when the float is integral (12.0 -> 12), else the float."""
    return int(x) if float(x).is_integer() and abs(x) < 2**53 else x
