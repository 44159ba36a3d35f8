"""The app's log file (in the data directory), with a filter that keeps secrets out of it.

Two layers of redaction: every secret the app has loaded is registered and replaced
verbatim wherever it appears, and patterns catch secret-shaped text the app never loaded
(bearer headers, `hapikey=` query strings, HubSpot token formats, JSON token fields).
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import threading
from pathlib import Path

LOG_FILE_NAME = "hsexplorer.log"
REDACTED = "<redacted>"
_MIN_SECRET_LENGTH = 6  # shorter values would redact ordinary words

_PATTERNS = (
    re.compile(r"(?i)(authorization\s*[:=]\s*)(bearer\s+)?[^\s,'\"]+"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9\-._~+/]+=*"),
    re.compile(r"(?i)(hapikey=)[^&\s'\"]+"),
    re.compile(r"(?i)(\"?(?:access_token|refresh_token|client_secret|token|api_key|hapikey)\"?\s*[:=]\s*\"?)[^\"\s,}&]+"),
    re.compile(r"()\bpat-[a-z]{2,4}\d?-[0-9a-f-]{20,}"),
)

_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def register_secret(value: str) -> None:
    """Make sure `value` never appears in the log from now on."""
    if value and len(value) >= _MIN_SECRET_LENGTH:
        with _secrets_lock:
            _secrets.add(value)


def redact(text: str) -> str:
    with _secrets_lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, REDACTED)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
    return text


class RedactingFilter(logging.Filter):
    """Formats the record's message and traceback once, redacted, so no handler sees the raw text."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def configure_logging(log_dir: Path, *, level: int = logging.INFO, console: bool = False) -> Path:
    """Send the app's logs to `<log_dir>/hsexplorer.log` (rotated) and optionally stderr."""
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / LOG_FILE_NAME
    root = logging.getLogger()
    remove_log_handlers()
    handlers: list[logging.Handler] = [
        logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8", delay=True)
    ]
    if console:
        handlers.append(logging.StreamHandler())
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(RedactingFilter())
        handler._hsexplorer = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level)
    return path


def remove_log_handlers() -> None:
    """Detach and close the handlers `configure_logging` added (at exit, between tests)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_hsexplorer", False):
            root.removeHandler(handler)
            handler.close()
