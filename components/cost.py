"""What a stack costs per day on a host that bills CPU and memory limits and claimed storage.

Pure functions over plain values: no Pulumi, so the model is checked on hand-computed figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

HOURS_PER_DAY = Decimal(24)
GIB = Decimal(2) ** 30
# A yuan has 100 fen; four decimals keep a tenth of a fen, enough to compare stacks that
# differ by one small claim, without pretending the host bills to the millionth.
PLACES = Decimal("0.0001")
# Enough digits that every product is exact, up to the largest quantity Kubernetes holds (2^63-1)
# times the largest price settings accept (6 digits and 9 decimals); the default 28 are not.
PRECISION = 100


@dataclass(frozen=True)
class PriceTable:
    """Pay-as-you-go unit prices of the host, per hour."""

    currency: str
    cpu_core_hour: Decimal
    memory_gib_hour: Decimal
    storage_gib_hour: Decimal


@dataclass(frozen=True)
class Footprint:
    """What the host bills for: CPU and memory limits of running pods, and claimed storage."""

    cpu_cores: Decimal
    memory_bytes: Decimal
    storage_bytes: Decimal


@dataclass(frozen=True)
class DailyCost:
    """The cost of one day, per billed resource and in total, rounded to PLACES."""

    currency: str
    cpu: Decimal
    memory: Decimal
    storage: Decimal
    total: Decimal

    def as_output(self) -> dict[str, str]:
        """The figures as strings, so a stack output shows them exactly as rounded."""
        return {
            "currency": self.currency,
            "cpu": str(self.cpu),
            "memory": str(self.memory),
            "storage": str(self.storage),
            "total": str(self.total),
        }

    def summary(self) -> str:
        """One line for the preview log."""
        return (
            f"daily cost: {self.total} {self.currency} (cpu {self.cpu}, memory {self.memory}, "
            f"storage {self.storage})"
        )


def _round(value: Decimal) -> Decimal:
    return value.quantize(PLACES, rounding=ROUND_HALF_UP)


def daily_cost(footprint: Footprint, prices: PriceTable) -> DailyCost:
    """Price one day of `footprint`.

    The total is rounded from the exact sum, not summed from the rounded parts, so it can
    differ from the parts' sum by a unit in the last place.
    """
    with localcontext(prec=PRECISION):
        cpu = footprint.cpu_cores * prices.cpu_core_hour * HOURS_PER_DAY
        memory = footprint.memory_bytes / GIB * prices.memory_gib_hour * HOURS_PER_DAY
        storage = footprint.storage_bytes / GIB * prices.storage_gib_hour * HOURS_PER_DAY
        return DailyCost(
            currency=prices.currency,
            cpu=_round(cpu),
            memory=_round(memory),
            storage=_round(storage),
            total=_round(cpu + memory + storage),
        )
