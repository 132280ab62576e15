"""appearance.model_url: the hall's own assets, or an operator's allow-list; nothing else."""

from __future__ import annotations

import pytest

from avatars.model import DEFAULT_MODEL_URL, Appearance
from avatars.model_urls import check_model_url
from hall_server.errors import InvalidInput
from hall_server.settings import Settings

CDN = ("https://cdn.example.go.id/avatars/",)


@pytest.mark.parametrize(
    "url",
    [
        DEFAULT_MODEL_URL,
        "/assets/avatars/default.glb",
        "assets/avatars/petugas_2.vrm",
        "/assets/x.gltf",
    ],
)
def test_the_halls_own_assets_pass(url):
    assert check_model_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "http://evil.example/x.glb",
        "https://evil.example/assets/x.glb",
        "//evil.example/assets/x.glb",
        "javascript:alert(1)//x.glb",
        "data:model/gltf-binary;base64,AAAA.glb",
        "../../etc/passwd.glb",
        "/assets/../../etc/passwd.glb",
        "assets/avatars/../../x.glb",
        "assets/./x.glb",
        "assets//x.glb",
        "/assets/%2e%2e/x.glb",
        "/assets/x.glb?.glb",
        "/assets/x.glb#.glb",
        "assets\\..\\x.glb",
        "/assets/.hidden.glb",
        "/assets/x.png",
        "/static/x.glb",
        "/assets/" + "a" * 300 + ".glb",
        "",
    ],
)
def test_anything_else_is_bad_value(url):
    with pytest.raises(InvalidInput) as refused:
        check_model_url(url, CDN)
    assert refused.value.code == "bad_value"


def test_an_allow_listed_prefix_passes_with_a_plain_path_only():
    assert check_model_url(CDN[0] + "kebaya/merah.glb", CDN) == CDN[0] + "kebaya/merah.glb"
    for url in (CDN[0] + "../x.glb", CDN[0] + "a/%2F/x.glb", "https://cdn.example.go.id/other.glb"):
        with pytest.raises(InvalidInput):
            check_model_url(url, CDN)
    with pytest.raises(InvalidInput):
        check_model_url(CDN[0] + "kebaya/merah.glb")  # not without the allow-list


def test_a_join_appearance_uses_the_rule():
    with pytest.raises(InvalidInput) as refused:
        Appearance.parse({"model_url": "http://evil.example/x.glb"})
    assert refused.value.code == "bad_value"
    with pytest.raises(InvalidInput) as refused:
        Appearance.parse({"model_url": 5})
    assert refused.value.code == "bad_type"
    assert Appearance.parse({"model_url": "/assets/a.glb"}).model_url == "/assets/a.glb"


def test_the_allow_list_setting_is_read_and_checked():
    settings = Settings.from_env(
        {"HALL_MODEL_URL_ALLOW": "https://cdn.example.go.id/avatars/, https://x.example/m/"}
    )
    assert settings.model_url_prefixes == (CDN[0], "https://x.example/m/")
    for bad in ("https://cdn.example.go.id", "javascript:x/", "https://a.example/../"):
        with pytest.raises(InvalidInput, match="HALL_MODEL_URL_ALLOW"):
            Settings.from_env({"HALL_MODEL_URL_ALLOW": bad})
