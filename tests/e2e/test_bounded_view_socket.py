"""The bounded view over a real socket: a client in a crowd is sent at most K avatars."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from realtime import codec
from tests.e2e.server import running_server
from tests.support.waiting import wait_until

K = 8


async def test_a_client_in_a_crowd_receives_at_most_k_avatars_per_snapshot(tmp_path: Path):
    # 150 walking simulated citizens, all in one huge area-of-interest cell.
    async with running_server(
        tmp_path / "data", demo_citizens=150, aoi_cell_m=200.0, view_max_avatars=K
    ) as server:
        state: dict[str, Any] = {"frames": 0}
        profiles: set[int] = set()

        def check(raw: bytes) -> None:
            # Every frame, as it arrives (after the welcome); profiles are those received before it.
            me = ws.id
            if "view" not in state:
                neighbours = {n["id"] for n in ws.welcome["neighbours"]}
                state["view"] = {me} | neighbours
                profiles.update(neighbours)
            for m in ws.of_type("profiles"):
                profiles.update(p["id"] for p in m["avatars"])
            frame = codec.decode_frame(raw)
            state["frames"] += 1
            sent = set(frame.entered["id"].tolist()) | set(frame.updated["id"].tolist())
            assert len(sent - {me}) <= K
            assert sent - {me} <= profiles  # every avatar's profile came first
            view = set() if frame.full else state["view"]
            state["view"] = (view | sent) - set(frame.left.tolist())
            assert len(state["view"] - {me}) <= K

        ws = await server.join(
            "mpp-kendari", await server.guest_token("padat"), client={"on_frame": check}
        )
        welcome = ws.welcome
        me = welcome["you"]["id"]
        assert welcome["view_max_avatars"] == K
        assert len(welcome["neighbours"]) == K
        await wait_until(lambda: state["frames"] >= 60 or ws.task.done(), 30, "60 frames")
        if ws.task.done():
            ws.task.result()  # an assertion in check() failed: raise it here
        assert len(state["view"] - {me}) == K  # the crowd fills the view, up to the bound
        await ws.close()
