"""The board feed carries the hall's announcements, so a wall screen shows them
without joining the hall (a spectator would be streamed every avatar)."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.server import running_server
from tests.support.client import HallClient

HALL = "mpp-kendari"


async def test_a_supervisors_announcement_reaches_the_board_feed(tmp_path: Path):
    async with running_server(tmp_path / "data", counter_bots="never") as server:
        feed = await HallClient.connect(server.ws_url(HALL) + "/board")
        await feed.next("board")
        supervisor = await server.staff_token("supervisor")
        body = {"id": "Loket D1 tutup pukul 15.00", "en": "Counter D1 closes at 3 pm"}
        r = await server.http.post(
            f"/api/v1/halls/{HALL}/announcements",
            json=body,
            headers={"Authorization": f"Bearer {supervisor}"},
        )
        assert r.status_code == 202
        said = await feed.next("announcement")
        assert said["text"] == body
        # The feed still sends no avatar state: text frames only, boards and announcements.
        assert {m["type"] for m in feed.messages} <= {"board", "announcement"}
        await feed.close()
