"""The reporting cycles' events (common.events): a cycle was frozen."""

CYCLE_FROZEN = "cycle.frozen"
