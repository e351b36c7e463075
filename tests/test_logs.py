"""Logs (docs/OPERATIONS.md, "Logs"): one JSON object per line with
LOG_FORMAT=json; a request id on every line of a request, kept from a
proxy's X-Request-ID when it looks like one; phone numbers masked. Carried
into the worker: tests/delivery/test_request_id_reaches_the_worker.py."""

import json
import logging

import pytest
from django.test import RequestFactory
from pythonjsonlogger.json import JsonFormatter

from portal.logs import MaskPhones, RequestIdFilter, RequestIdMiddleware


@pytest.fixture
def captured():
    """The portal's formatter and filters, writing into a list."""
    lines = []

    class ToList(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    handler = ToList()
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    handler.addFilter(RequestIdFilter())
    handler.addFilter(MaskPhones())
    logger = logging.getLogger("portal.test")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield logger, lines
    logger.removeHandler(handler)


def run_request(headers: dict, log) -> tuple:
    def view(request):
        log()
        from django.http import HttpResponse

        return HttpResponse("ok")

    request = RequestFactory().get("/", headers=headers)
    return RequestIdMiddleware(view)(request)


def test_every_line_of_a_request_is_json_with_its_id(captured):
    logger, lines = captured

    response = run_request({}, lambda: logger.info("sent a code to %s", "+13035551299"))

    (line,) = lines
    entry = json.loads(line)
    assert entry["request_id"] == response["X-Request-ID"] and len(entry["request_id"]) == 32
    assert entry["level"] == "INFO" and entry["logger"] == "portal.test"
    assert entry["message"] == "sent a code to +1••••••1299"
    assert "+13035551299" not in line


def test_a_proxys_request_id_is_kept_and_a_hostile_one_replaced(captured):
    logger, lines = captured

    kept = run_request({"X-Request-ID": "lb-2f9c1e77a0"}, lambda: logger.info("one"))
    replaced = run_request({"X-Request-ID": 'x"\n{"level":"CRITICAL"}'}, lambda: logger.info("two"))

    assert kept["X-Request-ID"] == "lb-2f9c1e77a0"
    assert replaced["X-Request-ID"] != 'x"\n{"level":"CRITICAL"}'
    assert [json.loads(line)["request_id"] for line in lines] == [
        "lb-2f9c1e77a0",
        replaced["X-Request-ID"],
    ]


def test_outside_a_request_the_id_is_a_dash(captured):
    logger, lines = captured

    logger.info("beat")

    assert json.loads(lines[0])["request_id"] == "-"
