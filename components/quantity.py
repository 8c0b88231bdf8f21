"""Kubernetes resource quantities, parsed the way the API server parses them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import MAX_EMAX, Decimal, localcontext

# The API server's grammar: a non-negative decimal, then one optional suffix. Anything else
# ("100mb", "1GB", "-1") is rejected there, so it is rejected here first.
_QUANTITY = re.compile(
    r"^(?P<number>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
    r"(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$"
)

# "No quantity may represent a number greater than 2^63-1 in magnitude" (the API's Quantity); the
# API server caps a larger one silently, which is worse than refusing it.
_LARGEST = Decimal(2**63 - 1)

_MULTIPLIERS = {
    None: Decimal(1),
    "m": Decimal("0.001"),
    "k": Decimal(10) ** 3,
    "M": Decimal(10) ** 6,
    "G": Decimal(10) ** 9,
    "T": Decimal(10) ** 12,
    "P": Decimal(10) ** 15,
    "E": Decimal(10) ** 18,
    "Ki": Decimal(2) ** 10,
    "Mi": Decimal(2) ** 20,
    "Gi": Decimal(2) ** 30,
    "Ti": Decimal(2) ** 40,
    "Pi": Decimal(2) ** 50,
    "Ei": Decimal(2) ** 60,
}


@dataclass(frozen=True)
class Quantity:
    """A quantity as written (kept for the manifest) and its exact value (for comparisons)."""

    text: str
    value: Decimal

    def __str__(self) -> str:
        return self.text


def parse_quantity(text: str) -> Quantity | None:
    """Return the quantity `text` denotes, or None when Kubernetes would reject it."""
    match = _QUANTITY.match(text.strip())
    if match is None:
        return None

    number, suffix = Decimal(match.group("number")), match.group("suffix")
    if suffix in _MULTIPLIERS:
        value = number * _MULTIPLIERS[suffix]
    else:  # a decimal exponent such as e3 (`Ei` is a suffix, not an exponent)
        value = _scaled(number, suffix[1:])
    return Quantity(text=text.strip(), value=value) if value <= _LARGEST else None


def _scaled(number: Decimal, exponent: str) -> Decimal:
    # A config value like 1e999999999 must get goship's sentence, not a Decimal overflow (or
    # Python's limit on converting long digit strings): an exponent of 13 digits puts any
    # non-zero number a config value can hold out of range, or rounds it to nothing.
    digits = exponent.lstrip("+-").lstrip("0") or "0"
    if len(digits) > 12:
        if number == 0:
            return number
        return _LARGEST + 1 if not exponent.startswith("-") else Decimal(0)
    with localcontext(Emax=MAX_EMAX):
        return number.scaleb(int(exponent))
