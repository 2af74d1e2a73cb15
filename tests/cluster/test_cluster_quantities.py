"""Kubernetes quantities parse to exact integers (cpu in millicores, memory in bytes)."""

from decimal import Decimal

import pytest

from workloads.cluster.quantities import (
    QUANTITY_MAX,
    count,
    cpu_millicores,
    format_cpu,
    format_memory,
    memory_bytes,
    parse_quantity,
)


@pytest.mark.parametrize(
    ("quantity", "millicores"),
    [
        ("500m", 500),
        ("2", 2000),
        ("0.5", 500),
        ("1.5", 1500),
        (".1", 100),
        ("100u", 1),  # fractions of a millicore round up, as the scheduler counts them
        ("250000n", 1),
        ("1k", 1_000_000),
        ("0", 0),
        (2, 2000),
        (0.25, 250),
        ("+1", 1000),
    ],
)
def test_cpu_millicores(quantity, millicores):
    assert cpu_millicores(quantity) == millicores


@pytest.mark.parametrize(
    ("quantity", "nbytes"),
    [
        ("512Mi", 512 * 2**20),
        ("2Gi", 2 * 2**30),
        ("1Ki", 1024),
        ("1Ti", 2**40),
        ("1G", 10**9),
        ("1M", 10**6),
        ("1k", 1000),
        ("1e9", 10**9),
        ("1E9", 10**9),
        ("2.5e3", 2500),
        ("1.5Gi", 3 * 2**29),
        ("128974848", 128974848),
        ("129e6", 129_000_000),
        ("123Mi", 123 * 2**20),
        ("1E", 10**18),
        ("1Ei", 2**60),
        ("1500m", 2),  # 1.5 bytes rounds up
    ],
)
def test_memory_bytes(quantity, nbytes):
    assert memory_bytes(quantity) == nbytes


def test_gpu_count():
    assert count("1") == 1
    assert count("8") == 8
    assert count(4) == 4


def test_exact_decimal_value():
    assert parse_quantity("100m") == Decimal("0.1")
    assert parse_quantity("1e-3") == Decimal("0.001")


@pytest.mark.parametrize("bad", ["", "abc", "1Gb", "1 Gi", "Gi", "--1", "1.2.3", "1ki", "1e", None])
def test_malformed_quantities_are_refused(bad):
    with pytest.raises(ValueError, match="quantity"):
        parse_quantity(bad)


def test_formatting_round_trips():
    assert format_cpu(2000) == "2"
    assert format_cpu(500) == "500m"
    assert format_memory(2 * 2**30) == "2Gi"
    assert format_memory(1000) == "1000"
    assert format_memory(0) == "0"
    for millicores in (1, 250, 1000, 1500, 64000):
        assert cpu_millicores(format_cpu(millicores)) == millicores
    for nbytes in (1, 1024, 10**9, 3 * 2**29, 2**40):
        assert memory_bytes(format_memory(nbytes)) == nbytes


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [
        ("1e999999999", QUANTITY_MAX),  # once a decimal.InvalidOperation out of the refresh
        ("1E999999999999999999999999", QUANTITY_MAX),
        ("9" * 60, QUANTITY_MAX),
        ("1e-999999999", 1),  # a positive fraction still rounds up
        ("-1", 0),
        ("-1e999999999", 0),
        (1e308, QUANTITY_MAX),
    ],
)
def test_quantities_from_a_cluster_are_bounded(quantity, expected):
    assert memory_bytes(quantity) == expected
    assert cpu_millicores(quantity) == expected


@pytest.mark.parametrize(
    "bad", ["1" * 100, float("inf"), float("nan"), "Infinity", "NaN", ["1"], {"a": 1}, True], ids=repr
)
def test_strange_values_are_malformed_quantities_not_other_errors(bad):
    with pytest.raises(ValueError, match="quantity"):
        memory_bytes(bad)
