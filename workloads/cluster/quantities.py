"""Kubernetes resource quantities ("500m", "2", "512Mi", "1G", "1e9") as integers.

Pure. `cpu_millicores("500m") == 500`, `memory_bytes("2Gi") == 2 * 2**30`; fractions round
up, as the scheduler does when it accounts for requests.
"""

import math
import re
from decimal import Decimal, InvalidOperation

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "": Decimal(1),
    "k": Decimal("1e3"),
    "M": Decimal("1e6"),
    "G": Decimal("1e9"),
    "T": Decimal("1e12"),
    "P": Decimal("1e15"),
    "E": Decimal("1e18"),
}
_QUANTITY = re.compile(
    r"^(?P<number>[+-]?(\d+\.?\d*|\.\d+))"
    r"(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|[numkMGTPE]?)$"
)


def parse_quantity(value) -> Decimal:
    """The exact value of a quantity string (or number) as a Decimal; ValueError if malformed."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return Decimal(str(value))
    text = str(value).strip()
    match = _QUANTITY.match(text)
    if not match:
        raise ValueError(f"not a Kubernetes quantity: {value!r}")
    try:
        number = Decimal(match["number"])
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only numbers
        raise ValueError(f"not a Kubernetes quantity: {value!r}") from exc
    suffix = match["suffix"]
    if suffix in _BINARY:
        return number * _BINARY[suffix]
    if len(suffix) > 1 and suffix[0] in "eE":
        return number.scaleb(int(suffix[1:]))
    return number * _DECIMAL[suffix]


def _ceil(value: Decimal) -> int:
    return int(math.ceil(value))


def cpu_millicores(value) -> int:
    """CPU quantity -> millicores: "500m" -> 500, "2" -> 2000, "0.1" -> 100."""
    return _ceil(parse_quantity(value) * 1000)


def memory_bytes(value) -> int:
    """Memory quantity -> bytes: "512Mi" -> 536870912, "1G" -> 10**9, "1e9" -> 10**9."""
    return _ceil(parse_quantity(value))


def count(value) -> int:
    """Countable resources (GPUs): "1" -> 1."""
    return _ceil(parse_quantity(value))


def format_cpu(millicores: int) -> str:
    """Millicores -> the canonical quantity: 2000 -> "2", 500 -> "500m"."""
    return str(millicores // 1000) if millicores % 1000 == 0 else f"{millicores}m"


def format_memory(nbytes: int) -> str:
    """Bytes -> the largest exact binary unit: 2**31 -> "2Gi", 1000 -> "1000"."""
    for suffix, factor in sorted(_BINARY.items(), key=lambda item: -item[1]):
        if nbytes and nbytes % factor == 0:
            return f"{nbytes // factor}{suffix}"
    return str(nbytes)
