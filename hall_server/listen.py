"""The listening socket, made here so accepted connections get a bounded send buffer.

Linux autotunes a socket's send buffer up to several megabytes. For a client
that stops reading, that is megabytes of stale snapshots queued in the
kernel before the hall can notice (its mailbox only backs up once the kernel
buffer is full). Accepted sockets inherit SO_SNDBUF from the listening
socket, so fixing it here bounds that delay for every connection. 128 KiB
still covers a 100 ms round trip at about 10 Mbit/s, far above one client's
snapshot stream.
"""

from __future__ import annotations

import socket


def listening_socket(host: str, port: int, send_buffer_bytes: int | None) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if send_buffer_bytes:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer_bytes)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock
