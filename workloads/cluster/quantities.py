"""Kubernetes resource quantities ("500m", "2", "512Mi", "1G", "1e9") as integers.

Pure. `cpu_millicores("500m") == 500`, `memory_bytes("2Gi") == 2 * 2**30`; fractions round
up, as the scheduler does when it accounts for requests.

Quantities come from clusters (untrusted input): a malformed one raises ValueError and nothing
else (no `decimal` signal, no overflow); the integers are bounded to [0, QUANTITY_MAX]: a
negative quantity counts as 0, a larger one (`1e999999999`, `9E` times many) as QUANTITY_MAX.
"""

import math
import re
from decimal import Decimal, InvalidOperation, localcontext

QUANTITY_MAX = 2**63 - 1  # the largest integer a quantity counts as (a signed 64-bit column)
_TEXT_MAX = 64  # longer strings are no quantity a real server writes
_EXPONENT_MAX = 40  # 10**40 is beyond QUANTITY_MAX in any unit; 10**-40 below any unit

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
        text = str(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise ValueError(f"not a Kubernetes quantity: {value!r}")
    match = _QUANTITY.match(text) if len(text) <= _TEXT_MAX else None
    if not match:
        raise ValueError(f"not a Kubernetes quantity: {str(value)[:_TEXT_MAX]!r}")
    number = Decimal(match["number"])
    suffix = match["suffix"]
    if suffix in _BINARY:
        return number * _BINARY[suffix]
    if len(suffix) > 1 and suffix[0] in "eE":
        exponent = max(-_EXPONENT_MAX, min(_EXPONENT_MAX, int(suffix[1:])))
        return number.scaleb(exponent)
    return number * _DECIMAL[suffix]


def _ceil(value: Decimal) -> int:
    """Rounded up and bounded to [0, QUANTITY_MAX]."""
    with localcontext() as context:
        context.traps[InvalidOperation] = False  # NaN / Infinity are answered below, not raised
        if value.is_nan():
            raise ValueError("not a Kubernetes quantity: NaN")
        if value <= 0:
            return 0
        if value >= QUANTITY_MAX:
            return QUANTITY_MAX
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
