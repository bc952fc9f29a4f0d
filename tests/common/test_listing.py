"""Sortable, paginated list helpers: a whitelisted order, header links and states, page links,
and empty parameters dropped."""

from django.http import QueryDict

from common.listing import Column, Ordering, page_links, without_empty_values

COLUMNS = [Column("code", "Code"), Column("title", "Title", ("title_da",)), Column("note", "Note", sortable=False)]


def test_a_known_column_is_used_ascending_or_descending():
    assert (Ordering(COLUMNS, "title", default="code").key, Ordering(COLUMNS, "title", default="code").descending) == (
        "title", False)
    assert Ordering(COLUMNS, "-title", default="code").param == "-title"


def test_an_unknown_or_unsortable_column_falls_back_to_the_default():
    for requested in ["password", "note", "-", "", None, "code,title"]:
        assert Ordering(COLUMNS, requested, default="-code").param == "-code"


def test_headers_link_to_the_reverse_of_the_sorted_column_and_drop_the_page():
    query = QueryDict("q=x&sort=code&page=3")
    headers = Ordering(COLUMNS, "code", default="code").headers(query)

    assert [h.aria_sort for h in headers] == ["ascending", None, None]
    assert headers[0].url == "?q=x&sort=-code"
    assert headers[1].url == "?q=x&sort=title"
    assert headers[2].url is None


def test_page_links_show_the_ends_and_the_neighbourhood_with_gaps():
    class FakePaginator:
        num_pages = 20

    class FakePage:
        number = 10
        paginator = FakePaginator()

    links = page_links(FakePage(), QueryDict("sort=code"))

    assert [link.get("number", "…") for link in links] == [1, "…", 8, 9, 10, 11, 12, "…", 20]
    assert [link["url"] for link in links if link.get("current")] == ["?sort=code&page=10"]


def test_empty_parameters_are_dropped_and_repeated_ones_kept():
    cleaned = without_empty_values(QueryDict("q=&level=central&level=&level=municipal&lead_id=%20"))

    assert cleaned.lists() and dict(cleaned.lists()) == {"level": ["central", "municipal"]}
