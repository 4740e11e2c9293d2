"""Tell someone when monitors fail: a JSON webhook and an e-mail, as spidermon actions.

Both run only from the suite's ``monitors_failed_actions``. A notification that cannot be
delivered is logged and reported in the result (``notifications``), never raised: the
run's exit code already says that the monitors failed.
"""

from __future__ import annotations

import json
import logging
import smtplib
import time
import urllib.request
from collections.abc import Mapping
from email.message import EmailMessage
from typing import Any

from spidermon.core.actions import Action

from newscrawl.defaults import defaults as project_defaults
from newscrawl.monitors.suite import monitor_names

logger = logging.getLogger(__name__)

_DEFAULTS = project_defaults()
RETRY_PAUSE = 1.0  # seconds before the one retry of a webhook POST


def failure_payload(data: Any, result: Any) -> dict[str, Any]:
    """What a notification says: the failing monitors, their figures, the run's context."""
    checks = data.meta.get("checks", {})
    failed = []
    for monitor_result in result.monitors_failed_results:
        check = checks.get(monitor_result.monitor.name)
        failed.append(
            {
                "name": monitor_result.monitor.name,
                "figure": getattr(check, "figure", None),
                "threshold": getattr(check, "threshold", None),
                "message": getattr(check, "message", None) or str(monitor_result.reason),
            }
        )
    order = {name: i for i, name in enumerate(monitor_names())}
    failed.sort(key=lambda entry: order.get(entry["name"], len(order)))
    context = dict(getattr(data, "context", None) or {})
    names = ", ".join(entry["name"] for entry in failed)
    return {
        "text": f"newscrawl {context.get('run_id', 'run')}: monitors failed: {names}",
        "status": "monitors_failed",
        "failed": failed,
        **context,
    }


class WebhookAction(Action):
    """POST the failure as JSON; one retry after a connection error or a 5xx answer."""

    def __init__(self, url: str, timeout: float = _DEFAULTS["NEWSCRAWL_NOTIFY_TIMEOUT"]):
        super().__init__()
        self.url = url
        self.timeout = timeout

    def run_action(self):
        body = json.dumps(failure_payload(self.data, self.result), default=str).encode()
        request = urllib.request.Request(
            self.url, data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        for attempt in (1, 2):
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    logger.info("Monitors webhook answered %s", response.status)
                    return
            except urllib.error.HTTPError as error:
                if error.code < 500 or attempt == 2:
                    return self._gave_up(f"HTTP {error.code}")
            except OSError as error:
                if attempt == 2:
                    return self._gave_up(str(error))
            time.sleep(RETRY_PAUSE)

    def _gave_up(self, why: str) -> None:
        logger.error("Monitors webhook %s not delivered: %s", self.url, why)
        raise RuntimeError(f"webhook not delivered: {why}")


class EmailAction(Action):
    """A plain-text e-mail through an SMTP server (STARTTLS and login when configured)."""

    def __init__(
        self,
        to: list[str],
        sender: str = _DEFAULTS["NEWSCRAWL_NOTIFY_EMAIL_FROM"],
        host: str = _DEFAULTS["NEWSCRAWL_NOTIFY_SMTP_HOST"],
        port: int = _DEFAULTS["NEWSCRAWL_NOTIFY_SMTP_PORT"],
        user: str | None = _DEFAULTS["NEWSCRAWL_NOTIFY_SMTP_USER"],
        password: str | None = _DEFAULTS["NEWSCRAWL_NOTIFY_SMTP_PASSWORD"],
        starttls: bool = _DEFAULTS["NEWSCRAWL_NOTIFY_SMTP_STARTTLS"],
        timeout: float = _DEFAULTS["NEWSCRAWL_NOTIFY_TIMEOUT"],
    ):
        super().__init__()
        self.to, self.sender = list(to), sender
        self.host, self.port, self.user, self.password = host, port, user, password
        self.starttls, self.timeout = starttls, timeout

    def run_action(self):
        payload = failure_payload(self.data, self.result)
        message = EmailMessage()
        message["Subject"] = payload["text"]
        message["From"] = self.sender
        message["To"] = ", ".join(self.to)
        lines = [f"- {entry['name']}: {entry['message']}" for entry in payload["failed"]]
        extra = [f"{k}: {v}" for k, v in payload.items() if k not in ("text", "failed")]
        message.set_content("\n".join([payload["text"], "", *lines, "", *extra]) + "\n")
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.user:
                    smtp.login(self.user, self.password or "")
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            logger.error("Monitors e-mail to %s not sent: %s", message["To"], error)
            raise RuntimeError(f"e-mail not sent: {error}") from error


def notification_actions(settings: Mapping[str, Any] | Any) -> list[Action]:
    """The actions the settings configure (none without a webhook URL or an address)."""

    def get(name: str) -> Any:
        return settings.get(name) if name in settings else _DEFAULTS[name]

    timeout = float(get("NEWSCRAWL_NOTIFY_TIMEOUT"))
    actions: list[Action] = []
    if get("NEWSCRAWL_NOTIFY_WEBHOOK"):
        actions.append(WebhookAction(str(get("NEWSCRAWL_NOTIFY_WEBHOOK")), timeout=timeout))
    to = get("NEWSCRAWL_NOTIFY_EMAIL_TO")
    if isinstance(to, str):
        to = [part.strip() for part in to.split(",") if part.strip()]
    if to:
        starttls = get("NEWSCRAWL_NOTIFY_SMTP_STARTTLS")
        if isinstance(starttls, str):
            starttls = starttls.strip().lower() in ("1", "true", "yes", "on")
        actions.append(
            EmailAction(
                to,
                sender=get("NEWSCRAWL_NOTIFY_EMAIL_FROM"),
                host=get("NEWSCRAWL_NOTIFY_SMTP_HOST"),
                port=int(get("NEWSCRAWL_NOTIFY_SMTP_PORT")),
                user=get("NEWSCRAWL_NOTIFY_SMTP_USER"),
                password=get("NEWSCRAWL_NOTIFY_SMTP_PASSWORD"),
                starttls=bool(starttls),
                timeout=timeout,
            )
        )
    return actions
