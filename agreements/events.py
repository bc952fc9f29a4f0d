"""The agreements' events (common.events): an agreement's state changed."""

from common.events import Change, announce

AGREEMENT_STATE_CHANGED = "agreement.state_changed"


def state_change_announce(*, agreement_id: int, old: str, new: str) -> None:
    """Announce one step's change of state (old "" for a new request: announced as None)."""
    if old != new:
        announce(AGREEMENT_STATE_CHANGED, [Change(agreement_id, old or None, new)])
