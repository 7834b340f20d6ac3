"""ABC and XYZ classes as plain functions of the numbers: no database here.

ABC ranks clients by their total (revenue, margin or number of sales) over a period: a client is A while the
clients ranked above it make less than the first bound's share of the whole (80% by default), B while they
make less than the second (95%), C after that; so the client that crosses 80% is still A. XYZ says how steady
a client's purchases are: the coefficient of variation (population standard deviation over mean) of its
monthly totals, months without a sale counted as zero: X up to the first bound (10%), Y up to the second
(25%), Z above. A client with no sale in the period has no class.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal

from callcenter.models.enums import AbcClass, XyzClass

Number = Decimal | int | float


def abc(totals: Mapping[int, Number], bounds: tuple[float, float] = (0.80, 0.95)) -> dict[int, AbcClass]:
    """Each client with a positive total, by its rank (ties by id, so a run repeats)."""
    ranked = sorted(((float(v), cid) for cid, v in totals.items() if float(v) > 0), key=lambda p: (-p[0], p[1]))
    whole = sum(v for v, _ in ranked)
    classes: dict[int, AbcClass] = {}
    above = 0.0
    for value, cid in ranked:
        share = above / whole
        classes[cid] = AbcClass.A if share < bounds[0] else AbcClass.B if share < bounds[1] else AbcClass.C
        above += value
    return classes


def variation(values: Sequence[Number]) -> float | None:
    """Coefficient of variation of ``values`` (population); None when their mean is not positive."""
    if not values:
        return None
    numbers = [float(v) for v in values]
    mean = sum(numbers) / len(numbers)
    if mean <= 0:
        return None
    return math.sqrt(sum((v - mean) ** 2 for v in numbers) / len(numbers)) / mean


def xyz(monthly: Mapping[int, Sequence[Number]], bounds: tuple[float, float] = (0.10, 0.25)) -> dict[int, XyzClass]:
    """Each client with sales, by the variation of its monthly totals (every month of the period listed)."""
    classes: dict[int, XyzClass] = {}
    for cid, values in monthly.items():
        cv = variation(values)
        if cv is not None:
            classes[cid] = XyzClass.X if cv <= bounds[0] + 1e-9 else XyzClass.Y if cv <= bounds[1] + 1e-9 else XyzClass.Z
    return classes


def quadrant(abc_class: str | None, xyz_class: str | None) -> str | None:
    """The matrix's reading: AX cash cows, AZ stars, CZ dogs, the rest questions; None without both classes."""
    if not abc_class or not xyz_class:
        return None
    return {"AX": "cash_cow", "AZ": "star", "CZ": "dog"}.get(abc_class + xyz_class, "question")
