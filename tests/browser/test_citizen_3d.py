"""The hall in 3D (issue 13) in Debian's Chromium with software WebGL
(SwiftShader), against the real server: pixels of the scene, an avatar drawn
where the protocol puts it and moved by another client, the lite/3D choice,
the tour, and VR with an emulated headset (IWER) taking a number."""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Any

from tests.e2e.server import RunningServer, running_server
from tests.support.browser import ARGS, DESKTOP, PHONE, chromium_or_skip
from tests.support.client import HallClient

HALL = "mpp-kendari"
#: WebGL drawn by the CPU: the same here and in CI (no GPU on either).
GL_ARGS = [*ARGS, "--use-angle=swiftshader", "--enable-unsafe-swiftshader"]
RED = "#e01010"
#: Generous: three.js and the models load and compile shaders on a busy shared machine.
READY_MS = 90_000


def shots_dir(tmp_path: Path) -> Path:
    # HALL_TEST_SHOTS=dir keeps the screenshots (docs/citizen-guide.md uses them).
    root = Path(os.environ.get("HALL_TEST_SHOTS") or tmp_path / "shots") / "citizen-3d"
    root.mkdir(parents=True, exist_ok=True)
    return root


async def around(page: Any, x: float, y: float, r: int = 3) -> list[tuple[int, int, int]]:
    """The colours drawn in a small square around page point (x, y) (read from the WebGL
    drawing buffer, kept in test builds)."""
    got = await page.evaluate(
        """([x, y, r]) => {
            const out = [];
            for (let dx = -r; dx <= r; dx++)
                for (let dy = -r; dy <= r; dy++) out.push(hallDebug3d.pixel(x + dx, y + dy));
            return out;
        }""",
        [x, y, r],
    )
    return [(int(p[0]), int(p[1]), int(p[2])) for p in got]


def reddish(rgb: tuple[int, int, int]) -> bool:
    r, g, b = rgb
    return r > 110 and g < 90 and b < 90


async def open_3d(page: Any, server: RunningServer, query: str) -> None:
    await page.goto(f"{server.base}/?{query}")
    await page.wait_for_function("window.hallDebug3d && window.hallDebug3d.ready", timeout=READY_MS)
    await page.wait_for_selector(
        "[data-testid=stage][data-view='3d'], [data-testid=stage][data-view='tour']"
    )


async def walker(server: RunningServer, name: str) -> HallClient:
    """A second person in the hall, in a red top."""
    client = await server.connect(HALL)
    await client.join(
        await server.guest_token(name), appearance={"colors": {"top": RED, "bottom": RED}}
    )
    client.x, client.y = float(client.welcome["you"]["x"]), float(client.welcome["you"]["y"])
    return client


async def walk_to(client: HallClient, x: float, y: float) -> None:
    """Walk in steps the server accepts (2 m/s, 10 moves a second)."""
    steps = max(1, math.ceil(math.hypot(x - client.x, y - client.y) / 0.2))
    x0, y0 = client.x, client.y
    path = [(x0 + (x - x0) * i / steps, y0 + (y - y0) * i / steps) for i in range(1, steps + 1)]
    await client.walk(path, pace_s=0.1)
    await client.move(x, y, anim="idle")


async def drawn_at(page: Any, avatar: int, x: float, y: float) -> None:
    """Wait until the 3D view draws `avatar` at plan (x, y) (interpolation done)."""
    await page.wait_for_function(
        """([id, x, y]) => {
            const a = hallDebug.seen().find(s => s.id === id);
            return a && Math.hypot(a.x - x, a.y - y) < 0.1;
        }""",
        arg=[avatar, x, y],
        timeout=30_000,
    )


RED_AT_JS = """([x, y]) => {
    const p = hallDebug3d.project(x, y, 1.0);
    let red = 0;
    for (let dx = -3; dx <= 3; dx++)
        for (let dy = -3; dy <= 3; dy++) {
            const [r, g, b] = hallDebug3d.pixel(p.x + dx, p.y + dy);
            if (r > 110 && g < 90 && b < 90) red++;
        }
    return red >= 10;
}"""


async def red_at(page: Any, x: float, y: float) -> bool:
    """Whether a red top is drawn at plan (x, y) now."""
    return bool(await page.evaluate(RED_AT_JS, [x, y]))


async def until_red(page: Any, x: float, y: float) -> None:
    """Wait (the glide between snapshots takes a moment) until a red top is drawn at (x, y)."""
    await page.wait_for_function(RED_AT_JS, arg=[x, y], timeout=20_000)


async def test_the_hall_in_3d_draws_the_floor_and_the_avatars_where_the_protocol_puts_them(
    tmp_path: Path,
) -> None:
    from playwright.async_api import async_playwright

    shots = shots_dir(tmp_path)
    async with (
        running_server(tmp_path / "data", demo_citizens=0, demo_ticket_chance=0.0) as server,
        async_playwright() as pw,
    ):
        browser = await pw.chromium.launch(executable_path=chromium_or_skip(), args=GL_ARGS)
        page = await browser.new_page(**DESKTOP)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await open_3d(page, server, "mode=3d&test3d=1")
        me = await page.evaluate("hallDebug.position()")

        # Not blank: a scene has many colours; and the floor in front of you is the floor's grey.
        assert await page.evaluate("hallDebug3d.colours()") > 20
        floor = await page.evaluate(
            "([x, y]) => hallDebug3d.project(x, y, 0)", [me[0] + 1.5, me[1] + 1.0]
        )
        for r, g, b in await around(page, floor["x"], floor["y"], 2):
            # hall.glb's floor (linear 0.55, 0.53, 0.49) lit from above: a light warm grey.
            assert 150 <= r <= 250 and abs(r - g) < 25 and abs(g - b) < 25 and r >= b, (r, g, b)

        # Another person walks in front of you: drawn there, in their colours.
        other = await walker(server, "Rahma")
        target = (me[0] + 1.0, me[1] + 3.0)
        await walk_to(other, *target)
        await drawn_at(page, other.id, *target)
        await until_red(page, *target)
        # Their name tag is shown (near), and what they say nearby floats over them.
        await page.wait_for_function("hallDebug3d.stats().tags >= 1", timeout=10_000)
        await other.send(type="chat", text="Halo semua")
        await page.wait_for_function("hallDebug3d.stats().bubbles >= 1", timeout=20_000)
        await page.screenshot(path=str(shots / "desktop-3d.png"))

        # They move: the 3D view follows, and the old spot is floor again.
        moved = (me[0] - 1.5, me[1] + 4.5)
        await walk_to(other, *moved)
        await drawn_at(page, other.id, *moved)
        await until_red(page, *moved)
        assert not await red_at(page, *target)
        stats = await page.evaluate("hallDebug3d.stats()")
        assert stats["modelMaterials"] <= 25, stats
        assert stats["triangles"] <= 50_000, stats
        assert errors == []
        await other.close()
        await browser.close()


async def test_lite_or_3d_follows_the_rules_and_is_remembered(tmp_path: Path) -> None:
    from playwright.async_api import async_playwright, expect

    shots = shots_dir(tmp_path)
    async with (
        running_server(tmp_path / "data", demo_citizens=4, demo_ticket_chance=0.0) as server,
        async_playwright() as pw,
    ):
        browser = await pw.chromium.launch(executable_path=chromium_or_skip(), args=GL_ARGS)
        context = await browser.new_context(**PHONE)
        page = await context.new_page()
        chunks: list[str] = []
        page.on("request", lambda r: chunks.append(r.url) if "/hall3d-" in r.url else None)
        stage = page.get_by_test_id("stage")
        switch = page.get_by_test_id("view-switch")

        # ?mode=lite: the plan, and the 3D chunk is never fetched.
        await page.goto(f"{server.base}/?mode=lite")
        await expect(page.get_by_test_id("status")).to_have_text("Terhubung")
        await expect(page.get_by_test_id("plan")).to_be_visible()
        await expect(stage).to_have_attribute("data-view", "lite")
        await expect(switch).to_have_text("Tampilan 3D")
        assert chunks == []

        # No choice made, WebGL drawn in software: the lite view (3D only on request).
        await page.goto(f"{server.base}/")
        await expect(page.get_by_test_id("plan")).to_be_visible()
        await expect(stage).to_have_attribute("data-view", "lite")

        # The switch: 3D, remembered on the next visit.
        await switch.tap()
        await page.wait_for_function(
            "window.hallDebug3d && window.hallDebug3d.ready", timeout=READY_MS
        )
        await expect(stage).to_have_attribute("data-view", "3d")
        assert chunks, "the 3D chunk is loaded on demand"
        await page.reload()
        await expect(stage).to_have_attribute("data-view", "3d", timeout=READY_MS)
        await expect(page.get_by_test_id("hall3d")).to_be_visible()
        await page.screenshot(path=str(shots / "phone-3d.png"))
        # Back to lite, remembered too; ?mode=3d still forces 3D.
        await switch.tap()
        await expect(stage).to_have_attribute("data-view", "lite")
        await page.reload()
        await expect(page.get_by_test_id("plan")).to_be_visible()
        await expect(stage).to_have_attribute("data-view", "lite")
        await page.goto(f"{server.base}/?mode=3d")
        await expect(stage).to_have_attribute("data-view", "3d", timeout=READY_MS)

        # ?mode=tour: no panel, no sign-in; the camera flies (the picture changes).
        await page.goto(f"{server.base}/?mode=tour")
        await expect(stage).to_have_attribute("data-view", "tour", timeout=READY_MS)
        assert await page.get_by_role("button", name="Masuk dengan NIK").count() == 0
        # As a spectator: no body standing at the entrance, and the whole hall in view
        # (the four demo citizens wherever they walk), not the few around a guest.
        await page.wait_for_function("hallDebug.role() === 'spectator'", timeout=READY_MS)
        await page.wait_for_function(
            "hallDebug.seen().filter((a) => a.id !== hallDebug.me()).length >= 4",
            timeout=READY_MS,
        )
        first = await page.screenshot()
        await page.wait_for_function(
            "() => { const p = hallDebug3d.project(30, 27, 2); return p.x !== window.__p0?.x; }",
            timeout=10_000,
        )
        await page.evaluate("window.__p0 = hallDebug3d.project(30, 27, 2)")
        await page.wait_for_function(
            "() => Math.abs(hallDebug3d.project(30, 27, 2).x - window.__p0.x) > 2", timeout=30_000
        )
        assert await page.screenshot() != first
        await page.screenshot(path=str(shots / "phone-tour.png"))
        await browser.close()


async def test_vr_with_an_emulated_headset_teleports_to_the_kiosk_and_takes_a_number(
    tmp_path: Path,
) -> None:
    from playwright.async_api import async_playwright, expect

    async with (
        running_server(tmp_path / "data", demo_citizens=0, demo_ticket_chance=0.0) as server,
        async_playwright() as pw,
    ):
        browser = await pw.chromium.launch(executable_path=chromium_or_skip(), args=GL_ARGS)
        page = await browser.new_page(**DESKTOP)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await open_3d(page, server, "mode=3d&test3d=1&xrtest=1")
        await page.get_by_test_id("enter-vr").click()
        await page.wait_for_function("hallDebug3d.xr()", timeout=30_000)

        # Point the right controller so that its arc lands in front of the kiosk, and release the trigger.
        scene = (await server.http.get(f"/api/v1/halls/{HALL}/scene")).json()
        kiosk = next(a for a in scene["assets"] if "ticket-kiosk" in a["url"])
        spot = (
            kiosk["position"][0],
            kiosk["position"][1] - 0.9,
        )  # its screen faces south (yaw 180)
        me = await page.evaluate("hallDebug3d.rig()")
        await aim(page, me, spot)
        await page.wait_for_function(
            "([x, y]) => hallDebug3d.landing().some(l => Math.hypot(l[0] - x, l[1] - y) < 0.3)",
            arg=list(spot),
            timeout=20_000,
        )
        await trigger(page)
        # Teleported: you walk there (the server allows no jumps) and stand in front of the kiosk.
        await page.wait_for_function(
            "([x, y]) => { const p = hallDebug.position(); return Math.hypot(p[0] - x, p[1] - y) < 0.5 }",
            arg=list(spot),
            timeout=30_000,
        )
        # Point at the kiosk's "take a number" button and press: its menu of services opens.
        await aim_at_button(page)
        await trigger(page)
        await page.wait_for_function("hallDebug3d.button('service:KK') !== null", timeout=10_000)
        # Point at "Kartu Keluarga" and press: the number is for KK (group B), not the first
        # service of the catalogue (KTP-el, group A), which was all the kiosk offered before.
        await aim_at_button(page, "service:KK")
        await trigger(page)
        await expect(page.get_by_test_id("ticket-number")).to_have_text(
            re.compile(r"^B-\d{3}$"), timeout=20_000
        )
        assert await page.evaluate("hallDebug3d.button('service:KK')") is None  # menu closed
        assert errors == []
        await browser.close()


#: Where the emulated right controller is held, in the rig's (the player's) frame, metres.
HAND = (0.25, 1.2, -0.3)
ARC_SPEED = 10.0  # web/src/three/xr.ts
GRAVITY = 9.8


def pitch_for(distance: float, height: float) -> float:
    """The pitch (radians) at which the arc of xr.ts travels `distance` before the floor."""

    def reach(pitch: float) -> float:
        vy = ARC_SPEED * math.sin(pitch)
        t = (vy + math.sqrt(vy * vy + 2 * GRAVITY * height)) / GRAVITY
        return ARC_SPEED * math.cos(pitch) * t

    low, high = -1.2, 0.7  # reach grows with pitch over this range
    for _ in range(60):
        mid = (low + high) / 2
        if reach(mid) < distance:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def quaternion(yaw: float, pitch: float) -> list[float]:
    """Turn by `yaw` about +Y, then `pitch` about +X (three's -Z forward): x, y, z, w."""
    cy, sy = math.cos(yaw / 2), math.sin(yaw / 2)
    cp, sp = math.cos(pitch / 2), math.sin(pitch / 2)
    return [cy * sp, sy * cp, -sy * sp, cy * cp]


async def set_hand(page: Any, yaw: float, pitch: float) -> None:
    await page.evaluate(
        """([p, q]) => {
            const c = xrDevice.controllers.right;
            c.position.set(p[0], p[1], p[2]);
            c.quaternion.set(q[0], q[1], q[2], q[3]);
        }""",
        [list(HAND), quaternion(yaw, pitch)],
    )


async def aim(page: Any, me: list[float], spot: tuple[float, float]) -> None:
    heading = math.radians(await page.evaluate("hallDebug3d.heading()"))
    # The hand's position in the world (the rig stands where you are, turned by the heading).
    hx = me[0] + HAND[0] * math.cos(heading) + HAND[2] * math.sin(heading)
    hz = -me[1] - HAND[0] * math.sin(heading) + HAND[2] * math.cos(heading)
    dx, dz = spot[0] - hx, -spot[1] - hz
    # Facing -Z turned by yaw about +Y faces (-sin yaw, -cos yaw); relative to the rig's turn.
    yaw = math.atan2(-dx, -dz) - heading
    await set_hand(page, yaw, pitch_for(math.hypot(dx, dz), HAND[1]))


async def aim_at_button(page: Any, name: str = "take-number") -> None:
    # The rig stands where the teleport put it (the avatar walks after it).
    x, y, heading_deg = await page.evaluate("[...hallDebug3d.rig(), hallDebug3d.heading()]")
    heading = math.radians(heading_deg)
    button = await page.evaluate("name => hallDebug3d.button(name)", name)
    hx = x + HAND[0] * math.cos(heading) + HAND[2] * math.sin(heading)
    hz = -y - HAND[0] * math.sin(heading) + HAND[2] * math.cos(heading)
    dx, dy, dz = button[0] - hx, button[1] - HAND[1], button[2] - hz
    yaw = math.atan2(-dx, -dz) - heading
    await set_hand(page, yaw, math.atan2(dy, math.hypot(dx, dz)))


async def trigger(page: Any) -> None:
    """Press and release the right trigger, a few XR frames apart."""
    for value in (1, 0):
        await page.evaluate(
            "v => xrDevice.controllers.right.updateButtonValue('trigger', v)", value
        )
        await page.evaluate(
            "() => new Promise(r => { let n = 0; const f = () => (++n > 5 ? r() : requestAnimationFrame(f)); f(); })"
        )
