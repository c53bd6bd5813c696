"""Email through Django's email backends (SMTP in production)."""

from __future__ import annotations

import contextlib
import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils.html import strip_tags

from campaigns.adapters.base import Adapter, Message, Outcome


def message_id(message: Message) -> str:
    """A Message-ID derived from the idempotency key: a resent touch is the same mail."""
    return f"<{message.key}@{settings.CAMPAIGNS_MESSAGE_ID_DOMAIN}>"


class EmailAdapter(Adapter):
    name = "email"

    def __init__(self, channel: str) -> None:
        super().__init__(channel)
        self.connection = None

    def open(self) -> None:
        self.connection = get_connection(
            settings.CAMPAIGNS_EMAIL_BACKEND,
            fail_silently=False,
            timeout=settings.CAMPAIGNS_EMAIL_TIMEOUT,
        )
        try:
            self.connection.open()
        except (OSError, smtplib.SMTPException):
            # Reported per message below, as a transient failure.
            self.connection = None

    def close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self.connection.close()
            self.connection = None

    def send(self, message: Message) -> Outcome:
        if self.connection is None:
            self.open()
            if self.connection is None:
                return Outcome.retry("Could not connect to the mail server.")
        mail = EmailMultiAlternatives(
            subject=message.subject,
            body=strip_tags(message.body),
            from_email=settings.CAMPAIGNS_FROM_EMAIL,
            to=[message.recipient],
            headers={"Message-ID": message_id(message), "X-Glocal-Touch": message.key},
            connection=self.connection,
        )
        mail.attach_alternative(message.body, "text/html")
        try:
            mail.send()
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _reason in exc.recipients.values()]
            if codes and all(500 <= code < 600 for code in codes):
                return Outcome.rejected(f"The mail server refused the recipient: {codes}.")
            self.close()
            return Outcome.retry(f"The mail server deferred the recipient: {codes}.")
        except smtplib.SMTPResponseException as exc:
            self.close()
            if 500 <= exc.smtp_code < 600 and exc.smtp_code != 554:
                return Outcome.rejected(f"The mail server refused the message ({exc.smtp_code}).")
            return Outcome.retry(f"The mail server answered {exc.smtp_code}.")
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            return Outcome.retry(f"Mail server unavailable: {exc.__class__.__name__}.")
        return Outcome.sent(message_id(message))
