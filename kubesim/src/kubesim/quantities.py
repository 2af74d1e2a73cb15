"""Kubernetes quantities ("500m", "32Gi", "1e3"): exact parsing and the server's formatting.

Parsing follows the API server's rule (the same regular expression and message); values are
`Fraction`s, so sums of millicores or bytes never drift.
"""

import functools
import re
from fractions import Fraction

PATTERN = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
_QUANTITY = re.compile(r"^([+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][-+]?[0-9]+)?$")
_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"n": Fraction(1, 10**9), "u": Fraction(1, 10**6), "m": Fraction(1, 1000), "": Fraction(1),
            "k": Fraction(10**3), "M": Fraction(10**6), "G": Fraction(10**9), "T": Fraction(10**12),
            "P": Fraction(10**15), "E": Fraction(10**18)}
# Resources whose amounts the server prints with binary suffixes (bytes).
BINARY_RESOURCES = ("memory", "storage", "ephemeral-storage")


class InvalidQuantity(ValueError):
    """Not a quantity: the message is the API server's."""

    def __init__(self, text):
        super().__init__(f"quantities must match the regular expression '{PATTERN}'")
        self.text = text


def parse_quantity(text) -> Fraction:
    if isinstance(text, bool) or not isinstance(text, str | int | float):
        raise InvalidQuantity(text)
    return _parse(text if isinstance(text, str) else str(text))


@functools.lru_cache(maxsize=4096)
def _parse(text: str) -> Fraction:
    """Cached: the same few quantities are parsed over and over (every pod write)."""
    match = _QUANTITY.match(text.strip())
    if not match:
        raise InvalidQuantity(text)
    number, suffix = match.group(1), match.group(2) or ""
    value = Fraction(number)
    if suffix in _BINARY:
        return value * _BINARY[suffix]
    if suffix[:1] in ("e", "E") and len(suffix) > 1:
        exponent = int(suffix[1:])
        if abs(exponent) > 64:  # no resource is that big; an exact power would take forever
            raise InvalidQuantity(text)
        return value * Fraction(10) ** exponent
    return value * _DECIMAL[suffix]


def format_quantity(value: Fraction, binary: bool = False) -> str:
    """The canonical text the server prints: `600m`, `2`, `100Mi`, `1500`."""
    if value == 0:
        return "0"
    sign, value = ("-" if value < 0 else ""), abs(value)
    if value.denominator == 1 and binary:
        for suffix in ("Ei", "Pi", "Ti", "Gi", "Mi", "Ki"):
            if value % _BINARY[suffix] == 0:
                return f"{sign}{value // _BINARY[suffix]}{suffix}"
    for suffix in ("E", "P", "T", "G", "M", "k", "", "m", "u", "n"):
        scaled = value / _DECIMAL[suffix]
        if scaled.denominator == 1:
            return f"{sign}{scaled.numerator}{suffix}"
    return f"{sign}{-(-value * 10**9 // 1)}n"  # rounded up to nanos, as the server does


def format_resource(name: str, value: Fraction) -> str:
    base = name.split(".", 1)[1] if name.startswith(("requests.", "limits.")) else name
    return format_quantity(value, binary=base in BINARY_RESOURCES)


def to_milli(value) -> int:
    """A quantity (text or number) in thousandths, rounded up: integer arithmetic for the scheduler."""
    return _to_milli(value if isinstance(value, str) else str(value))


@functools.lru_cache(maxsize=4096)
def _to_milli(text: str) -> int:
    return -((-parse_quantity(text) * 1000) // 1)
