import json
import logging

from hall_server.logs import JsonFormatter


def test_json_log_lines_carry_the_message_level_and_extras():
    record = logging.LogRecord(
        "hall_server.access", logging.INFO, "x.py", 1, "GET %s %d", ("/api/v1/halls", 200), None
    )
    record.duration_ms = 1.5
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "info" and line["logger"] == "hall_server.access"
    assert line["msg"] == "GET /api/v1/halls 200" and line["duration_ms"] == 1.5
    assert line["ts"].endswith("Z")
