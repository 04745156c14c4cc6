"""Mail backends for the outbox tests: an SMTP server that can refuse, and one that breaks
halfway through a batch. Both record what they accepted, by Message-ID."""

from __future__ import annotations

import smtplib

from django.core.mail.backends.base import BaseEmailBackend


class Server:
    """The shared state of the fake SMTP server (reset by the tests)."""

    up = True
    accept_then_fail_after: int | None = None  # accept this many messages, then drop
    delivered: list[tuple[str, str]] = []  # (Message-ID, to)
    refused: list[str] = []  # Message-IDs refused
    connections = 0

    @classmethod
    def reset(cls) -> None:
        cls.up = True
        cls.accept_then_fail_after = None
        cls.delivered = []
        cls.refused = []
        cls.connections = 0


class FakeSMTPBackend(BaseEmailBackend):
    def open(self):
        if not Server.up:
            raise ConnectionRefusedError(111, "Connection refused (simulated outage)")
        Server.connections += 1
        return True

    def close(self):
        return None

    def send_messages(self, email_messages):
        for message in email_messages:
            msgid = message.extra_headers["Message-ID"]
            if not Server.up:
                Server.refused.append(msgid)
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            if (
                Server.accept_then_fail_after is not None
                and len(Server.delivered) >= Server.accept_then_fail_after
            ):
                Server.up = False
                Server.refused.append(msgid)
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            message.message()  # the message must build (headers, attachments)
            Server.delivered.append((msgid, message.to[0]))
        return len(email_messages)
