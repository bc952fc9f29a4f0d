"""What the dashboard's pages share: the order levels are shown in and the heat classes of a cell."""

from authorities.models import Level

# The order levels are shown in, everywhere: government first, partners last.
LEVEL_ORDER = [Level.CENTRAL, Level.REGIONAL, Level.MUNICIPAL, Level.PARTNER]
HEAT_CLASSES = 6  # heat-0 (none) .. heat-5 (most)


def heat_class(value: int, maximum: int) -> str:
    """A CSS class for a heat-map cell: heat-0 for nothing, heat-1..5 in proportion to the maximum."""
    if not value or not maximum:
        return "heat-0"
    step = min(HEAT_CLASSES - 1, 1 + int((HEAT_CLASSES - 2) * value / maximum + 0.0001))
    return f"heat-{step}"
