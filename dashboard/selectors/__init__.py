"""Reads for the dashboard pages, one module per page: each function fetches everything a page
section shows in a fixed number of queries, whatever the size of the portfolio, mostly from the
summary tables. scales.py holds what the pages share: the order of the levels, the heat classes.

The views read them as `selectors.<page>.<function>`.
"""

from . import authority, impact, interdependencies, map, network, overview

__all__ = ["authority", "impact", "interdependencies", "map", "network", "overview"]
