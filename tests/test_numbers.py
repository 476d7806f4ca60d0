"""Vietnamese number grammar."""
import pytest

from pipeline.numbers import NumberFormatError, parse_number, scale_of


@pytest.mark.parametrize("text,value", [
    ("1.064", 1064.0), ("33,2", 33.2), ("2.5", 2.5), ("2.55", 2.55), ("99,7", 99.7),
    ("10.257", 10257.0), ("1.234.567", 1234567.0), ("1.234,5", 1234.5), ("100", 100.0),
    ("0,4014", 0.4014), ("25.960", 25960.0), ("06", 6.0),
])
def test_numbers_parse(text, value):
    assert parse_number(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "abc", "1.2.3", ",5", "1,2,3", "12.3456.7"])
def test_numbers_reject(text):
    with pytest.raises(NumberFormatError):
        parse_number(text)


def test_numbers_scale_words():
    assert scale_of("tỷ") == 1e9 and scale_of("triệu") == 1e6 and scale_of("nghìn") == 1e3
    assert scale_of("nghìn tỷ") == 1e12 and scale_of(None) == 1
    with pytest.raises(NumberFormatError):
        scale_of("vạn")
