"""Alerts are logged, appended as JSON lines and POSTed to the webhook; a dead webhook never raises."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

from microconv.alerts import record_alert
from microconv.settings import get_settings


def _settings(tmp_path: Path, webhook: str | None, monkeypatch):
    monkeypatch.setenv("MICROCONV_ALERTS_PATH", str(tmp_path / "alerts.jsonl"))
    if webhook:
        monkeypatch.setenv("MICROCONV_ALERT_WEBHOOK_URL", webhook)
    else:
        monkeypatch.delenv("MICROCONV_ALERT_WEBHOOK_URL", raising=False)
    return get_settings()


def test_alert_is_appended_as_a_json_line(tmp_path: Path, monkeypatch) -> None:
    settings = _settings(tmp_path, None, monkeypatch)
    record_alert("run_failure", "first", {"run_id": "r1"}, settings)
    record_alert("micro_conversion_anomaly", "second", {"date": "2026-01-02"}, settings)
    lines = [json.loads(line) for line in settings.alerts_path.read_text().splitlines()]
    assert [line["kind"] for line in lines] == ["run_failure", "micro_conversion_anomaly"]
    assert lines[0]["details"] == {"run_id": "r1"} and lines[1]["message"] == "second"
    assert all(line["at"].endswith("+00:00") for line in lines)


def test_alert_is_posted_to_the_webhook(tmp_path: Path, monkeypatch) -> None:
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    settings = _settings(tmp_path, f"http://127.0.0.1:{server.server_port}/hook", monkeypatch)
    record_alert("run_failure", "boom", {"run_id": "r2"}, settings)
    thread.join(timeout=5)
    server.server_close()
    assert received and received[0]["kind"] == "run_failure" and received[0]["details"]["run_id"] == "r2"


def test_a_dead_webhook_is_logged_not_raised(tmp_path: Path, monkeypatch, caplog) -> None:
    settings = _settings(tmp_path, "http://127.0.0.1:9/unreachable", monkeypatch)
    alert = record_alert("run_failure", "still recorded", None, settings)
    assert alert["message"] == "still recorded"
    assert settings.alerts_path.exists()
    assert "webhook" in caplog.text.lower()
