"""Broker (calo) and pungli signals, as a pure function of plain event records.

The hall records who took which number, who filed what (and for whom), who
did not show up and what officers said in the counter chat. :func:`detect`
reads those records as plain values and ``now`` and returns :class:`Flag`
values, each with the evidence that raised it: which events (by id), how
many, over which window. A flag is a question for a supervisor, never a
verdict: nothing here punishes anyone (docs/signals.md).

The signals (thresholds in :class:`Thresholds`, settings ``HALL_SIGNALS_*``):

- ``on_behalf_many``: one account declared filing on behalf of many different people;
- ``tickets_account`` / ``tickets_device`` / ``tickets_address``: many numbers
  taken from one account, device or network address (across services);
- ``shared_phone``: the same contact phone on applications of many accounts,
  or on very many applications;
- ``no_shows``: repeated no-shows, numbers held and never used;
- ``officer_money_talk``: an officer asking for money in the chat of a free
  civil-registry service (UU 24/2013 art. 79A: those documents cost nothing);
- ``weak_signs``: one account showing several weak signs at once, each below
  its own signal's threshold (a phone shared with another account, filing for
  a few people, a handful of numbers in a day, two no-shows).

Every reference here is already pseudonymous (``account:12``, a keyed hash of
an address, a device or a phone): the edge never hands this module a NIK, an
address or a phone number in the clear.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

__all__ = [
    "KINDS",
    "Events",
    "Filed",
    "Flag",
    "NoShow",
    "OnBehalf",
    "SaidLine",
    "Thresholds",
    "TicketTaken",
    "detect",
    "money_words",
    "normalise_phone",
    "still_new",
]

KINDS = (
    "on_behalf_many",
    "tickets_account",
    "tickets_device",
    "tickets_address",
    "shared_phone",
    "no_shows",
    "officer_money_talk",
    "weak_signs",
)

DAY_S = 86400.0


@dataclass(frozen=True, slots=True)
class Thresholds:
    """When a count becomes a flag: the count is reached *within* the window."""

    #: distinct people one account filed for, within ``on_behalf_window_s``
    on_behalf_people: int = 5
    on_behalf_window_s: float = 30 * DAY_S
    #: numbers from one account / device / address within ``tickets_window_s``
    tickets_per_account: int = 6
    tickets_per_device: int = 8
    #: high: many unrelated people share one address behind carrier-grade NAT
    tickets_per_address: int = 20
    tickets_window_s: float = DAY_S
    #: distinct accounts whose applications give one phone, within ``phone_window_s``
    phone_accounts: int = 3
    #: or applications giving it (of at least two accounts)
    phone_applications: int = 8
    phone_window_s: float = 30 * DAY_S
    #: no-shows of one account within ``no_show_window_s``
    no_shows: int = 3
    no_show_window_s: float = 14 * DAY_S
    #: officer lines asking for money in free services within ``money_window_s``
    money_lines: int = 1
    money_window_s: float = 30 * DAY_S
    #: weak signs: each is a lower count of a signal above, in that signal's window;
    #: an account showing ``weak_signs`` of them at once is flagged
    weak_signs: int = 3
    weak_phone_accounts: int = 2
    weak_on_behalf_people: int = 3
    weak_tickets: int = 4
    weak_no_shows: int = 2

    def __post_init__(self) -> None:
        counts = (
            self.on_behalf_people,
            self.tickets_per_account,
            self.tickets_per_device,
            self.tickets_per_address,
            self.phone_accounts,
            self.phone_applications,
            self.no_shows,
            self.money_lines,
            self.weak_signs,
            self.weak_phone_accounts,
            self.weak_on_behalf_people,
            self.weak_tickets,
            self.weak_no_shows,
        )
        windows = (
            self.on_behalf_window_s,
            self.tickets_window_s,
            self.phone_window_s,
            self.no_show_window_s,
            self.money_window_s,
        )
        if min(counts) < 1 or min(windows) <= 0:
            raise ValueError("signal thresholds must be >= 1 and windows > 0")

    @property
    def longest_window_s(self) -> float:
        """How far back the edge must read for every signal."""
        return max(
            self.on_behalf_window_s,
            self.tickets_window_s,
            self.phone_window_s,
            self.no_show_window_s,
            self.money_window_s,
        )


# ------------------------------------------------------------------ events


@dataclass(frozen=True, slots=True)
class TicketTaken:
    """A number taken (walk-in or booking)."""

    ticket_id: str
    account: str
    service: str
    at: float
    #: keyed hash of the client's network address, when the hall saw it
    address: str | None = None
    #: keyed hash of the client's device id, when the client sent one
    device: str | None = None


@dataclass(frozen=True, slots=True)
class NoShow:
    ticket_id: str
    account: str
    service: str
    at: float


@dataclass(frozen=True, slots=True)
class OnBehalf:
    """A counter session in which ``account`` declared filing for ``person``."""

    session_id: str
    account: str
    #: keyed hash of the person filed for (never their NIK)
    person: str
    at: float


@dataclass(frozen=True, slots=True)
class Filed:
    """An application with its contact phone (keyed hash of the normalised number)."""

    application_id: str
    account: str
    service: str
    phone: str | None
    at: float


@dataclass(frozen=True, slots=True)
class SaidLine:
    """One line of a counter session's chat."""

    session_id: str
    #: "officer", "citizen" or "bot"; only officers' lines are read
    speaker: str
    #: the officer's reference (who staffed the session)
    officer: str
    service: str
    at: float
    text: str


@dataclass(frozen=True, slots=True)
class Events:
    tickets: Sequence[TicketTaken] = ()
    no_shows: Sequence[NoShow] = ()
    on_behalf: Sequence[OnBehalf] = ()
    filed: Sequence[Filed] = ()
    lines: Sequence[SaidLine] = ()


@dataclass(frozen=True, slots=True)
class Flag:
    """One signal for a supervisor, with its evidence."""

    kind: str
    #: pseudonymous: ``account:12``, ``device:…``, ``address:…``, ``phone:…``, an officer's ref
    subject: str
    #: what was counted, and the threshold it reached
    count: int
    threshold: int
    window_s: float
    first_at: float
    last_at: float
    #: the events, as ``ticket:<id>``, ``session:<id>``, ``application:<id>``
    evidence: tuple[str, ...]
    #: kind-specific facts (services, accounts involved, words heard ...), JSON-ready
    details: Mapping[str, object] = field(default_factory=dict)


# ----------------------------------------------------------------- detection


def detect(
    events: Events,
    *,
    free_services: Iterable[str],
    thresholds: Thresholds,
    now: float,
) -> list[Flag]:
    """Every flag the events raise as of ``now``, ordered by kind then subject.

    Each count is the largest number of events inside any window of the
    signal's length ending at or before ``now`` (a sliding window), so a
    burst last week is found as well as one today; events after ``now`` are
    ignored. ``free_services`` are the service codes in which an officer may
    not ask for money (the civil-registry services).
    """
    t = thresholds
    flags: list[Flag] = []
    tickets = [e for e in events.tickets if e.at <= now]
    flags += _on_behalf(events.on_behalf, t, now)
    for kind, key, limit in (
        ("tickets_account", "account", t.tickets_per_account),
        ("tickets_device", "device", t.tickets_per_device),
        ("tickets_address", "address", t.tickets_per_address),
    ):
        flags += _tickets(kind, key, tickets, limit, t.tickets_window_s)
    flags += _phones(events.filed, t, now)
    flags += _no_shows(events.no_shows, t, now)
    flags += _money(events.lines, frozenset(free_services), t, now)
    flags += _weak_signs(events, tickets, t, now)
    flags.sort(key=lambda f: (KINDS.index(f.kind), f.subject))
    return flags


def still_new(flag: Flag, reviewed_evidence: Iterable[Iterable[str]]) -> bool:
    """Whether ``flag`` holds an event no earlier reviewed flag of its kind and subject held.

    A supervisor who dismissed a flag is not asked again about the same
    events; new events raise it again.
    """
    seen: set[str] = set()
    for evidence in reviewed_evidence:
        seen.update(evidence)
    return any(e not in seen for e in flag.evidence)


def _densest(items: Sequence[tuple[float, str]], window_s: float) -> tuple[int, int]:
    """``(start, end)`` of the largest run of time-sorted items within ``window_s``."""
    best = (0, 0)
    lo = 0
    for hi in range(len(items)):
        while items[hi][0] - items[lo][0] > window_s:
            lo += 1
        if hi + 1 - lo > best[1] - best[0]:
            best = (lo, hi + 1)
    return best


def _flag(
    kind: str,
    subject: str,
    run: Sequence[tuple[float, str]],
    threshold: int,
    window_s: float,
    count: int | None = None,
    details: Mapping[str, object] | None = None,
    **more: object,
) -> Flag:
    return Flag(
        kind=kind,
        subject=subject,
        count=len(run) if count is None else count,
        threshold=threshold,
        window_s=window_s,
        first_at=run[0][0],
        last_at=run[-1][0],
        evidence=tuple(ref for _, ref in run),
        details={**(details or {}), **more},
    )


def _on_behalf(records: Sequence[OnBehalf], t: Thresholds, now: float) -> list[Flag]:
    by_account: dict[str, list[OnBehalf]] = defaultdict(list)
    for r in records:
        if r.at <= now:
            by_account[r.account].append(r)
    flags = []
    for account, rs in by_account.items():
        rs.sort(key=lambda r: (r.at, r.session_id))
        # Distinct people in a sliding window: a parent filing three times for one
        # child is one person; a broker files for a new person each time.
        best: list[OnBehalf] = []
        lo = 0
        for hi in range(len(rs)):
            while rs[hi].at - rs[lo].at > t.on_behalf_window_s:
                lo += 1
            window = rs[lo : hi + 1]
            if len({r.person for r in window}) > len({r.person for r in best}):
                best = window
        people = len({r.person for r in best})
        if people >= t.on_behalf_people:
            run = [(r.at, f"session:{r.session_id}") for r in best]
            flags.append(
                _flag(
                    "on_behalf_many",
                    account,
                    run,
                    t.on_behalf_people,
                    t.on_behalf_window_s,
                    count=people,
                    declarations=len(best),
                )
            )
    return flags


def _tickets(
    kind: str, key: str, tickets: Sequence[TicketTaken], limit: int, window_s: float
) -> list[Flag]:
    groups: dict[str, list[TicketTaken]] = defaultdict(list)
    for e in tickets:
        subject = getattr(e, key)
        if subject is not None:
            groups[subject].append(e)
    flags = []
    for subject, es in groups.items():
        es.sort(key=lambda e: (e.at, e.ticket_id))
        items = [(e.at, f"ticket:{e.ticket_id}") for e in es]
        lo, hi = _densest(items, window_s)
        if hi - lo >= limit:
            run = es[lo:hi]
            details: dict[str, object] = {"services": sorted({e.service for e in run})}
            if key != "account":
                details["accounts"] = sorted({e.account for e in run})
            flags.append(_flag(kind, subject, items[lo:hi], limit, window_s, details=details))
    return flags


def _phones(records: Sequence[Filed], t: Thresholds, now: float) -> list[Flag]:
    groups: dict[str, list[Filed]] = defaultdict(list)
    for r in records:
        if r.phone is not None and r.at <= now:
            groups[r.phone].append(r)
    flags = []
    for phone, rs in groups.items():
        rs.sort(key=lambda r: (r.at, r.application_id))
        best: list[Filed] = []
        best_score = (0, 0)
        lo = 0
        for hi in range(len(rs)):
            while rs[hi].at - rs[lo].at > t.phone_window_s:
                lo += 1
            window = rs[lo : hi + 1]
            score = (len({r.account for r in window}), len(window))
            if score > best_score:
                best, best_score = window, score
        accounts, applications = best_score
        # One account's own phone on its own many applications is a busy citizen, not a
        # shared phone (filing for many people is the on-behalf signal's business).
        if accounts >= t.phone_accounts or (accounts >= 2 and applications >= t.phone_applications):
            by_accounts = accounts >= t.phone_accounts
            run = [(r.at, f"application:{r.application_id}") for r in best]
            flags.append(
                _flag(
                    "shared_phone",
                    phone,
                    run,
                    t.phone_accounts if by_accounts else t.phone_applications,
                    t.phone_window_s,
                    count=accounts if by_accounts else applications,
                    counted="accounts" if by_accounts else "applications",
                    accounts=sorted({r.account for r in best}),
                    applications=applications,
                )
            )
    return flags


def _no_shows(records: Sequence[NoShow], t: Thresholds, now: float) -> list[Flag]:
    groups: dict[str, list[NoShow]] = defaultdict(list)
    for r in records:
        if r.at <= now:
            groups[r.account].append(r)
    flags = []
    for account, rs in groups.items():
        rs.sort(key=lambda r: (r.at, r.ticket_id))
        items = [(r.at, f"ticket:{r.ticket_id}") for r in rs]
        lo, hi = _densest(items, t.no_show_window_s)
        if hi - lo >= t.no_shows:
            services = sorted({r.service for r in rs[lo:hi]})
            flags.append(
                _flag(
                    "no_shows",
                    account,
                    items[lo:hi],
                    t.no_shows,
                    t.no_show_window_s,
                    services=services,
                )
            )
    return flags


def _money(
    lines: Sequence[SaidLine], free: frozenset[str], t: Thresholds, now: float
) -> list[Flag]:
    groups: dict[str, list[tuple[SaidLine, list[str]]]] = defaultdict(list)
    for line in lines:
        # Only an officer's own words, only where the service is free by law: a
        # citizen asking "is there a fee?" or an officer explaining a permit's levy is no sign.
        if line.speaker != "officer" or line.service not in free or line.at > now:
            continue
        words = money_words(line.text)
        if words:
            groups[line.officer].append((line, words))
    flags = []
    for officer, hits in groups.items():
        hits.sort(key=lambda h: (h[0].at, h[0].session_id))
        items = [(h[0].at, f"session:{h[0].session_id}") for h in hits]
        lo, hi = _densest(items, t.money_window_s)
        if hi - lo >= t.money_lines:
            run = hits[lo:hi]
            flags.append(
                _flag(
                    "officer_money_talk",
                    officer,
                    items[lo:hi],
                    t.money_lines,
                    t.money_window_s,
                    words=sorted({w for _, ws in run for w in ws}),
                    services=sorted({h.service for h, _ in run}),
                    # The officer's own words, for the supervisor who reviews: no citizen data.
                    lines=[h.text[:200] for h, _ in run[-5:]],
                )
            )
    return flags


def _weak_signs(
    events: Events, tickets: Sequence[TicketTaken], t: Thresholds, now: float
) -> list[Flag]:
    """Accounts showing at least ``t.weak_signs`` weak signs at once.

    Each sign alone is ordinary (a family shares a phone, a parent files for
    two children and a grandparent, a busy day has four numbers); several on
    one account are worth a supervisor's look. The evidence is every event of
    every sign, and ``details["signs"]`` says which signs held.
    """
    signs: dict[str, dict[str, list[tuple[float, str]]]] = defaultdict(dict)
    # A phone given on applications of >= weak_phone_accounts accounts in its window.
    by_phone: dict[str, list[Filed]] = defaultdict(list)
    for f in events.filed:
        if f.phone is not None and f.at <= now:
            by_phone[f.phone].append(f)
    for rs in by_phone.values():
        rs.sort(key=lambda r: (r.at, r.application_id))
        lo = 0
        for hi in range(len(rs)):
            while rs[hi].at - rs[lo].at > t.phone_window_s:
                lo += 1
            window = rs[lo : hi + 1]
            accounts = {r.account for r in window}
            if len(accounts) >= t.weak_phone_accounts:
                for a in accounts:
                    run = signs[a].setdefault("shared_phone", [])
                    run += [(r.at, f"application:{r.application_id}") for r in window]
    # Distinct people filed for (on_behalf) in the window.
    by_account: dict[str, list[OnBehalf]] = defaultdict(list)
    for ob in events.on_behalf:
        if ob.at <= now:
            by_account[ob.account].append(ob)
    for account, obs in by_account.items():
        obs.sort(key=lambda r: (r.at, r.session_id))
        lo = 0
        for hi in range(len(obs)):
            while obs[hi].at - obs[lo].at > t.on_behalf_window_s:
                lo += 1
            declared = obs[lo : hi + 1]
            if len({r.person for r in declared}) >= t.weak_on_behalf_people:
                signs[account]["on_behalf"] = [(r.at, f"session:{r.session_id}") for r in declared]
                break
    # Numbers in one day, and no-shows, of one account.
    for name, records, limit, window_s in (
        (
            "tickets",
            [(e.account, e.at, e.ticket_id) for e in tickets],
            t.weak_tickets,
            t.tickets_window_s,
        ),
        (
            "no_shows",
            [(n.account, n.at, n.ticket_id) for n in events.no_shows if n.at <= now],
            t.weak_no_shows,
            t.no_show_window_s,
        ),
    ):
        grouped: dict[str, list[tuple[float, str]]] = defaultdict(list)
        for account, at, ticket in records:
            grouped[account].append((at, f"ticket:{ticket}"))
        for account, items in grouped.items():
            items.sort()
            lo, hi = _densest(items, window_s)
            if hi - lo >= limit:
                signs[account][name] = items[lo:hi]
    flags = []
    for account, held in signs.items():
        if len(held) < t.weak_signs:
            continue
        run = sorted({item for items in held.values() for item in items})
        flags.append(
            _flag(
                "weak_signs",
                account,
                run,
                t.weak_signs,
                t.longest_window_s,
                count=len(held),
                signs=sorted(held),
            )
        )
    return flags


# -------------------------------------------------------------- money words

#: Words (stems) that ask for money, in Bahasa Indonesia and English.
_STEMS = (
    "biaya",
    "uang",
    "duit",
    "transfer",
    "trf",
    "rekening",
    "norek",
    "bayar",
    "ongkos",
    "tarif",
    "imbalan",
    "pelicin",
    "fee",
    "money",
    "pay",
    "payment",
    "cash",
    "tip",
    "bribe",
)
#: Phrases (token sequences after normalisation).
_PHRASES = (
    ("uang", "rokok"),
    ("uang", "kopi"),
    ("uang", "lelah"),
    ("uang", "pelicin"),
    ("bank", "account"),
    ("account", "number"),
    ("no", "rek"),
    ("wire", "transfer"),
)
#: Indonesian affixes: "membayar", "pembayaran", "dibayar", "biayanya", "transferkan".
_PREFIXES = ("", "mem", "me", "pem", "pe", "di", "ter", "ber", "ke", "men", "pen")
_SUFFIXES = ("", "nya", "kan", "an", "lah", "in", "annya", "kannya", "s", "ed", "ing", "ment")
#: A word just before that says there is *no* charge: "tidak ada biaya", "tanpa biaya",
#: "gratis, tidak perlu bayar", "no fee", "free of charge".
_NEGATORS = frozenset(
    {
        "tidak",
        "tak",
        "tanpa",
        "bebas",
        "gratis",
        "bukan",
        "jangan",
        "nggak",
        "gak",
        "ga",
        "enggak",
        "no",
        "not",
        "without",
        "free",
        "never",
        "dont",
        "don",
    }
)
_LEET = str.maketrans(
    {"4": "a", "@": "a", "0": "o", "1": "i", "!": "i", "3": "e", "5": "s", "$": "s", "7": "t"}
)
#: "Rp 50.000", "50rb", "50 ribu", "100k", "IDR 20,000": an amount of money.
_AMOUNT = re.compile(
    r"\b(?:rp\.?|idr)\s*\d[\d.,]*|\b\d[\d.,]*\s*(?:rb|ribu|rebu|jt|juta|k)\b", re.IGNORECASE
)


_RUNS = re.compile(r"(.)\1+")
_SPLIT = re.compile(r"[^0-9a-z@$!]+")
_ALPHA = re.compile(r"[a-z]")
_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_NONZERO = re.compile(r"[1-9]")


def _collapse(word: str) -> str:
    """Runs of one letter become one: "uaaang" -> "uang", "biayaaa" -> "biaya"."""
    return _RUNS.sub(r"\1", word)


def _variants() -> dict[str, str]:
    out: dict[str, str] = {}
    for stem in _STEMS:
        for p in _PREFIXES:
            for s in _SUFFIXES:
                out.setdefault(_collapse(p + stem + s), stem)
    # Words that a prefix or suffix turns into an ordinary word: not money talk.
    for ordinary in ("payung", "tips", "tipe", "keuangan", "uangan", "kepayahan"):
        out.pop(_collapse(ordinary), None)
    return out


_WORDS = _variants()
_NEGATOR_FORMS = frozenset(_collapse(w) for w in _NEGATORS)
#: Words of a warning against pungli: such a line is not asking for money.
_WARNING_FORMS = frozenset(
    _collapse(w)
    for w in ("lapor", "laporkan", "melapor", "pengaduan", "pungli", "report", "complaint")
)
_ZERO_FORMS = frozenset(
    _collapse(w) for w in ("nol", "0", "rp0", "rpo", "gratis", "free", "tidak", "nothing")
)
_PHRASE_FORMS = tuple((tuple(_collapse(w) for w in p), " ".join(p)) for p in _PHRASES)


def _tokens(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", text).casefold()
    # Obfuscation: "u4ng" -> "uang", "b!aya" -> "biaya"; digits stay digits elsewhere.
    tokens = _SPLIT.split(folded)
    out: list[str] = []
    for tok in tokens:
        if not tok:
            continue
        tok = tok.strip("!@$")  # "bayar!!!" is shouted, not spelled with digits
        if _ALPHA.search(tok):
            tok = tok.translate(_LEET)
        tok = _NOT_ALNUM.sub("", tok)
        if tok:
            out.append(_collapse(tok))
    return _join_spelled(out)


def _join_spelled(tokens: list[str]) -> list[str]:
    """Letters spelled one by one ("u a n g", "u.a.n.g") become a word again."""
    out: list[str] = []
    run: list[str] = []
    for tok in [*tokens, ""]:
        if len(tok) == 1 and tok.isalpha():
            run.append(tok)
            continue
        if len(run) >= 3:
            out.append(_collapse("".join(run)))
        else:
            out.extend(run)
        run = []
        if tok:
            out.append(tok)
    return out


def money_words(text: str) -> list[str]:
    """The money words (stems, phrases, ``"amount"``) in one line, in order; [] when none.

    Case, punctuation, repeated letters, digits for letters ("u4ng") and
    spelled-out letters ("u-a-n-g") are undone first. A word right after a
    negation ("tidak ada biaya", "tanpa bayar", "no fee") is not counted: an
    honest officer says exactly that in a free service.
    """
    return list(_money_words(text))


@functools.lru_cache(maxsize=4096)  # officers repeat themselves: each phrase is read once
def _money_words(text: str) -> tuple[str, ...]:
    found: list[str] = []
    tokens = _tokens(text)
    if any(t in _WARNING_FORMS for t in tokens):
        # "Kalau ada yang minta uang, laporkan": warning citizens about pungli is no pungli.
        return ()
    for m in _AMOUNT.finditer(unicodedata.normalize("NFKC", text)):
        if _NONZERO.search(m.group()):  # "Rp 0" is what a free service costs
            found.append("amount")
            break
    used: set[int] = set()
    for i in range(len(tokens)):
        for phrase, name in _PHRASE_FORMS:
            if tuple(tokens[i : i + len(phrase)]) == phrase and not _negated(tokens, i):
                found.append(name)
                used.update(range(i, i + len(phrase)))
    for i, tok in enumerate(tokens):
        stem = _WORDS.get(tok)
        if stem is not None and i not in used and not _negated(tokens, i):
            found.append(stem)
    return tuple(found)


def _negated(tokens: Sequence[str], i: int) -> bool:
    """A negation up to three words before, or "nol"/"gratis" right after ("biayanya nol")."""
    before = tokens[max(0, i - 3) : i]
    after = tokens[i + 1 : i + 3]
    return any(t in _NEGATOR_FORMS for t in before) or any(t in _ZERO_FORMS for t in after)


def normalise_phone(raw: str) -> str | None:
    """An Indonesian phone number in one form (``08…``), or None when it is not one.

    "+62 812-3456-789", "62812…" and "0812…" are one number: a broker who
    writes it differently on each form is still one phone.
    """
    digits = re.sub(r"\D", "", raw)
    if digits.startswith("62"):
        digits = "0" + digits[2:]
    elif digits.startswith("8"):
        digits = "0" + digits
    if not digits.startswith("0") or not 8 <= len(digits) <= 15:
        return None
    return digits
