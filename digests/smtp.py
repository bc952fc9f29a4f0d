"""An SMTP backend that knows how far a message got when sending failed.

smtplib.SMTP.data() sends the whole message, then waits for the server's reply. A connection that
drops (or a reply slower than EMAIL_TIMEOUT) before the message was sent whole means the server
has nothing: sending again is safe. The same failure after it was sent whole means the server may
have the message and accepted it: sending again may deliver it twice. Both raise the same
SMTPServerDisconnected, so the connection records the phase as the conversation goes.
"""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core import mail
from django.core.mail.backends.smtp import EmailBackend

from .models import SendPhase

DJANGO_SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
PHASE_RECORDING_BACKEND = "digests.smtp.PhaseRecordingEmailBackend"


class PhaseRecording:
    """Mixed into smtplib.SMTP: `phase` is how far the current message got (a SendPhase)."""

    phase = SendPhase.CONNECT

    def mail(self, *args, **kwargs):
        self.phase = SendPhase.ENVELOPE
        return super().mail(*args, **kwargs)

    def data(self, msg):
        # DATA goes out as a command first; the body follows once the server answers 354.
        self._data_command_sent = True
        try:
            return super().data(msg)
        finally:
            self._data_command_sent = False

    def getreply(self):
        code, message = super().getreply()  # raises, phase unchanged, when no reply comes
        if getattr(self, "_data_command_sent", False) and self.phase == SendPhase.ENVELOPE and code == 354:
            self.phase = SendPhase.BODY
        elif self.phase == SendPhase.REPLY:
            self.phase = SendPhase.DONE
        return code, message

    def send(self, s):
        super().send(s)  # raises when not all of it was written: the end-of-data mark was not sent
        if self.phase == SendPhase.BODY:
            self.phase = SendPhase.REPLY


class PhaseRecordingSMTP(PhaseRecording, smtplib.SMTP):
    pass


class PhaseRecordingSMTPSSL(PhaseRecording, smtplib.SMTP_SSL):
    pass


class PhaseRecordingEmailBackend(EmailBackend):
    """Django's SMTP backend, whose `message_phase` tells how far the last message got."""

    @property
    def connection_class(self):
        return PhaseRecordingSMTPSSL if self.use_ssl else PhaseRecordingSMTP

    def _send(self, email_message):
        if self.connection is not None:
            self.connection.phase = SendPhase.CONNECT  # a new message: nothing of it sent yet
        return super()._send(email_message)

    @property
    def message_phase(self) -> SendPhase:
        # No connection: opening it failed, so nothing was sent.
        return getattr(self.connection, "phase", SendPhase.CONNECT)


def digest_connection():
    """A connection to send digests over: the configured backend, with Django's SMTP backend
    swapped for the one that records how far each message got."""
    backend = settings.EMAIL_BACKEND
    if backend == DJANGO_SMTP_BACKEND:
        backend = PHASE_RECORDING_BACKEND
    return mail.get_connection(backend, fail_silently=False)
