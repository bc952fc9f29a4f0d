"""The "summaries owed" marker is append-only: a write transaction held open (a long import, a slow
form) holds up nobody else's edit, and a change is owed until a run that read it has finished
(issue: hardening, 11)."""

import threading

import pytest
from django.db import connection, transaction

from initiatives.models import Initiative
from initiatives.services import initiative_update
from summaries.engine.run import recompute_summaries
from summaries.freshness import summaries_freshness
from summaries.models import SummaryChange


@pytest.fixture
def two_leads(require_postgres, transactional_db, make_initiative, kobenhavn, aarhus):
    recompute_summaries()
    return make_initiative(kobenhavn, title_en="København's"), make_initiative(aarhus, title_en="Aarhus's")


class HeldTransaction:
    """A thread that edits an initiative inside a transaction and keeps it open until released."""

    def __init__(self, initiative: Initiative, title: str):
        self.initiative, self.title = initiative, title
        self.edited, self.release = threading.Event(), threading.Event()
        self.errors: list[BaseException] = []
        self.thread = threading.Thread(target=self._run)

    def _run(self):
        try:
            with transaction.atomic():
                initiative_update(initiative=Initiative.objects.get(pk=self.initiative.pk), title_en=self.title)
                self.edited.set()
                assert self.release.wait(timeout=60)
        except BaseException as exc:  # reported by the test
            self.errors.append(exc)
            self.edited.set()
        finally:
            connection.close()

    def __enter__(self):
        self.thread.start()
        assert self.edited.wait(timeout=30)
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.thread.join(timeout=60)
        assert not self.errors


def test_a_long_open_write_transaction_does_not_hold_up_another_coordinators_edit(two_leads):
    copenhagen, aarhus = two_leads
    owed_before = SummaryChange.objects.count()

    with HeldTransaction(aarhus, "Aarhus, edited in a long import"):
        # København's coordinator saves meanwhile. Under the old single marker row this waited for
        # the import to finish; a lock wait now fails the test instead of hanging it.
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '5s'")
            initiative_update(initiative=copenhagen, title_en="København, saved during the import")

        assert Initiative.objects.get(pk=copenhagen.pk).title_en == "København, saved during the import"
        assert Initiative.objects.get(pk=aarhus.pk).title_en == "Aarhus's"  # not committed yet

    assert Initiative.objects.get(pk=aarhus.pk).title_en == "Aarhus, edited in a long import"
    assert SummaryChange.objects.count() == owed_before + 2
    assert summaries_freshness().pending


def test_a_change_committed_after_a_run_read_the_owed_changes_stays_owed(two_leads):
    copenhagen, aarhus = two_leads
    recompute_summaries()
    assert not summaries_freshness().pending

    with HeldTransaction(aarhus, "Aarhus, numbered first, committed last"):
        initiative_update(initiative=copenhagen, title_en="København, committed first")
        # The run sees København's change only: Aarhus's has a lower number but has not committed.
        assert recompute_summaries().status == "done"
        assert not summaries_freshness().pending

    # Aarhus's change committed after the run read the data: it is still owed, not lost.
    assert summaries_freshness().pending
    assert recompute_summaries(only_if_stale=True).status == "done"
    assert not summaries_freshness().pending
