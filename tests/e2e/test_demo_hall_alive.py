"""A visitor arriving in the demo hall sees across it: the clerks of both wings, not only
the few people near the entrance (the scene's own aoi_cell_m, docs/scene-format.md)."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.server import running_server
from tests.support.waiting import wait_until

HALL = "mpp-kendari"


async def test_a_guest_at_the_entrance_sees_the_clerks_of_both_wings(tmp_path: Path):
    async with running_server(tmp_path / "data", counter_bots="always") as server:
        guest = await server.join(HALL, await server.guest_token("Siti"))
        assert guest.welcome["aoi_cell_m"] == 20.0
        _x, y = guest.view[guest.welcome["you"]["id"]]
        assert y < 5.0  # at the entrance, 25 m and more from either row of counters

        def both_wings() -> bool:
            xs = [p[0] for p in guest.view.values()]
            return any(x < 8.0 for x in xs) and any(x > 52.0 for x in xs)

        await wait_until(both_wings, 20, "avatars at the counters of both wings")
        await guest.close()
