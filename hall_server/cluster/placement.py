"""Which halls a node should take or give up: a fair share of the halls per live node.

Pure. Each renewal round a node looks at the lease rows and the live nodes
and decides. It takes free halls while it holds fewer than its fair share
(``ceil(halls / live nodes)``) and, when it holds more than
``floor(halls / live nodes)`` while another live node holds fewer, gives one
up (a graceful hand-over) for that node to take. Every node applies the same rule, so the cluster settles
on an even split; a free hall is always taken by some node because the fair
shares add up to at least the number of halls.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from hall_server.cluster.lease import Lease


@dataclass(frozen=True, slots=True)
class Moves:
    take: tuple[str, ...]
    give_up: tuple[str, ...]


def fair_share(halls: int, live_nodes: int) -> int:
    return math.ceil(halls / max(1, live_nodes))


def plan(
    node: str,
    leases: Iterable[Lease],
    live_nodes: Collection[str],
    *,
    now: float,
    draining: bool = False,
) -> Moves:
    """What ``node`` should take and give up now. A draining node takes nothing."""
    rows = sorted(leases, key=lambda lease: lease.hall_id)
    live = set(live_nodes) | {node}
    share = fair_share(len(rows), len(live))
    held = Counter(r.owner for r in rows if r.owner is not None and not r.free_at(now))
    mine = [r.hall_id for r in rows if r.held_by(node, now)]
    if draining:
        return Moves((), tuple(mine))
    free = [r.hall_id for r in rows if r.free_at(now)]
    room = max(0, share - len(mine))
    take = tuple(free[:room])
    give: tuple[str, ...] = ()
    floor = len(rows) // len(live)
    if len(mine) > floor and any(held.get(n, 0) < floor for n in live if n != node):
        give = (mine[-1],)
    return Moves(take, give)
