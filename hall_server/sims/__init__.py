"""Simulated back offices: the civil registry (Dukcapil) and the permit service (OSS).

Each sim is a small FastAPI app runnable as its own process
(``python -m hall_server.sims civil-registry --port 9101``, or
``hall-server sim civil-registry``), modelled on the real back office it
stands for, so that the hall's hand-off can be tested end to end against
something that authenticates, deduplicates, is slow, fails and calls back.
docs/backoffice-sims.md describes the endpoints, statuses and fault controls.

Modules:

- :mod:`.config`: the frozen :class:`SimConfig` read from the command line.
- :mod:`.store`: the sim's own durable SQLite records (submissions,
  idempotency keys, outgoing webhooks).
- :mod:`.faults`: fault injection (down, 5xx, timeouts, slowness, lost callbacks).
- :mod:`.webhooks`: Standard Webhooks signing, verification and the sender.
- :mod:`.base`: what both sims share: auth, the fault gate, idempotent
  submission, status progression over time, the admin endpoints.
- :mod:`.civil_registry` and :mod:`.permits`: the two back offices.
- :mod:`.cli`: the ``sim`` commands.
"""
