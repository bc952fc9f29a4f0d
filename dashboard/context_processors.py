"""What every page shows in its frame: how fresh the summaries are, and whether any of the
portfolio is illustrative demo data.

Both values are lazy, so a response that never renders them (a redirect, the admin) costs no
query, and a page that does costs the same few queries whatever the data size.
"""

from django.db import connection
from django.utils.functional import SimpleLazyObject

from authorities.models import Authority
from initiatives.models import Dependency, Initiative
from strategies.models import FocusArea
from summaries.freshness import summaries_freshness


def any_illustrative_data() -> bool:
    """True when any initiative, authority, focus area or dependency is illustrative (one query)."""
    tables = [model._meta.db_table for model in (Initiative, Authority, FocusArea, Dependency)]
    quote = connection.ops.quote_name
    # One round trip instead of four; each EXISTS stops at the first row it finds.
    sql = "SELECT " + " OR ".join(
        f"EXISTS (SELECT 1 FROM {quote(table)} WHERE {quote('is_illustrative')} = %s)" for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [True] * len(tables))
        return bool(cursor.fetchone()[0])


def dashboard(request) -> dict:
    return {
        "summaries_freshness": SimpleLazyObject(summaries_freshness),
        "has_illustrative_data": SimpleLazyObject(any_illustrative_data),
    }
