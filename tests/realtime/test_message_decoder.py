"""The fast path of message decoding refuses and accepts exactly what the full one does.

``realtime.endpoint._decode`` scans flat objects with the C scanner and no number
hooks, then checks the numbers itself; ``_DECODER`` (hooks on every number) is the
rule of docs/protocol.md section 8. Both are fed the same texts: edge numbers,
whitespace, nesting, and random mutations of real messages.
"""

from __future__ import annotations

import json
import random

import pytest

from realtime import endpoint


def _outcome(decode: object, text: str) -> tuple[str, object]:
    try:
        return "ok", decode(text)  # type: ignore[operator]
    except endpoint._NotFinite:
        return "not_finite", None
    except (ValueError, RecursionError):
        return "bad_json", None


def _agree(text: str) -> None:
    assert _outcome(endpoint._decode, text) == _outcome(endpoint._DECODER.decode, text), text[:80]


@pytest.mark.parametrize("digits", [299, 300, 301, 302, 400])
@pytest.mark.parametrize("sign", ["", "-"])
def test_long_integers_at_the_limit(digits: int, sign: str) -> None:
    _agree('{"type":"move","x":' + sign + "9" * digits + "}")
    _agree('{"type":"move","x":' + sign + "1" + "0" * (digits - 1) + "}")


@pytest.mark.parametrize(
    "text",
    [
        '{"type":"move","x":1e999}',
        '{"type":"move","x":-1e999}',
        '{"type":"move","x":1e308}',
        '{"type":"move","x":NaN}',
        '{"type":"move","x":Infinity}',
        '{"type":"chat","text":"1e999"}',
        '{"type":"a","b":[1e999]}',
        '{"type":"a","b":{"c":1e999}}',
        ' {"type":"a"}',
        '{"type":"a"}\n',
        '{"type":"a"}x',
        '{"type":"a"}{"type":"b"}',
        "[1e999]",
        "1e999",
        '"text"',
        "",
        "{",
        '{"type":"a",}',
        '{"type":"a","x":1.5e3}',
        '{"type":"a","x":' + "9" * 5000 + "}",
        '{"a":' * 3000 + "1" + "}" * 3000,
    ],
)
def test_edge_texts(text: str) -> None:
    _agree(text)


def test_mutated_messages() -> None:
    seeds = [
        json.dumps({"type": "move", "seq": 12, "x": 1.25, "y": -3.5, "yaw": 90, "anim": "walk"}),
        json.dumps({"type": "chat", "seq": 3, "channel": "proximity", "text": "halo 1e5"}),
        json.dumps({"type": "take_ticket", "seq": 4, "service": "ktp_el", "priority": False}),
        json.dumps({"type": "emote", "emote": "wave", "extra": [1, {"a": None}]}),
    ]
    alphabet = '{}[]",:-+.eE0123456789 \\untrlfasNIy9'
    rng = random.Random(20261130)
    outcomes: set[str] = set()
    for _ in range(20_000):
        text = list(rng.choice(seeds))
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(text) + 1)
            roll = rng.random()
            if roll < 0.4 and at < len(text):
                text[at] = rng.choice(alphabet)
            elif roll < 0.7:
                text.insert(at, rng.choice(alphabet) * rng.choice((1, 1, 1, 3, 310)))
            elif at < len(text):
                del text[at]
        mutated = "".join(text)
        _agree(mutated)
        outcomes.add(_outcome(endpoint._DECODER.decode, mutated)[0])
    # the mutations reached every outcome, so the comparison above compared something
    assert outcomes == {"ok", "not_finite", "bad_json"}
