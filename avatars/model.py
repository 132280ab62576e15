"""Who is in the hall and what others see of them.

Pure data: roles, appearance, the profile sent once to clients that see an
avatar, and the small enums (animation, emote) that travel in snapshots.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

from avatars.model_urls import check_model_url
from avatars.names import check_display_name
from hall_server.errors import InvalidInput

__all__ = ["check_display_name"]  # the one rule for names lives in avatars.names


class Role(enum.StrEnum):
    """What an avatar is in the hall. Spectators see but have no body."""

    CITIZEN = "citizen"
    OFFICER = "officer"
    BOT = "bot"
    GUIDE = "guide"
    SPECTATOR = "spectator"

    @property
    def has_body(self) -> bool:
        return self is not Role.SPECTATOR

    @property
    def is_staff(self) -> bool:
        return self in (Role.OFFICER, Role.BOT, Role.GUIDE)


#: Token roles (hall_server.auth) mapped to the role their avatar takes.
#: Supervisors and admins walk as officers; guests as citizens without a NIK.
AVATAR_ROLE_FOR_TOKEN_ROLE: dict[str, Role] = {
    "citizen": Role.CITIZEN,
    "guest": Role.CITIZEN,
    "officer": Role.OFFICER,
    "supervisor": Role.OFFICER,
    "admin": Role.GUIDE,
    "guide": Role.GUIDE,
    "bot": Role.BOT,
    "spectator": Role.SPECTATOR,
}


class Anim(enum.IntEnum):
    """Body animation, one byte in snapshots."""

    IDLE = 0
    WALK = 1
    RUN = 2
    SIT = 3
    WAVE = 4
    TALK = 5


ANIM_BY_NAME: dict[str, Anim] = {a.name.lower(): a for a in Anim}


class Emote(enum.StrEnum):
    """One-off gestures, shown to those who see the avatar."""

    WAVE = "wave"
    NOD = "nod"
    BOW = "bow"
    CLAP = "clap"
    THUMBS_UP = "thumbs_up"
    POINT = "point"
    SALAM = "salam"


class Flag(enum.IntFlag):
    """Bits of the flags byte in a snapshot record."""

    SPEAKING = 1
    IDLE = 2  # connection dropped, within the resume grace period
    SEATED = 4
    STAFF = 8


_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_COLOUR_KEYS = ("skin", "hair", "top", "bottom", "accent")
DEFAULT_MODEL_URL = "assets/avatars/default.glb"


@dataclass(frozen=True, slots=True)
class Appearance:
    """How the avatar looks: a glTF model and a few colours (#rrggbb)."""

    model_url: str = DEFAULT_MODEL_URL
    colors: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, raw: object, model_url_prefixes: tuple[str, ...] = ()) -> Appearance:
        """Validate the ``appearance`` object of a join message; ``model_url_prefixes``
        is the operator's allow-list of model URL prefixes (avatars.model_urls)."""
        if raw is None:
            return cls()
        if not isinstance(raw, dict):
            raise InvalidInput("appearance must be an object", code="bad_type")
        model = check_model_url(raw.get("model_url", DEFAULT_MODEL_URL), model_url_prefixes)
        colors = raw.get("colors", {})
        if not isinstance(colors, dict):
            raise InvalidInput("appearance.colors must be an object", code="bad_type")
        pairs: list[tuple[str, str]] = []
        for key, value in colors.items():
            if key not in _COLOUR_KEYS:
                raise InvalidInput(
                    f"appearance.colors.{key} is not one of {', '.join(_COLOUR_KEYS)}",
                    code="bad_value",
                )
            if not isinstance(value, str) or not _COLOUR.match(value):
                raise InvalidInput(f"appearance.colors.{key} must be #rrggbb", code="bad_value")
            pairs.append((key, value.lower()))
        return cls(model_url=model, colors=tuple(sorted(pairs)))

    def to_json(self) -> dict[str, object]:
        return {"model_url": self.model_url, "colors": dict(self.colors)}


@dataclass(frozen=True, slots=True)
class Identity:
    """Who joins the hall, from a verified token. ``subject`` is pseudonymous."""

    subject: str
    role: Role
    display_name: str
    #: The token's role (citizen, guest, officer, supervisor, admin, bot, spectator):
    #: finer than ``role``, which is what others see.
    token_role: str = "guest"
    #: A citizen 60 or older by the NIK (priority queueing); False for everyone else.
    elderly: bool = False
    #: A signed-in citizen's own NIK (from the sealed token claim), for filing in their
    #: name; None for guests and staff. Never shown, logged or compared.
    nik: str | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Profile:
    """What does not change while an avatar is in the hall; sent once per viewer."""

    avatar_id: int
    display_name: str
    role: Role
    appearance: Appearance

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.avatar_id,
            "name": self.display_name,
            "role": self.role.value,
            "appearance": self.appearance.to_json(),
        }
