"""The service catalogue: what each counter offers, by what standard, with which form.

Every service publishes its Standar Pelayanan (the six public components of
PermenPAN-RB 15/2014: requirements, steps, time to complete, fee, product,
complaints), the form fields to collect, the counters and the ticket group
letter of its queue, what a bot may do with it and its average service time.
docs/services.md describes the bundled catalogue and its sources.

:func:`check_catalogue` returns every problem of a decoded catalogue with the
JSON path of the offending value: first those of the JSON Schema
(counters/catalogue.schema.json), and only when there are none the semantic
ones (unique codes and group letters, a civil-registry fee other than 0,
unknown variants...). :func:`parse_catalogue` and :func:`load_catalogue`
return a :class:`Catalogue` or raise :class:`CatalogueError` carrying them.

Reading the data file and the schema (bundled next to this module, through
importlib.resources) is the only I/O of this module.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from importlib import resources
from typing import Any, Literal, cast

import jsonschema

from hall_server.errors import HallError, NotFound
from scenes.model import Counter, Scene

FORMAT = "hall-catalogue/1"
#: Languages of every user-facing text; ``id`` (Bahasa Indonesia) is the default.
Lang = Literal["id", "en"]
LANGS: tuple[Lang, ...] = ("id", "en")
#: Name of the select field the loader adds to a service with variants.
VARIANT_FIELD = "variant"

_RELATIVE_DATE = re.compile(r"^today(?:([+-])(\d{1,4})([dy]))?$")


class CatalogueError(HallError):
    """A catalogue file failed validation. ``problems`` lists each one."""

    code = "catalogue_invalid"
    http_status = 500

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems or [])


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a catalogue: where (a JSON path) and what."""

    #: JSON path of the offending value, e.g. ``$.services[2].standar.fee``.
    path: str
    #: Short English explanation naming the rule that failed.
    message: str


class BotCapability(StrEnum):
    """How far a bot may take a request without an officer."""

    #: A bot may serve it to the end (the product is issued by a system by rule).
    COMPLETE = "complete"
    #: A bot may collect the form and the checklist and file it; an officer decides.
    FILE = "file"
    #: An officer serves it from the start (judgement or care is needed at once).
    OFFICER = "officer"

    @property
    def rank(self) -> int:
        """2 for COMPLETE, 1 for FILE, 0 for OFFICER: higher means more for a bot."""
        return {"complete": 2, "file": 1, "officer": 0}[self.value]


class Agency(StrEnum):
    """The office behind a service (its wing of the hall)."""

    DUKCAPIL = "dukcapil"
    DPMPTSP = "dpmptsp"


class FeeKind(StrEnum):
    FREE = "free"
    FIXED = "fixed"
    #: A levy or tax set by a formula of a regulation, described in the fee's text.
    LEVY = "levy"


class FieldType(StrEnum):
    TEXT = "text"
    NIK = "nik"
    DATE = "date"
    PHONE = "phone"
    EMAIL = "email"
    SELECT = "select"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DOCUMENT = "document"


@dataclass(frozen=True, slots=True)
class Text:
    """A user-facing text in Bahasa Indonesia (``id``) and English (``en``)."""

    id: str
    en: str

    def get(self, lang: Lang) -> str:
        return self.en if lang == "en" else self.id

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "en": self.en}


@dataclass(frozen=True, slots=True)
class DateBound:
    """A date limit: fixed (``2000-01-31``) or relative (``today``, ``today-60d``, ``today+1y``)."""

    #: The expression as written in the catalogue.
    source: str
    fixed: date | None = None
    days: int = 0
    years: int = 0

    @classmethod
    def parse(cls, source: str) -> DateBound:
        """Parse an expression; ``ValueError`` if it is neither form."""
        match = _RELATIVE_DATE.match(source)
        if match is None:
            return cls(source, fixed=date.fromisoformat(source))
        sign, amount, unit = match.groups()
        n = (-1 if sign == "-" else 1) * int(amount or 0)
        return cls(source, days=n if unit == "d" else 0, years=n if unit == "y" else 0)

    def resolve(self, today: date) -> date:
        if self.fixed is not None:
            return self.fixed
        year = today.year + self.years
        # 29 February shifted to a common year becomes 28 February.
        day = min(today.day, 28) if (today.month, today.day) == (2, 29) else today.day
        shifted = today.replace(year=year, day=day) if self.years else today
        return shifted + timedelta(days=self.days)


@dataclass(frozen=True, slots=True)
class Option:
    """One choice of a select field."""

    value: str
    label: Text


@dataclass(frozen=True, slots=True)
class FormField:
    """A field of a service's form and its validation (counters.forms applies it).

    Only the attributes of its ``type`` are set: lengths and pattern for text,
    ``min_value``/``max_value``/``integer`` for number, dates for date,
    ``options`` for select, ``must_be_true`` for boolean.
    """

    name: str
    type: FieldType
    label: Text
    help: Text | None = None
    required: bool = True
    #: Variant codes the field is asked for; empty: every variant.
    variants: tuple[str, ...] = ()
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    #: Says what the pattern wants ("16 digits"), for error messages.
    pattern_hint: Text | None = None
    min_value: float | None = None
    max_value: float | None = None
    integer: bool = False
    min_date: DateBound | None = None
    max_date: DateBound | None = None
    options: tuple[Option, ...] = ()
    must_be_true: bool = False

    def applies_to(self, variant: str | None) -> bool:
        return not self.variants or variant in self.variants

    def to_json(self, lang: Lang) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "type": self.type.value,
            "label": self.label.get(lang),
            "help": self.help.get(lang) if self.help else None,
            "required": self.required,
            "variants": list(self.variants),
        }
        extras: dict[str, Any] = {
            "min_length": self.min_length,
            "max_length": self.max_length,
            "pattern": self.pattern,
            "pattern_hint": self.pattern_hint.get(lang) if self.pattern_hint else None,
            "min": self.min_value,
            "max": self.max_value,
            "min_date": self.min_date.source if self.min_date else None,
            "max_date": self.max_date.source if self.max_date else None,
        }
        out.update({key: value for key, value in extras.items() if value is not None})
        if self.type is FieldType.NUMBER:
            out["integer"] = self.integer
        if self.type is FieldType.BOOLEAN:
            out["must_be_true"] = self.must_be_true
        if self.options:
            out["options"] = [{"value": o.value, "label": o.label.get(lang)} for o in self.options]
        return out


@dataclass(frozen=True, slots=True)
class Requirement:
    """A document (persyaratan) the citizen brings or shows."""

    id: str
    text: Text
    #: Document ids any one of which satisfies it (``surat_lahir`` or ``sptjm_kelahiran``).
    accepts: tuple[str, ...]
    #: Needed only in the case its text names; never counted as missing.
    conditional: bool = False
    #: Variant codes it applies to; empty: every variant.
    variants: tuple[str, ...] = ()

    def applies_to(self, variant: str | None) -> bool:
        return not self.variants or variant is None or variant in self.variants

    def to_json(self, lang: Lang) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text.get(lang),
            "accepts": list(self.accepts),
            "conditional": self.conditional,
            "variants": list(self.variants),
        }


@dataclass(frozen=True, slots=True)
class Fee:
    kind: FeeKind
    #: In rupiah; 0 when free, ``None`` for a levy computed by formula.
    amount_idr: int | None
    #: What is paid and why, with its legal basis (the formula for a levy).
    text: Text


@dataclass(frozen=True, slots=True)
class Completion:
    """Jangka waktu penyelesaian."""

    text: Text
    #: Published limit in working days (0: the same day); ``None`` when not confirmed.
    max_working_days: int | None


@dataclass(frozen=True, slots=True)
class StandarPelayanan:
    """The six public components of a service standard (PermenPAN-RB 15/2014)."""

    requirements: tuple[Requirement, ...]
    steps: tuple[Text, ...]
    completion: Completion
    fee: Fee
    product: Text
    complaints: Text

    def to_json(self, lang: Lang) -> dict[str, Any]:
        return {
            "requirements": [r.to_json(lang) for r in self.requirements],
            "steps": [step.get(lang) for step in self.steps],
            "completion": {
                "text": self.completion.text.get(lang),
                "max_working_days": self.completion.max_working_days,
            },
            "fee": {
                "kind": self.fee.kind.value,
                "amount_idr": self.fee.amount_idr,
                "text": self.fee.text.get(lang),
            },
            "product": self.product.get(lang),
            "complaints": self.complaints.get(lang),
        }


@dataclass(frozen=True, slots=True)
class Variant:
    """A kind of request within a service (KTP-el: first issue, lost, damaged, change)."""

    code: str
    name: Text
    bot: BotCapability


@dataclass(frozen=True, slots=True)
class Service:
    """One service: its ticket queue, standard, form and who may serve it."""

    code: str
    #: Ticket letter of its queue (``A`` → tickets A-001, A-002...).
    group: str
    agency: Agency
    #: A population document: free by law (UU 24/2013 art. 79A).
    civil_registry: bool
    name: Text
    summary: Text
    variants: tuple[Variant, ...]
    standar: StandarPelayanan
    #: The form, the ``variant`` select first when there are variants.
    fields: tuple[FormField, ...]
    #: Counter ids of the bundled demo scene that serve it.
    counters: tuple[str, ...]
    #: The most a bot may do for any of its variants.
    bot: BotCapability
    #: Mean minutes at the counter, for wait estimates.
    avg_service_min: float
    sources: tuple[str, ...] = ()
    unconfirmed: tuple[str, ...] = ()

    def variant(self, code: str) -> Variant:
        """The variant with this code; ``KeyError`` if there is none."""
        for variant in self.variants:
            if variant.code == code:
                return variant
        raise KeyError(code)

    def bot_for(self, variant: str | None) -> BotCapability:
        """What a bot may do for this variant (the service's own level without one)."""
        return self.variant(variant).bot if variant is not None and self.variants else self.bot

    def field(self, name: str) -> FormField:
        """The field with this name; ``KeyError`` if there is none."""
        for form_field in self.fields:
            if form_field.name == name:
                return form_field
        raise KeyError(name)

    def fields_for(self, variant: str | None) -> tuple[FormField, ...]:
        return tuple(f for f in self.fields if f.applies_to(variant))

    def requirements_for(self, variant: str | None) -> tuple[Requirement, ...]:
        """Requirements of this variant; every requirement when ``variant`` is None."""
        return tuple(r for r in self.standar.requirements if r.applies_to(variant))

    def to_json(self, lang: Lang = "id") -> dict[str, Any]:
        """The service as the API shows it, every text in ``lang``."""
        return {
            "code": self.code,
            "group": self.group,
            "agency": self.agency.value,
            "civil_registry": self.civil_registry,
            "name": self.name.get(lang),
            "summary": self.summary.get(lang),
            "variants": [
                {"code": v.code, "name": v.name.get(lang), "bot": v.bot.value}
                for v in self.variants
            ],
            "standar": self.standar.to_json(lang),
            "fields": [f.to_json(lang) for f in self.fields],
            "counters": list(self.counters),
            "bot": self.bot.value,
            "avg_service_min": self.avg_service_min,
        }


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Every service of the hall, in file order."""

    services: tuple[Service, ...]

    def __iter__(self) -> Iterator[Service]:
        return iter(self.services)

    def __len__(self) -> int:
        return len(self.services)

    def __contains__(self, code: object) -> bool:
        return any(service.code == code for service in self.services)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(service.code for service in self.services)

    def service(self, code: str) -> Service:
        """The service with this code; :class:`NotFound` ``unknown_service`` if none."""
        for service in self.services:
            if service.code == code:
                return service
        raise NotFound("no service has this code", code="unknown_service")

    def by_group(self, letter: str) -> Service:
        """The service whose tickets carry ``letter``; :class:`NotFound` ``unknown_group``."""
        for service in self.services:
            if service.group == letter:
                return service
        raise NotFound("no service has this ticket group letter", code="unknown_group")

    def services_for_counter(self, counter: Counter | str) -> tuple[Service, ...]:
        """What a counter offers.

        For a scene :class:`~scenes.model.Counter`, the services it lists
        (the scene decides; codes the catalogue lacks are left out, see
        :func:`check_against_scene`), in its order. For a counter id, the
        services whose ``counters`` name it (the demo scene's mapping).
        """
        if isinstance(counter, str):
            return tuple(s for s in self.services if counter in s.counters)
        return tuple(self.service(code) for code in counter.services if code in self)

    def to_json(self, lang: Lang = "id") -> list[dict[str, Any]]:
        return [service.to_json(lang) for service in self.services]


@dataclass(frozen=True, slots=True)
class SceneMismatch:
    """A disagreement between a catalogue and a scene's counters."""

    message: str
    service: str | None = None
    counter: str | None = None


def check_against_scene(catalogue: Catalogue, scene: Scene) -> list[SceneMismatch]:
    """Every disagreement between ``catalogue`` and ``scene``.

    Reported: a service no counter of the scene offers; a code a counter
    lists that the catalogue lacks; a counter the catalogue names for a
    service that exists in the scene but does not list it. Counter ids the
    scene lacks are not reported, since ``Service.counters`` names the demo
    scene's counters and other scenes use other ids.
    """
    problems: list[SceneMismatch] = []
    for counter in scene.counters:
        for code in counter.services:
            if code not in catalogue:
                problems.append(
                    SceneMismatch(
                        f"counter {counter.id} offers {code}, not in the catalogue",
                        code,
                        counter.id,
                    )
                )
    scene_ids = {counter.id for counter in scene.counters}
    for service in catalogue:
        if not scene.counters_for(service.code):
            problems.append(
                SceneMismatch(f"no counter of scene {scene.id} offers {service.code}", service.code)
            )
        for counter_id in service.counters:
            if counter_id in scene_ids and not scene.counter(counter_id).serves(service.code):
                problems.append(
                    SceneMismatch(
                        f"{service.code} names counter {counter_id}, which does not list it",
                        service.code,
                        counter_id,
                    )
                )
    return problems


# Loading and checking ----------------------------------------------------------------


def bundled_catalogue_path() -> str:
    """Path of counters/data/services.json, the catalogue shipped with the package."""
    return str(resources.files("counters").joinpath("data", "services.json"))


@functools.cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(
        resources.files("counters").joinpath("catalogue.schema.json").read_text("utf-8")
    )
    return jsonschema.Draft202012Validator(schema)


def _json_path(parts: Iterable[str | int]) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


def check_catalogue(data: object) -> list[Problem]:
    """Every problem of a decoded catalogue; an empty list means it is valid."""
    schema_problems = [
        Problem(_json_path(error.absolute_path), error.message)
        for error in sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.path)))
    ]
    if schema_problems:
        return schema_problems
    return list(_semantic_problems(cast(Mapping[str, Any], data)))


def _semantic_problems(data: Mapping[str, Any]) -> Iterator[Problem]:
    codes: dict[str, int] = {}
    groups: dict[str, str] = {}
    for i, raw in enumerate(data["services"]):
        at = f"$.services[{i}]"
        code = raw["code"]
        if code in codes:
            yield Problem(
                f"{at}.code", f"code {code} is used twice (first at services[{codes[code]}])"
            )
        codes.setdefault(code, i)
        if raw["group"] in groups:
            yield Problem(
                f"{at}.group", f"group letter {raw['group']} is already {groups[raw['group']]}'s"
            )
        groups.setdefault(raw["group"], code)
        yield from _fee_problems(raw, at)
        variants = [v["code"] for v in raw.get("variants", [])]
        if len(set(variants)) != len(variants):
            yield Problem(f"{at}.variants", "variant codes must be unique")
        if variants:
            best = max((BotCapability(v["bot"]) for v in raw["variants"]), key=lambda b: b.rank)
            if raw["bot"] != best.value:
                yield Problem(f"{at}.bot", f"must be {best.value}, the most any variant allows")
        yield from _refs_problems(
            raw["standar"]["requirements"], "id", variants, f"{at}.standar.requirements"
        )
        yield from _refs_problems(raw["fields"], "name", variants, f"{at}.fields")
        for j, form_field in enumerate(raw["fields"]):
            yield from _field_problems(form_field, f"{at}.fields[{j}]")


def _fee_problems(raw: Mapping[str, Any], at: str) -> Iterator[Problem]:
    fee = raw["standar"]["fee"]
    amount = fee.get("amount_idr")
    path = f"{at}.standar.fee"
    if raw["civil_registry"] and (fee["kind"] != "free" or amount != 0):
        yield Problem(
            path,
            "a civil-registry service is free by law (UU 24/2013 art. 79A): kind free, amount_idr 0",
        )
    elif fee["kind"] == "free" and amount != 0:
        yield Problem(f"{path}.amount_idr", "a free service has amount_idr 0")
    elif fee["kind"] == "fixed" and not amount:
        yield Problem(f"{path}.amount_idr", "a fixed fee needs a positive amount_idr")
    elif fee["kind"] == "levy" and amount is not None:
        yield Problem(
            f"{path}.amount_idr", "a levy is described by its formula: amount_idr must be null"
        )


def _refs_problems(
    items: list[Mapping[str, Any]], key: str, variants: list[str], at: str
) -> Iterator[Problem]:
    seen: set[str] = set()
    for j, item in enumerate(items):
        if item[key] in seen:
            yield Problem(f"{at}[{j}].{key}", f"{item[key]} is used twice")
        if item[key] == VARIANT_FIELD and key == "name":
            yield Problem(f"{at}[{j}].name", f"{VARIANT_FIELD} is reserved for the variant select")
        seen.add(item[key])
        for code in item.get("variants", []):
            if code not in variants:
                yield Problem(f"{at}[{j}].variants", f"unknown variant {code}")


def _field_problems(raw: Mapping[str, Any], at: str) -> Iterator[Problem]:
    if "pattern" in raw:
        try:
            re.compile(raw["pattern"])
        except re.error as exc:
            yield Problem(f"{at}.pattern", f"not a regular expression: {exc}")
    for low, high in (("min_length", "max_length"), ("min", "max")):
        if raw["type"] != "date" and low in raw and high in raw and raw[low] > raw[high]:
            yield Problem(f"{at}.{low}", f"{low} is above {high}")
    if raw["type"] == "date":
        for key in ("min", "max"):
            if key in raw:
                try:
                    DateBound.parse(raw[key])
                except ValueError:
                    yield Problem(f"{at}.{key}", f"not a date: {raw[key]}")
    values = [o["value"] for o in raw.get("options", [])]
    if len(set(values)) != len(values):
        yield Problem(f"{at}.options", "option values must be unique")


def parse_catalogue(data: object) -> Catalogue:
    """Check a decoded catalogue and build it; :class:`CatalogueError` with every problem."""
    problems = check_catalogue(data)
    if problems:
        raise CatalogueError(f"catalogue has {len(problems)} problem(s)", problems)
    return Catalogue(tuple(_service(raw) for raw in cast(Mapping[str, Any], data)["services"]))


def load_catalogue(path: str | os.PathLike[str] | None = None) -> Catalogue:
    """Read, check and build a catalogue file (the bundled one by default)."""
    if path is None:
        text = resources.files("counters").joinpath("data", "services.json").read_text("utf-8")
    else:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise CatalogueError("catalogue is not JSON", [Problem("$", str(exc))]) from None
    return parse_catalogue(data)


def _text(raw: Mapping[str, str]) -> Text:
    return Text(id=raw["id"], en=raw["en"])


def _service(raw: Mapping[str, Any]) -> Service:
    standar = raw["standar"]
    variants = tuple(
        Variant(v["code"], _text(v["name"]), BotCapability(v["bot"]))
        for v in raw.get("variants", [])
    )
    fields = tuple(_field(f) for f in raw["fields"])
    if variants:
        fields = (_variant_field(variants), *fields)
    return Service(
        code=raw["code"],
        group=raw["group"],
        agency=Agency(raw["agency"]),
        civil_registry=raw["civil_registry"],
        name=_text(raw["name"]),
        summary=_text(raw["summary"]),
        variants=variants,
        standar=StandarPelayanan(
            requirements=tuple(
                Requirement(
                    id=r["id"],
                    text=_text(r["text"]),
                    accepts=tuple(r.get("accepts", [r["id"]])),
                    conditional=r.get("conditional", False),
                    variants=tuple(r.get("variants", [])),
                )
                for r in standar["requirements"]
            ),
            steps=tuple(_text(step) for step in standar["steps"]),
            completion=Completion(
                _text(standar["completion"]["text"]), standar["completion"].get("max_working_days")
            ),
            fee=Fee(
                FeeKind(standar["fee"]["kind"]),
                standar["fee"].get("amount_idr"),
                _text(standar["fee"]["text"]),
            ),
            product=_text(standar["product"]),
            complaints=_text(standar["complaints"]),
        ),
        fields=fields,
        counters=tuple(raw["counters"]),
        bot=BotCapability(raw["bot"]),
        avg_service_min=float(raw["avg_service_min"]),
        sources=tuple(raw.get("sources", [])),
        unconfirmed=tuple(raw.get("unconfirmed", [])),
    )


def _variant_field(variants: tuple[Variant, ...]) -> FormField:
    return FormField(
        name=VARIANT_FIELD,
        type=FieldType.SELECT,
        label=Text("Jenis permohonan", "Type of request"),
        options=tuple(Option(v.code, v.name) for v in variants),
    )


def _field(raw: Mapping[str, Any]) -> FormField:
    kind = FieldType(raw["type"])
    is_date = kind is FieldType.DATE
    return FormField(
        name=raw["name"],
        type=kind,
        label=_text(raw["label"]),
        help=_text(raw["help"]) if "help" in raw else None,
        required=raw.get("required", True),
        variants=tuple(raw.get("variants", [])),
        min_length=raw.get("min_length"),
        max_length=raw.get("max_length"),
        pattern=raw.get("pattern"),
        pattern_hint=_text(raw["pattern_hint"]) if "pattern_hint" in raw else None,
        min_value=None if is_date or "min" not in raw else float(raw["min"]),
        max_value=None if is_date or "max" not in raw else float(raw["max"]),
        integer=raw.get("integer", False),
        min_date=DateBound.parse(raw["min"]) if is_date and "min" in raw else None,
        max_date=DateBound.parse(raw["max"]) if is_date and "max" in raw else None,
        options=tuple(Option(o["value"], _text(o["label"])) for o in raw.get("options", [])),
        must_be_true=raw.get("must_be_true", False),
    )
