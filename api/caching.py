"""The API's list reads, cached: the same page for the same scope of visibility, language and data version.

A list answers what `visible_to(user)` lets the token's user read, so the key carries that scope: "all" for
whoever reads everything, else the authorities the user coordinates (the rule `visible_to` itself asks).
The address (with its query and host: the cursor links are absolute) and the language complete it; the data
version (summaries.freshness.remember_figures) makes a write or a recompute start afresh. Authentication,
permissions and throttling run before `list()`, so every request is still checked.
"""

from rest_framework.response import Response

from authorities.models import coordinated_authority_ids
from common.roles import reads_everything
from summaries.freshness import remember_figures


def visibility_scope(user) -> str:
    """Who sees the same rows: everyone who reads everything, or the holders of the same authorities."""
    if reads_everything(user):
        return "all"
    return "authorities:" + ",".join(map(str, sorted(coordinated_authority_ids(user))))


class CachedListMixin:
    """For a read-only viewset whose rows depend only on the portfolio data and `visible_to(user)`."""

    def list(self, request, *args, **kwargs):
        parts = (type(self).__name__, request.build_absolute_uri(), visibility_scope(request.user))
        data = remember_figures("api-list", parts, lambda: super(CachedListMixin, self).list(request, *args, **kwargs).data)
        return Response(data)
