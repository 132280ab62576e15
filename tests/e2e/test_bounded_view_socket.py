"""The bounded view over a real socket: a client in a crowd is sent at most K avatars."""

from __future__ import annotations

import json
from pathlib import Path

from realtime import codec
from tests.e2e.server import running_server
from tests.support.client import HallClient
from tests.support.waiting import wait_until

K = 8


async def test_a_client_in_a_crowd_receives_at_most_k_avatars_per_snapshot(tmp_path: Path):
    # 150 walking simulated citizens, all in one huge area-of-interest cell.
    async with running_server(
        tmp_path / "data", demo_citizens=150, aoi_cell_m=200.0, view_max_avatars=K
    ) as server:
        # Each frame is checked against the messages before it: the client records them all,
        # in order, and decodes the frames here itself.
        ws = await HallClient.enter(
            server.ws_url("mpp-kendari"),
            await server.guest_token("padat"),
            record=True,
            frames=False,
        )
        welcome = ws.welcome
        me = welcome["you"]["id"]
        assert welcome["view_max_avatars"] == K
        assert len(welcome["neighbours"]) == K
        view = {me} | {n["id"] for n in welcome["neighbours"]}
        profiles = {n["id"] for n in welcome["neighbours"]}
        await wait_until(lambda: ws.frames >= 60, 30, "60 snapshot frames")
        assert ws.received is not None
        frames = 0
        for msg in list(ws.received):
            if frames == 60:
                break
            if isinstance(msg, str):
                body = json.loads(msg)
                if body["type"] == "profiles":
                    profiles.update(p["id"] for p in body["avatars"])
                continue
            frame = codec.decode_frame(msg)
            frames += 1
            sent = set(frame.entered["id"].tolist()) | set(frame.updated["id"].tolist())
            assert len(sent - {me}) <= K
            assert sent - {me} <= profiles  # every avatar's profile came first
            if frame.full:
                view = set()
            view = (view | sent) - set(frame.left.tolist())
            assert len(view - {me}) <= K
        assert len(view - {me}) == K  # the crowd fills the view, up to the bound
        await ws.close()
