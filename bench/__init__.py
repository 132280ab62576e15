"""Benchmarks of the hall server: `make bench` runs :mod:`bench.run`.

- :mod:`bench.scene_plaza`: the open load-test hall (a generated scene).
- :mod:`bench.loadgen`: real WebSocket clients that walk, propose moves and
  decode every snapshot, measuring what a citizen's client would see.
- :mod:`bench.naive_server`: the baseline the hall server is compared with.
- :mod:`bench.run`: starts the servers, drives the load, writes results.
"""
