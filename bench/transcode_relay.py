"""The baseline of bench/calls.py: a straightforward aiortc relay, which decodes and re-encodes.

This is what the aiortc examples suggest for a relay: the server's peer for
each leg receives a decoded track, and the other leg's sender encodes it
again. One process, signalling over a bare WebSocket
(``ws://127.0.0.1:PORT/?call=N&side=citizen|staff``: send the offer SDP, get
the answer SDP), and nothing else (no hall, no counters), so that the only
difference from the hall server's relay is the media path.

``python -m bench.transcode_relay --port PORT`` serves until killed.
"""

from __future__ import annotations

import argparse
import asyncio
from urllib.parse import parse_qs, urlparse

from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
from websockets.asyncio.server import ServerConnection, serve

from realtime.calls import ice


class Later(MediaStreamTrack):
    """Plays the other leg's decoded audio once that leg exists (silence never sent before)."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self.source: asyncio.Future[MediaStreamTrack] = asyncio.get_running_loop().create_future()

    async def recv(self):  # type: ignore[no-untyped-def]
        source = await self.source
        return await source.recv()


class Relay:
    def __init__(self) -> None:
        self.outs: dict[tuple[str, str], Later] = {}
        self.pcs: set[RTCPeerConnection] = set()

    async def handle(self, ws: ServerConnection) -> None:
        query = parse_qs(urlparse(ws.request.path if ws.request else "/").query)
        call, side = query["call"][0], query["side"][0]
        other = "staff" if side == "citizen" else "citizen"
        offer = str(await ws.recv())
        pc = RTCPeerConnection(ice.rtc_configuration([]))
        self.pcs.add(pc)
        out = self.outs.setdefault((call, side), Later())

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            # What this leg says is played to the other leg (decoded here, encoded there).
            target = self.outs.setdefault((call, other), Later())
            if not target.source.done():
                target.source.set_result(track)

        await pc.setRemoteDescription(RTCSessionDescription(offer, "offer"))
        pc.addTrack(out)
        with ice.host_addresses(["127.0.0.1"]):
            await pc.setLocalDescription(await pc.createAnswer())
        assert pc.localDescription is not None
        await ws.send(pc.localDescription.sdp)
        await ws.wait_closed()


async def main(port: int) -> None:
    ice.install()
    relay = Relay()
    async with serve(relay.handle, "127.0.0.1", port, compression=None):
        await asyncio.Future()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    asyncio.run(main(parser.parse_args().port))
