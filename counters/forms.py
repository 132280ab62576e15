"""Checking a service's form and its requirements checklist: pure.

:func:`validate_form` applies the fields of a :class:`~counters.catalogue.Service`
to what a citizen (or a bot on their behalf) entered and returns the cleaned
values, or raises :class:`FormInvalid` naming every invalid field with a
message in Bahasa Indonesia and English. Messages never repeat what was
entered, so a NIK typed into the wrong field never comes back in an error.

The date rules are relative to ``today``, which the caller passes: nothing
here reads the clock.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import date

from avatars.nik import check_nik
from counters.catalogue import VARIANT_FIELD, FieldType, FormField, Requirement, Service
from hall_server.errors import InvalidInput, InvalidNik

#: A message per language: ``{"id": ..., "en": ...}``.
Message = dict[str, str]

#: Indonesian mobile numbers: 08 (or 628, +628), 10 to 13 digits in the 08 form.
_PHONE = re.compile(r"^(?:\+?62|0)(8[1-9][0-9]{7,10})$")
_PHONE_SEPARATORS = str.maketrans("", "", " .-()")
_EMAIL = re.compile(
    r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
_FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
#: Key under which FormInvalid reports unknown names that do not look like field names.
UNKNOWN_FIELDS = "_unknown"
_DOCUMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
#: Longest value of any field without its own max_length.
MAX_VALUE_LENGTH = 1000
_TRUE = {"true", "1", "yes", "ya", "on"}
_FALSE = {"false", "0", "no", "tidak", "off"}

#: InvalidNik reasons (avatars.nik) in Bahasa Indonesia, by their English start.
_NIK_REASONS_ID = (
    ("NIK is empty", "NIK kosong"),
    ("NIK must contain only digits", "NIK hanya boleh berisi angka"),
    ("NIK must have", "NIK harus 16 angka"),
    (
        "NIK has an impossible birth day",
        "Tanggal lahir dalam NIK tidak mungkin (1-31, atau 41-71 untuk perempuan)",
    ),
    ("NIK has an impossible birth date", "Tanggal lahir dalam NIK tidak mungkin"),
    ("NIK has an unknown province", "Kode provinsi atau kabupaten/kota dalam NIK tidak dikenal"),
    ("NIK serial number", "Nomor urut NIK (4 angka terakhir) tidak boleh 0000"),
)


class FormInvalid(InvalidInput):
    """Some fields of a form are invalid; ``fields`` maps each to its message per language."""

    code = "invalid_form"
    http_status = 422

    def __init__(self, fields: Mapping[str, Message]) -> None:
        super().__init__("invalid fields: " + ", ".join(sorted(fields)))
        self.fields: dict[str, Message] = dict(fields)


class _Bad(Exception):
    """One field's value is wrong (internal: collected into FormInvalid)."""

    def __init__(self, id: str, en: str) -> None:
        super().__init__(en)
        self.msg = {"id": id, "en": en}


def validate_form(service: Service, data: Mapping[str, object], *, today: date) -> dict[str, str]:
    """The cleaned values of ``data`` for ``service``'s form, as strings.

    A service with variants needs ``variant`` (one of its codes); the fields of
    other variants are then not asked for and are left out of the result.
    Empty strings and ``None`` count as missing; optional missing fields are
    left out. Names the form does not have are errors. Raises
    :class:`FormInvalid` naming every invalid field at once.

    Cleaned forms: NIK 16 digits; phone ``+628...``; email with a lower-case
    domain; date ISO; number without a trailing ``.0``; boolean ``true`` or
    ``false``; text stripped.
    """
    errors: dict[str, Message] = {}
    cleaned: dict[str, str] = {}
    known = {form_field.name for form_field in service.fields}
    for name in data:
        if name not in known:
            # A key that does not look like a field name may be a value typed
            # in the wrong place (even a NIK): report it without repeating it.
            key = name if _FIELD_NAME.match(name) else UNKNOWN_FIELDS
            errors[key] = {
                "id": "Isian ini tidak ada di formulir",
                "en": "This form has no such field",
            }
    variant: str | None = None
    if service.variants:
        try:
            variant = _clean(service.field(VARIANT_FIELD), data.get(VARIANT_FIELD), today)
        except _Bad as bad:
            errors[VARIANT_FIELD] = bad.msg
            # Without a valid variant only the fields common to all are checked.
    for form_field in service.fields:
        if form_field.name == VARIANT_FIELD:
            if variant is not None:
                cleaned[VARIANT_FIELD] = variant
            continue
        if not form_field.applies_to(variant):
            continue  # asked only for other variants
        try:
            value = _clean(form_field, data.get(form_field.name), today)
        except _Bad as bad:
            errors[form_field.name] = bad.msg
            continue
        if value is not None:
            cleaned[form_field.name] = value
    if errors:
        raise FormInvalid(errors)
    return cleaned


def checklist(
    service: Service, provided: set[str], *, variant: str | None = None
) -> list[tuple[Requirement, bool]]:
    """Each requirement of ``service`` (of ``variant``, if given) and whether it is met.

    ``provided`` holds the ids of documents the citizen has shown or
    uploaded; a requirement is met by any id it accepts (``surat_lahir`` or
    ``sptjm_kelahiran``). Conditional ones are listed too: see
    :func:`missing` for what still blocks filing.
    """
    return [
        (requirement, any(doc in provided for doc in requirement.accepts))
        for requirement in service.requirements_for(variant)
    ]


def missing(items: list[tuple[Requirement, bool]]) -> list[Requirement]:
    """The unmet requirements of a :func:`checklist` that are not conditional."""
    return [requirement for requirement, met in items if not met and not requirement.conditional]


def _clean(form_field: FormField, raw: object, today: date) -> str | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if form_field.required or form_field.must_be_true:
            raise _Bad("Wajib diisi", "Required")
        return None
    if isinstance(raw, str) and len(raw) > max(form_field.max_length or 0, MAX_VALUE_LENGTH):
        raise _Bad("Terlalu panjang", "Too long")
    return _CLEANERS[form_field.type](form_field, raw, today)


def _as_str(raw: object) -> str:
    if not isinstance(raw, str):
        raise _Bad("Harus berupa teks", "Must be text")
    return raw.strip()


def _text(form_field: FormField, raw: object, today: date) -> str:
    value = " ".join(_as_str(raw).split())
    if form_field.min_length is not None and len(value) < form_field.min_length:
        n = form_field.min_length
        raise _Bad(f"Paling sedikit {n} karakter", f"At least {n} characters")
    if form_field.max_length is not None and len(value) > form_field.max_length:
        n = form_field.max_length
        raise _Bad(f"Paling banyak {n} karakter", f"At most {n} characters")
    if form_field.pattern is not None and not re.fullmatch(form_field.pattern, value):
        hint = form_field.pattern_hint
        raise _Bad(
            f"Format tidak sesuai ({hint.id})" if hint else "Format tidak sesuai",
            f"Wrong format ({hint.en})" if hint else "Wrong format",
        )
    return value


def _nik(form_field: FormField, raw: object, today: date) -> str:
    try:
        return check_nik(_as_str(raw))
    except InvalidNik as exc:
        # The reason from check_nik names the rule, never the digits.
        reason = str(exc)
        for start, translated in _NIK_REASONS_ID:
            if reason.startswith(start):
                raise _Bad(translated, reason) from None
        raise _Bad("NIK tidak valid", "Invalid NIK") from None


def _date(form_field: FormField, raw: object, today: date) -> str:
    try:
        value = date.fromisoformat(_as_str(raw))
    except ValueError:
        raise _Bad(
            "Tanggal tidak valid (format TTTT-BB-HH)", "Invalid date (format YYYY-MM-DD)"
        ) from None
    if form_field.max_date is not None and value > (limit := form_field.max_date.resolve(today)):
        if form_field.max_date.source == "today":
            raise _Bad("Tidak boleh di masa depan", "Cannot be in the future")
        raise _Bad(f"Paling lambat {limit.isoformat()}", f"No later than {limit.isoformat()}")
    if form_field.min_date is not None and value < (limit := form_field.min_date.resolve(today)):
        raise _Bad(f"Paling awal {limit.isoformat()}", f"No earlier than {limit.isoformat()}")
    return value.isoformat()


def _phone(form_field: FormField, raw: object, today: date) -> str:
    match = _PHONE.match(_as_str(raw).translate(_PHONE_SEPARATORS))
    if match is None:
        raise _Bad(
            "Nomor HP Indonesia tidak valid (08… atau +628…)",
            "Not an Indonesian mobile number (08… or +628…)",
        )
    return "+62" + match.group(1)


def _email(form_field: FormField, raw: object, today: date) -> str:
    value = _as_str(raw)
    if len(value) > 254 or not _EMAIL.match(value):
        raise _Bad("Alamat email tidak valid", "Invalid email address")
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def _select(form_field: FormField, raw: object, today: date) -> str:
    value = _as_str(raw)
    if value not in {option.value for option in form_field.options}:
        raise _Bad("Pilihan tidak tersedia", "Not one of the choices")
    return value


def _number(form_field: FormField, raw: object, today: date) -> str:
    if isinstance(raw, bool):
        raise _Bad("Harus berupa angka", "Must be a number")
    if isinstance(raw, int | float):
        try:
            value = float(raw)
        except OverflowError:  # an integer of hundreds of digits: no amount on any form
            raise _Bad("Angka terlalu besar", "Number too large") from None
    else:
        try:
            value = float(_as_str(raw).replace(",", "."))
        except ValueError:
            raise _Bad("Harus berupa angka", "Must be a number") from None
    if not math.isfinite(value):
        raise _Bad("Harus berupa angka", "Must be a number")
    if form_field.integer and not value.is_integer():
        raise _Bad("Harus bilangan bulat", "Must be a whole number")
    low, high = form_field.min_value, form_field.max_value
    if low is not None and value < low:
        raise _Bad(f"Paling kecil {_number_text(low)}", f"At least {_number_text(low)}")
    if high is not None and value > high:
        raise _Bad(f"Paling besar {_number_text(high)}", f"At most {_number_text(high)}")
    return _number_text(value)


def _number_text(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def _boolean(form_field: FormField, raw: object, today: date) -> str:
    if isinstance(raw, bool):
        value = raw
    elif isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
        value = raw.strip().lower() in _TRUE
    else:
        raise _Bad("Harus ya atau tidak", "Must be yes or no")
    if form_field.must_be_true and not value:
        raise _Bad("Harus dicentang", "Must be ticked")
    return "true" if value else "false"


def _document(form_field: FormField, raw: object, today: date) -> str:
    value = _as_str(raw)
    if not _DOCUMENT.match(value):
        raise _Bad("Rujukan dokumen tidak valid", "Invalid document reference")
    return value


_CLEANERS: dict[FieldType, Callable[[FormField, object, date], str]] = {
    FieldType.TEXT: _text,
    FieldType.NIK: _nik,
    FieldType.DATE: _date,
    FieldType.PHONE: _phone,
    FieldType.EMAIL: _email,
    FieldType.SELECT: _select,
    FieldType.NUMBER: _number,
    FieldType.BOOLEAN: _boolean,
    FieldType.DOCUMENT: _document,
}
