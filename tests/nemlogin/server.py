"""The test IdP over HTTP, for the browser test: a page to choose who logs in (and which bad answer
to send), then a page that posts the answer to the product's assertion consumer service, as
NemLog-in's pages do. Runs in a thread on localhost, beside pytest-django's live server."""

from __future__ import annotations

import html
import threading
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, make_server

from tests.nemlogin.idp import UNKNOWN_CVR, IdP, Person

# What the IdP can answer: a label on its page, the person, and how the answer is spoiled.
CHOICES = {
    "coordinator": ("Mette Hansen, Københavns Kommune (coordinator)", Person(), {}),
    "unknown-cvr": ("An organisation the portfolio does not know", Person(cvr=UNKNOWN_CVR, organisation="Eksempel A/S"), {}),
    "low-loa": ("Assurance level Low", Person(loa="Low"), {}),
    "expired": ("An expired answer", Person(), {"expired": True}),
    "unsigned": ("An unsigned answer", Person(), {"signed": False}),
    "other-key": ("An answer signed by another key", Person(), {"other_key": True}),
    "replayed": ("The previous answer again", None, {}),
}


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class IdPServer:
    def __init__(self, directory, host: str = "localhost"):
        self._httpd = make_server(host, 0, self._app, handler_class=_QuietHandler)
        self.url = f"http://{host}:{self._httpd.server_port}"
        self.idp = IdP(directory, sso_url=f"{self.url}/sso")
        self.last_answer: tuple[str, str, str] | None = None  # (acs, SAMLResponse, RelayState)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def start(self) -> IdPServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _page(self, start_response, title: str, body: str, status: str = "200 OK"):
        start_response(status, [("Content-Type", "text/html; charset=utf-8")])
        page = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>'
                f"<body><main><h1>{title}</h1>{body}</main></body></html>")
        return [page.encode()]

    def _app(self, environ, start_response):
        path = environ["PATH_INFO"]
        if path == "/sso":
            query = environ["QUERY_STRING"]
            buttons = "".join(
                f'<button type="submit" name="choice" value="{key}">{html.escape(label)}</button> '
                for key, (label, _person, _spoil) in CHOICES.items()
            )
            return self._page(start_response, "Test IdP: log in as", (
                f'<form method="post" action="/answer"><input type="hidden" name="query" value="{html.escape(query)}">'
                f"{buttons}</form>"
            ))
        if path == "/answer":
            size = int(environ.get("CONTENT_LENGTH") or 0)
            form = parse_qs(environ["wsgi.input"].read(size).decode())
            choice = form["choice"][0]
            request, relay_state = self.idp.read_request("/sso?" + form["query"][0])
            _label, person, spoil = CHOICES[choice]
            if person is None:
                acs, saml_response, relay_state = self.last_answer
            else:
                acs = request.assertion_consumer_service_url
                saml_response = self.idp.answer(request, person, **spoil)
                self.last_answer = (acs, saml_response, relay_state)
            return self._page(start_response, "Test IdP: continue", (
                f'<form method="post" action="{html.escape(acs)}">'
                f'<input type="hidden" name="SAMLResponse" value="{saml_response}">'
                f'<input type="hidden" name="RelayState" value="{html.escape(relay_state)}">'
                '<button type="submit">Continue to the service</button></form>'
            ))
        if path == "/slo":
            location = self.idp.answer_logout(f"/slo?{environ['QUERY_STRING']}")
            start_response("302 Found", [("Location", location)])
            return [b""]
        return self._page(start_response, "Not found", "", status="404 Not Found")
