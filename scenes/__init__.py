"""Scenes: the floor plans of virtual service halls (format ``hall-scene/1``).

Pure: no asyncio, no web framework; the only I/O is reading a scene file in
:func:`scenes.loader.load_scene`.

- :mod:`scenes.model`: frozen values (Scene, Counter, Zone, ...).
- :mod:`scenes.loader`: ``load_scene``, ``parse_scene``, ``check_scene`` and ``Problem``.
- :mod:`scenes.spatial`: ``Floorplan``, vectorised walkability, steps and routes.
- :mod:`scenes.bundled`: ``demo_scene_path`` / ``load_demo_scene`` (MPP Kota Kendari).
- ``scene.schema.json``: the JSON Schema (draft 2020-12) of the format.

docs/scene-format.md describes the format.
"""
