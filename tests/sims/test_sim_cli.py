"""The sim commands parse into a frozen configuration."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from hall_server.sims.cli import add_sim_commands, config_from_args


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="hall-server")
    add_sim_commands(parser.add_subparsers(title="commands"))
    return parser.parse_args(argv)


def test_sim_command_flags_become_the_sim_configuration() -> None:
    args = parse(
        "sim", "permits", "--port", "9200", "--db", "/tmp/p.db", "--api-key", "k",
        "--callback-url", "http://127.0.0.1:8000/hooks", "--webhook-secret", "s",
        "--time-scale", "0.1", "--seed", "3", "--fail-rate", "0.3", "--timeout-rate", "0.1",
        "--down",
    )  # fmt: skip
    assert (args.sim, args.port, args.host) == ("permits", 9200, "127.0.0.1")
    config = config_from_args(args)
    assert config.db_path == Path("/tmp/p.db")
    assert (config.api_key, config.webhook_secret, config.seed) == ("k", "s", 3)
    assert config.callback_url == "http://127.0.0.1:8000/hooks"
    assert (config.faults.fail_rate, config.faults.timeout_rate) == (0.3, 0.1)
    assert config.faults.down and config.time_scale_s == 0.1


def test_civil_registry_defaults_to_port_9101() -> None:
    args = parse("sim", "civil-registry")
    assert args.port == 9101
    assert config_from_args(args).callback_url is None


def test_a_rate_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="fail_rate"):
        config_from_args(parse("sim", "permits", "--fail-rate", "1.5"))
