"""The daily cost model, checked on figures computed by hand."""

from __future__ import annotations

from decimal import Decimal

from components.cost import DailyCost, Footprint, PriceTable, daily_cost
from support import settings_for

MIB = 2**20
GIB = 2**30
SEALOS = PriceTable(
    currency="CNY",
    cpu_core_hour=Decimal("0.067"),
    memory_gib_hour=Decimal("0.033"),
    storage_gib_hour=Decimal("0.0021"),
)


def test_one_core_one_gib_one_gib_for_a_day():
    # 24 h x (0.067 + 0.033 + 0.0021) = 1.608 + 0.792 + 0.0504 = 2.4504
    cost = daily_cost(Footprint(Decimal(1), Decimal(GIB), Decimal(GIB)), SEALOS)

    assert cost == DailyCost(
        "CNY", Decimal("1.608"), Decimal("0.792"), Decimal("0.0504"), Decimal("2.4504")
    )


def test_small_app_is_priced_per_millicore_and_mebibyte():
    # cpu 0.02 x 1.608 = 0.03216; memory 32/1024 x 0.792 = 0.02475; storage 0.0504
    cost = daily_cost(Footprint(Decimal("0.02"), Decimal(32 * MIB), Decimal(GIB)), SEALOS)

    assert (cost.cpu, cost.memory, cost.storage) == (
        Decimal("0.0322"),
        Decimal("0.0248"),
        Decimal("0.0504"),
    )


def test_half_a_ten_thousandth_rounds_up():
    # 1 core x 0.00001875/h x 24 h = 0.00045 exactly: half up gives 0.0005 (half even, 0.0004).
    prices = PriceTable("CNY", Decimal("0.00001875"), Decimal(0), Decimal(0))

    cost = daily_cost(Footprint(Decimal(1), Decimal(0), Decimal(0)), prices)

    assert cost.cpu == Decimal("0.0005")


def test_total_is_rounded_from_the_exact_sum_not_from_rounded_parts():
    # Each part is 0.000002 x 24 = 0.000048 -> 0.0000; together 0.000144 -> 0.0001.
    price = Decimal("0.000002")
    prices = PriceTable("CNY", price, price, price)

    cost = daily_cost(Footprint(Decimal(1), Decimal(GIB), Decimal(GIB)), prices)

    assert (cost.cpu, cost.memory, cost.storage, cost.total) == (
        Decimal("0.0000"),
        Decimal("0.0000"),
        Decimal("0.0000"),
        Decimal("0.0001"),
    )


def test_nothing_billed_costs_nothing():
    cost = daily_cost(Footprint(Decimal(0), Decimal(0), Decimal(0)), SEALOS)

    assert cost.total == Decimal("0.0000")


def test_output_and_summary_show_the_rounded_figures():
    cost = daily_cost(Footprint(Decimal("0.1"), Decimal(64 * MIB), Decimal(GIB)), SEALOS)

    # cpu 0.1608; memory 0.0495; storage 0.0504; total 0.2607
    assert cost.as_output() == {
        "currency": "CNY",
        "cpu": "0.1608",
        "memory": "0.0495",
        "storage": "0.0504",
        "total": "0.2607",
    }
    assert cost.summary() == ("daily cost: 0.2607 CNY (cpu 0.1608, memory 0.0495, storage 0.0504)")


def test_dev_stack_costs_at_most_eight_fen_a_day_under_the_default_table():
    # cpu 0.02 x 1.608 = 0.03216; memory 32/1024 x 0.792 = 0.02475;
    # storage (256 + 128)/1024 x 0.0504 = 0.0189; total 0.07581.
    settings = settings_for("dev")

    cost = daily_cost(settings.footprint(), settings.prices)

    assert cost.total == Decimal("0.0758")


def test_largest_quantities_at_the_highest_price_are_priced_exactly():
    # 2^63-1 cores at 999999.999999999 an hour: 24 x the product, worked out in whole numbers.
    largest, price = 2**63 - 1, Decimal("999999.999999999")
    prices = PriceTable("CNY", price, Decimal(0), Decimal(0))
    exact_in_billionths = largest * 999999999999999 * 24

    cost = daily_cost(Footprint(Decimal(largest), Decimal(0), Decimal(0)), prices)

    # Billionths to ten-thousandths, half up; the dropped digits here are 80632, so it rounds up.
    half_up = (exact_in_billionths + 5 * 10**4) // 10**5
    assert str(cost.cpu) == f"{half_up // 10**4}.{half_up % 10**4:04d}"
    assert cost.total == cost.cpu
