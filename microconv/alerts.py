"""Alerts: one way to record them, whatever raised them (a failed run, an anomaly).

Each alert is logged, appended as one JSON line to MICROCONV_ALERTS_PATH, and, when
MICROCONV_ALERT_WEBHOOK_URL is set, POSTed there as JSON. A failing webhook is logged, never raised:
alerting must not break the run it reports on.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from datetime import UTC, datetime
from typing import Any

from .settings import Settings, get_settings

log = logging.getLogger(__name__)


def build_alert(kind: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "kind": kind,
        "message": message,
        "details": details or {},
    }


def record_alert(
    kind: str, message: str, details: dict[str, Any] | None = None, settings: Settings | None = None
) -> dict[str, Any]:
    """Log, append to the alerts file and send to the webhook; returns the alert."""
    settings = settings or get_settings()
    alert = build_alert(kind, message, details)
    log.warning("ALERT %s: %s", kind, message)
    settings.alerts_path.parent.mkdir(parents=True, exist_ok=True)
    with settings.alerts_path.open("a") as handle:
        handle.write(json.dumps(alert, default=str, sort_keys=True) + "\n")
    if settings.alert_webhook_url:
        request = urllib.request.Request(
            settings.alert_webhook_url,
            data=json.dumps(alert, default=str).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=5):
                pass
        except OSError as error:
            log.error("Alert webhook %s failed: %s", settings.alert_webhook_url, error)
    return alert
