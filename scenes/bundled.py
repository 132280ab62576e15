"""The demo scene shipped with the package (Mal Pelayanan Publik Kota Kendari)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from scenes.loader import load_scene
from scenes.model import Scene

DEMO_SCENE_ID = "mpp-kendari"


def demo_scene_path() -> Path:
    """Path of scenes/data/mpp-kendari.json, for serving the file's bytes as they are."""
    resource = resources.files("scenes").joinpath("data", f"{DEMO_SCENE_ID}.json")
    # The package is always installed as plain files (never zipped), so the
    # resource is a real path the server can stream.
    return Path(str(resource))


def load_demo_scene() -> Scene:
    """The demo scene, checked and parsed."""
    return load_scene(demo_scene_path())
