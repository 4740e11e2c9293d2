"""Notifications reach a real webhook receiver and a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import email
import email.policy

import pytest
from aiosmtpd.controller import Controller

from newscrawl.monitors import RecordsTally, notification_actions, run_monitors
from newscrawl.monitors import notify as notify_module
from tests.monitors.support import normal_stats
from tests.monitors.webhook import Receiver
from tests.site.server import free_port

FAILING = {**normal_stats(), "finish_reason": "memusage_exceeded", "spider_exceptions/count": 2}


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def quick_retry(monkeypatch):
    monkeypatch.setattr(notify_module, "RETRY_PAUSE", 0.05)


def _run(stats, settings):
    return run_monitors(
        stats,
        RecordsTally(),
        failed_actions=notification_actions(settings),
        context={"run_id": "2024-10-21T16-00-00Z", "report": "/feeds/run/report.html"},
    )


def test_failing_monitors_post_one_json_notification(receiver):
    result = _run(FAILING, {"NEWSCRAWL_NOTIFY_WEBHOOK": receiver.url})
    assert not result.passed
    [body] = receiver.bodies
    assert body["status"] == "monitors_failed"
    assert [f["name"] for f in body["failed"]] == ["run/spider_errors", "run/finish_reason"]
    assert body["failed"][1]["figure"] == "memusage_exceeded"
    assert body["run_id"] == "2024-10-21T16-00-00Z"
    assert "run/finish_reason" in body["text"]  # what Slack shows
    assert result.notifications == [{"action": "WebhookAction", "status": "OK", "detail": None}]


def test_passing_monitors_send_nothing(receiver):
    result = _run(normal_stats(), {"NEWSCRAWL_NOTIFY_WEBHOOK": receiver.url})
    assert result.passed
    assert receiver.bodies == []


def test_a_5xx_is_retried_once():
    server = Receiver(statuses=(503, 200))
    try:
        result = _run(FAILING, {"NEWSCRAWL_NOTIFY_WEBHOOK": server.url})
        assert len(server.bodies) == 2
        assert result.notifications[0]["status"] == "OK"
    finally:
        server.close()


def test_an_unreachable_webhook_is_logged_not_raised(caplog):
    url = f"http://127.0.0.1:{free_port()}/hook"  # nothing listens there
    result = _run(FAILING, {"NEWSCRAWL_NOTIFY_WEBHOOK": url, "NEWSCRAWL_NOTIFY_TIMEOUT": 2})
    assert result.exit_code == 3
    [notification] = result.notifications
    assert notification["status"] == "ERROR"
    assert "webhook not delivered" in notification["detail"]
    assert "Monitors webhook" in caplog.text


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def test_failing_monitors_send_an_email():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        settings = {
            "NEWSCRAWL_NOTIFY_EMAIL_TO": "ops@example.org, quant@example.org",
            "NEWSCRAWL_NOTIFY_EMAIL_FROM": "crawler@example.org",
            "NEWSCRAWL_NOTIFY_SMTP_HOST": "127.0.0.1",
            "NEWSCRAWL_NOTIFY_SMTP_PORT": str(controller.port),
        }
        result = _run(FAILING, settings)
        assert _run(normal_stats(), settings).passed  # and that one sends nothing
    finally:
        controller.stop()
    [envelope] = inbox.messages
    assert envelope.rcpt_tos == ["ops@example.org", "quant@example.org"]
    assert envelope.mail_from == "crawler@example.org"
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert message["Subject"] == (
        "newscrawl 2024-10-21T16-00-00Z: monitors failed: run/spider_errors, run/finish_reason"
    )
    text = message.get_content()
    assert "finished with 'memusage_exceeded'" in text
    assert result.notifications[0]["status"] == "OK"


def test_no_settings_no_actions():
    assert notification_actions({}) == []
