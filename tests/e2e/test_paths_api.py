"""GET /api/v1/halls/{hall_id}/path over real HTTP, walked over a real hall socket."""

from __future__ import annotations

import asyncio
import itertools
import math
from pathlib import Path

from scenes.bundled import load_demo_scene
from tests.e2e.server import running_server

HALL = "mpp-kendari"
SCENE = load_demo_scene()


async def test_a_citizen_walks_the_path_to_the_counter_and_is_never_corrected(tmp_path: Path):
    async with running_server(tmp_path / "data", counter_bots="never") as server:
        citizen = await server.join(HALL, await server.guest_token("Siti"))
        counter = SCENE.counter("D1")
        r = await server.http.get(
            f"/api/v1/halls/{HALL}/path",
            params={
                "from_x": citizen.x,
                "from_y": citizen.y,
                "to_x": counter.position[0],
                "to_y": counter.position[1],
            },
        )
        assert r.status_code == 200, r.text
        body = r.json()
        points = [tuple(p) for p in body["points"]]
        assert points[0] == (citizen.x, citizen.y)
        assert points[-1] == counter.position
        legs = sum(math.dist(a, b) for a, b in itertools.pairwise(points))
        assert body["length_m"] == round(legs, 3)
        assert body["length_m"] >= math.dist(points[0], points[-1])

        # Walked at a person's pace (0.5 m every 0.2 s, under 3 m/s): every move is taken.
        for (ax, ay), (bx, by) in itertools.pairwise(points):
            n = max(1, math.ceil(math.dist((ax, ay), (bx, by)) / 0.5))
            for i in range(1, n + 1):
                await citizen.move(ax + (bx - ax) * i / n, ay + (by - ay) * i / n)
                # A walker's pace, not a wait for a condition: the movement rule
                # measures the time between moves.
                await asyncio.sleep(0.2)
        await citizen.send(type="ping")
        await citizen.next("pong", lambda m: m.get("ref") == citizen.seq)
        assert citizen.of_type("correction") == []
        await citizen.close()


async def test_bad_points_and_unknown_halls_get_documented_errors(tmp_path: Path):
    async with running_server(tmp_path / "data", counter_bots="never") as server:
        url = f"/api/v1/halls/{HALL}/path"
        ok = {"from_x": 30, "from_y": 2, "to_x": 3.6, "to_y": 12}
        r = await server.http.get(url, params={**ok, "to_y": 500})
        assert (r.status_code, r.json()["error"]["code"]) == (400, "out_of_range")
        r = await server.http.get(url, params={**ok, "from_x": "nan"})
        assert (r.status_code, r.json()["error"]["code"]) == (400, "bad_value")
        r = await server.http.get(url, params={**ok, "from_x": "dua"})
        assert (r.status_code, r.json()["error"]["code"]) == (422, "bad_request")
        r = await server.http.get(url, params={k: v for k, v in ok.items() if k != "to_y"})
        assert r.status_code == 422
        r = await server.http.get("/api/v1/halls/nope/path", params=ok)
        assert (r.status_code, r.json()["error"]["code"]) == (404, "unknown_hall")
        # A destination inside a desk is moved to the floor next to it.
        desk = next(o for o in SCENE.obstacles if o.kind.value == "desk")
        cx = sum(x for x, _ in desk.polygon) / len(desk.polygon)
        cy = sum(y for _, y in desk.polygon) / len(desk.polygon)
        r = await server.http.get(url, params={**ok, "to_x": cx, "to_y": cy})
        assert r.status_code == 200
        assert tuple(r.json()["points"][-1]) != (cx, cy)


async def test_a_flood_of_paths_from_one_address_is_rate_limited(tmp_path: Path):
    async with running_server(
        tmp_path / "data", counter_bots="never", path_requests_per_s=0.01, path_burst=3
    ) as server:
        url = f"/api/v1/halls/{HALL}/path"
        ok = {"from_x": 30, "from_y": 2, "to_x": 3.6, "to_y": 12}
        codes = [(await server.http.get(url, params=ok)).status_code for _ in range(3)]
        assert codes == [200, 200, 200]
        r = await server.http.get(url, params=ok)
        assert r.status_code == 429
        assert r.json()["error"]["code"] == "rate_limited"
        assert r.json()["error"]["text"]["id"]  # a text a person can read, in both languages
        assert 1 <= int(r.headers["Retry-After"]) <= 100
