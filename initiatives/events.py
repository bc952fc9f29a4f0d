"""The initiatives' events (common.events): an initiative's overall health light changed."""

from common.events import Change, announce

HEALTH_CHANGED = "initiative.health_changed"


def health_changes_announce(changes: list[Change]) -> None:
    """Announce changed overall lights (initiative id, old light, new light)."""
    announce(HEALTH_CHANGED, [change for change in changes if change.old != change.new])
