"""The summaries' events (common.events): the engine changed an initiative's at-risk flag."""

AT_RISK_CHANGED = "initiative.at_risk_changed"
