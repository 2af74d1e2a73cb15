"""Human units on pages (CPU cores, memory GiB) <-> stored units (millicores, bytes)."""

from decimal import ROUND_HALF_UP, Decimal

from django import forms

GIB = 1024**3


def cores_to_millicores(cores: Decimal) -> int:
    return int((Decimal(cores) * 1000).to_integral_value(ROUND_HALF_UP))


def gib_to_bytes(gib: Decimal) -> int:
    return int((Decimal(gib) * GIB).to_integral_value(ROUND_HALF_UP))


def _plain(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_cores(millicores: int) -> str:
    """2500 -> "2.5" (cores, up to three decimals)."""
    return _plain(Decimal(int(millicores)) / 1000)


def format_gib(memory_bytes: int) -> str:
    """Bytes -> GiB with at most two decimals: 3 * 2**30 -> "3", 1.5 GiB -> "1.5"."""
    return _plain((Decimal(int(memory_bytes)) / GIB).quantize(Decimal("0.01"), ROUND_HALF_UP))


class CoresField(forms.DecimalField):
    """CPU cores with up to three decimals (a millicore); cleans to an int of millicores."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 3)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("step", "0.001")

    def clean(self, value):
        cores = super().clean(value)
        return None if cores is None else cores_to_millicores(cores)

    def prepare_value(self, value):
        # Initial values are millicores (ints); bound data is what the person typed.
        return format_cores(value) if isinstance(value, int) else value


class GibField(forms.DecimalField):
    """Memory in GiB with up to three decimals; cleans to an int of bytes."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_digits", 15)
        kwargs.setdefault("decimal_places", 3)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("step", "0.001")

    def clean(self, value):
        gib = super().clean(value)
        return None if gib is None else gib_to_bytes(gib)

    def prepare_value(self, value):
        return format_gib(value) if isinstance(value, int) else value
