"""Logging: one line per record, plain text or JSON (LOG_FORMAT=json), each with its request id.

`RequestIdMiddleware` gives every request an id (the caller's X-Request-ID when it is a
plausible one, else a new uuid4), keeps it in a context variable while the request runs,
and returns it in the response's X-Request-ID header. `RequestIdFilter` copies it onto
every log record, so a line logged anywhere during the request carries it.
"""

import contextvars
import json
import logging
import re
import uuid
from datetime import UTC, datetime

from django.core.exceptions import ImproperlyConfigured

NO_REQUEST = "-"
request_id = contextvars.ContextVar("request_id", default=NO_REQUEST)

# A caller's id is kept only when it cannot break a text log line (no spaces, no newlines).
PLAUSIBLE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:/+=@-]{1,128}")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        supplied = request.headers.get("X-Request-ID", "")
        request.id = supplied if PLAUSIBLE_REQUEST_ID.fullmatch(supplied) else uuid.uuid4().hex
        token = request_id.set(request.id)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response["X-Request-ID"] = request.id
        return response


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = self.request_id_of(record)
        return True

    @staticmethod
    def request_id_of(record) -> str:
        # Django logs a 4xx or 5xx response ("Not Found: /x") once the middleware have
        # returned, so from the request the record carries, not from the context.
        request = getattr(record, "request", None)
        if hasattr(request, "id"):
            return request.id
        # gunicorn logs its access line after the response, from the response's header.
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            return record.args.get("{x-request-id}o") or NO_REQUEST
        return request_id.get()


class ErrorsLoggedOnceFilter(logging.Filter):
    """runserver's line for a 4xx or 5xx response: `django.request` has logged that
    response already (with its request id), so the pair read as one line twice."""

    def filter(self, record):
        return getattr(record, "status_code", 0) < 400


class JsonFormatter(logging.Formatter):
    """One JSON object per line; a traceback stays inside its line as a string."""

    def format(self, record):
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", NO_REQUEST),
        }
        if hasattr(record, "status_code"):  # django.request's 4xx and 5xx lines
            line["status"] = record.status_code
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def logging_config(log_format: str, level: str) -> dict:
    """settings.LOGGING: everything goes to the root's one handler."""
    if log_format not in {"text", "json"}:
        raise ImproperlyConfigured(f"LOG_FORMAT must be text or json, not {log_format!r}.")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "centra_orders.logs.RequestIdFilter"},
            "errors_logged_once": {"()": "centra_orders.logs.ErrorsLoggedOnceFilter"},
        },
        "formatters": {
            "text": {"format": TEXT_FORMAT},
            "json": {"()": "centra_orders.logs.JsonFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's defaults give "django" a console handler of its own (in DEBUG) on
            # top of the root's, which printed every line twice: leave it to the root.
            "django": {"handlers": [], "level": level, "propagate": True},
            # Configuring "django" resets its children; runserver's request lines stay.
            "django.server": {
                "handlers": ["console"],
                "level": "INFO",
                "propagate": False,
                "filters": ["errors_logged_once"],
            },
        },
    }


def gunicorn_logging_config(log_format: str, level: str) -> dict:
    """gunicorn's own lines (start-up, workers, access) in the same format, once each."""
    config = logging_config(log_format, level)
    config["loggers"] = {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    }
    return config
