"""Voice and video at the counter: the hall server relays both legs of a counter call.

Pure parts (no asyncio, no aiortc): :mod:`.ogg` (Ogg Opus writing),
:mod:`.speaking` (audio level to the avatar's speaking flag), :mod:`.model`
(calls, legs, capacity and signalling checks). The aiortc edge:
:mod:`.ice` (host addresses, ICE servers), :mod:`.passthrough` (forward Opus
and VP8 packets without decoding) and :mod:`.manager` (the pump).
"""
