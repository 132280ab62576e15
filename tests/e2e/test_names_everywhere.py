"""The same display-name rule at the REST sign-in and at the WebSocket join,
and chat text without control or bidi characters, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.server import running_server
from tests.helpers import write_room

HALL = "test-room"

REFUSED_BY_BOTH = [
    "Budi 7471014101900001",  # a NIK
    "Budi\u202eidub",  # right-to-left override
    "Bu\u200bdi",  # zero-width
    "x" * 41,
    "Siti\nAminah",
]


@pytest.fixture
async def server(tmp_path: Path):
    scene = write_room(tmp_path / "room.json", [(5.0, 5.0), (6.0, 5.0)])
    async with running_server(tmp_path / "data", scene_files=(scene,)) as srv:
        yield srv


@pytest.mark.parametrize("name", REFUSED_BY_BOTH)
async def test_the_rest_sign_in_refuses_the_name(server, name):
    r = await server.http.post(
        "/api/v1/auth/guest/token", json={"display_name": name, "role": "guest"}
    )
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "bad_value"


@pytest.mark.parametrize("name", REFUSED_BY_BOTH)
async def test_the_join_refuses_the_name(server, name):
    ws = await server.connect(HALL)
    token = await server.guest_token("tamu")
    await ws.send_raw(json.dumps({"type": "join", "token": token, "display_name": name}))
    assert (await ws.next("error"))["code"] == "bad_value"
    assert await ws.closed() == 4000


async def test_both_trim_a_good_name_alike(server):
    r = await server.http.post(
        "/api/v1/auth/guest/token", json={"display_name": "  Siti   Aminah ", "role": "guest"}
    )
    assert r.status_code == 200
    first = await server.join(HALL, r.json()["token"])
    assert first.welcome["you"]["name"] == "Siti Aminah"
    second = await server.join(
        HALL, await server.guest_token("tamu"), display_name="  Siti   Aminah "
    )
    assert second.welcome["you"]["name"] == "Siti Aminah"
    await first.close()
    await second.close()


async def test_chat_text_reaches_others_without_bidi_or_control_characters(server):
    speaker = await server.join(HALL, await server.guest_token("a"))
    listener = await server.join(HALL, await server.guest_token("b"))
    await speaker.send(type="chat", text="harga \u202e001 ,9\u202c rupiah\x07\x1b[2J")
    line = await listener.next("chat")
    assert line["text"] == "harga 001 ,9 rupiah[2J"
    await speaker.send(type="chat", text="\u202e\u2066")
    assert (await speaker.next("error"))["code"] == "bad_value"  # nothing left: empty
    await speaker.close()
    await listener.close()


@pytest.mark.parametrize(
    "url", ["http://evil.example/x.glb", "javascript:alert(1)//x.glb", "../../etc/passwd.glb"]
)
async def test_a_join_with_a_foreign_model_url_is_refused(server, url):
    ws = await server.connect(HALL)
    token = await server.guest_token("tamu")
    await ws.send_raw(
        json.dumps({"type": "join", "token": token, "appearance": {"model_url": url}})
    )
    assert (await ws.next("error"))["code"] == "bad_value"
    assert await ws.closed() == 4000


async def test_an_allow_listed_model_url_is_relayed(tmp_path: Path):
    scene = write_room(tmp_path / "room.json", [(5.0, 5.0)])
    cdn = "https://cdn.example.go.id/avatars/"
    async with running_server(
        tmp_path / "data", scene_files=(scene,), model_url_allow=cdn
    ) as server:
        ws = await server.join(
            HALL, await server.guest_token("tamu"), appearance={"model_url": cdn + "a.glb"}
        )
        assert ws.welcome["you"]["appearance"]["model_url"] == cdn + "a.glb"
        await ws.close()
