"""The benchmark of issue 14 part 4: how many brokers the signals find, how many ordinary citizens they flag.

``python -m bench.signals [--seeds 1 2 3 4 5] [--citizens 3000] [--brokers 40]``
simulates 30 days of one hall, seeded, and runs :func:`counters.signals.detect`
on it with the default thresholds (``HALL_SIGNALS_*``, hall_server/settings.py):

- **ordinary citizens**, with realistic variation: households of 1-5 sharing a
  home network address (and some a phone or a device), a third on mobile
  networks behind carrier-grade NAT (a random address out of a small pool at
  each visit), 0-5 visits a month for 1-3 services, 6 % no-shows, parents
  filing on behalf of 1-3 family members (sometimes twice for one), a few
  neighbourhood helpers filing for up to 4 people, and a few busy days of 4-5
  numbers;
- **brokers** (calo), each of one behaviour: a *filer* (files on behalf of
  5-20 clients with the broker's own phone), a *hoarder* (takes 6-12 numbers
  a day on a few days, most never used), a *client-account* broker (signs
  clients in on the broker's own device, their applications carry the
  broker's phone), and a *careful* one (4-6 clients a month, one a visit,
  half of the applications with the broker's phone);
- **officers**: honest ones (telling citizens the free services are free,
  explaining the levies of paid services) and one dishonest officer asking
  for money in 10 % of his free-service sessions, in many phrasings.

A broker counts as found when any flag names the broker's account, device,
address or phone, or one of the client accounts the broker operates; an
ordinary citizen counts as flagged when any flag names their account, phone,
device or an address they used. Targets (issue 14): recall >= 90 %,
false-positive rate <= 1 %.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from counters.signals import (
    DAY_S,
    Events,
    Filed,
    Flag,
    NoShow,
    OnBehalf,
    SaidLine,
    Thresholds,
    TicketTaken,
    _money_words,
    detect,
    money_words,
)

T0 = 1_795_536_000.0
DAYS = 30
FREE = ("KTP-EL", "KK", "AKTA-LAHIR", "AKTA-MATI", "PINDAH-DATANG")
PAID = ("PBG", "REKLAME")
SERVICES = (*FREE, "NIB", *PAID)
#: How often ordinary people take each service (civil registry dominates).
WEIGHTS = (30, 20, 15, 5, 8, 12, 5, 5)

HONEST_FREE = (
    "Layanan ini gratis, tidak ada biaya apa pun.",
    "Silakan tunggu, berkas Ibu sedang saya periksa.",
    "Tidak perlu bayar, Pak. Semua gratis.",
    "Mohon tunjukkan KK aslinya.",
    "This service is free of charge, there is no fee.",
    "KTP-el Bapak bisa diambil minggu depan.",
    "Biayanya nol rupiah, Bu.",
    "Tanpa biaya. Kalau ada yang minta uang, laporkan ya.",
)
HONEST_PAID = (
    "Retribusi PBG dibayar lewat transfer ke rekening kas daerah.",
    "Biaya reklame dihitung dari ukuran dan lokasi.",
    "Silakan bayar di bank, bukti pembayarannya diunggah di sini.",
    "The levy is paid by bank transfer; you get a receipt.",
)
CITIZEN_LINES = (
    "Berapa biayanya, Pak?",
    "Saya transfer saja ya?",
    "Is there a fee?",
    "Saya mau buat KTP baru.",
    "Apakah saya perlu bayar?",
)
DISHONEST = (
    "Kalau mau cepat ada biaya tambahan 50rb.",
    "Siapkan uang rokok ya, Pak.",
    "u4ng administrasinya dulu",
    "Transfer saja ke rekening saya.",
    "B-I-A-Y-A percepatan Rp 100.000",
    "Bisa lebih cepat, ongkos cetak 25 ribu.",
    "No rek saya nanti saya kirim.",
    "A small fee and it is done today.",
    "uaang pelicinnya berapa ada?",
    "Bayar di saya saja, biar tidak antre.",
)


@dataclass
class Actor:
    """A person the benchmark judges: the references that belong to them."""

    refs: set[str] = field(default_factory=set)
    kind: str = "citizen"


@dataclass
class World:
    rng: random.Random
    events: dict[str, list[object]] = field(default_factory=lambda: defaultdict(list))
    citizens: list[Actor] = field(default_factory=list)
    brokers: list[Actor] = field(default_factory=list)
    officers: list[Actor] = field(default_factory=list)
    _n: int = 0

    def uid(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}{self._n}"

    def time_on(self, day: int) -> float:
        # Office hours, 08:00-15:00 local, as seconds after T0.
        return T0 + day * DAY_S + self.rng.uniform(0, 7 * 3600)

    def visit(
        self,
        account: str,
        service: str,
        at: float,
        *,
        address: str,
        device: str | None,
        phone: str | None,
        no_show_p: float,
        file_p: float = 0.85,
        on_behalf_person: str | None = None,
    ) -> None:
        ticket = self.uid("t")
        self.events["tickets"].append(TicketTaken(ticket, account, service, at, address, device))
        if self.rng.random() < no_show_p:
            self.events["no_shows"].append(NoShow(ticket, account, service, at + 1800))
            return
        session = self.uid("s")
        if on_behalf_person is not None:
            self.events["on_behalf"].append(OnBehalf(session, account, on_behalf_person, at + 1900))
        self.chat(session, service, at + 2000)
        if self.rng.random() < file_p or on_behalf_person is not None:
            self.events["filed"].append(Filed(self.uid("a"), account, service, phone, at + 2400))

    def chat(self, session: str, service: str, at: float) -> None:
        officer = self.rng.randrange(len(self.officers))
        ref = f"officer:{officer}"
        rng = self.rng
        if rng.random() < 0.5:
            said = rng.choice(CITIZEN_LINES)
            self.events["lines"].append(SaidLine(session, "citizen", ref, service, at, said))
        if service in FREE:
            if officer == 0 and rng.random() < 0.10:  # officer 0 is the dishonest one
                said = rng.choice(DISHONEST)
            else:
                said = rng.choice(HONEST_FREE)
        else:
            said = rng.choice(HONEST_PAID)
        self.events["lines"].append(SaidLine(session, "officer", ref, service, at + 30, said))


def service(rng: random.Random) -> str:
    return rng.choices(SERVICES, WEIGHTS)[0]


def citizens(w: World, n: int) -> None:
    rng = w.rng
    mobile_pool = [f"address:m{i}" for i in range(max(20, n // 10))]
    i = 0
    while i < n:
        size = rng.choices((1, 2, 3, 4, 5), (25, 30, 20, 15, 10))[0]
        home = f"address:h{i}"
        shared_phone = f"phone:h{i}"
        shared_device = f"device:h{i}"
        family = [f"person:f{i}-{k}" for k in range(rng.randint(1, 3))]
        for _ in range(min(size, n - i)):
            account = f"account:c{i}"
            actor = Actor({account}, "citizen")
            phone = shared_phone if rng.random() < 0.15 else f"phone:c{i}"
            device = shared_device if rng.random() < 0.10 else f"device:c{i}"
            on_mobile = rng.random() < 0.33
            actor.refs |= {phone, device, home}
            visits = rng.choices((0, 1, 2, 3, 4, 5), (25, 38, 20, 10, 5, 2))[0]
            parent = rng.random() < 0.20
            helper = rng.random() < 0.01  # an RT head or neighbour helping up to 4 people
            helped = [f"person:n{i}-{k}" for k in range(4)]
            busy_day = rng.random() < 0.02
            for v in range(visits):
                day = rng.randrange(DAYS)
                wanted = rng.choices((1, 2, 3), (70, 25, 5))[0]
                if busy_day and v == 0:
                    wanted = rng.choice((4, 5))
                for k in range(wanted):
                    address = rng.choice(mobile_pool) if on_mobile else home
                    actor.refs.add(address)
                    person = None
                    if parent and rng.random() < 0.5:
                        person = rng.choice(family)
                    elif helper:
                        person = rng.choice(helped)
                    w.visit(
                        account,
                        service(rng),
                        w.time_on(day) + k * 900,
                        address=address,
                        device=device,
                        phone=phone,
                        no_show_p=0.06,
                        on_behalf_person=person,
                    )
            w.citizens.append(actor)
            i += 1


def brokers(w: World, n: int) -> None:
    rng = w.rng
    kinds = ("filer", "hoarder", "client_accounts", "careful")
    for b in range(n):
        kind = kinds[b % len(kinds)]
        account, device, home, phone = (
            f"account:b{b}",
            f"device:b{b}",
            f"address:b{b}",
            f"phone:b{b}",
        )
        actor = Actor({account, device, home, phone}, kind)
        if kind == "filer":
            for c in range(rng.randint(5, 20)):
                day = rng.randrange(DAYS)
                w.visit(
                    account,
                    rng.choice(FREE),
                    w.time_on(day),
                    address=home,
                    device=device,
                    phone=phone,
                    no_show_p=0.02,
                    on_behalf_person=f"person:b{b}-{c}",
                )
        elif kind == "hoarder":
            for day in rng.sample(range(DAYS), rng.randint(2, 5)):
                for k in range(rng.randint(6, 12)):
                    w.visit(
                        account,
                        service(rng),
                        w.time_on(day) + k * 120,
                        address=home,
                        device=device,
                        phone=phone,
                        no_show_p=0.7,
                    )
        else:
            clients = rng.randint(8, 20) if kind == "client_accounts" else rng.randint(4, 6)
            days = rng.sample(range(DAYS), clients) if kind == "careful" else None
            for c in range(clients):
                client = f"account:b{b}-client{c}"
                actor.refs.add(client)
                day = days[c] if days is not None else rng.randrange(DAYS)
                own_phone = kind == "client_accounts" or rng.random() < 0.5
                for k in range(rng.randint(1, 2)):
                    w.visit(
                        client,
                        rng.choice(FREE),
                        w.time_on(day) + k * 900,
                        address=home
                        if kind == "client_accounts"
                        else rng.choice((home, f"address:x{b}-{c}")),
                        # The careful broker's clients come with their own phones: the web
                        # app always sends a device id (web/src/protocol/device.ts).
                        device=device if kind == "client_accounts" else f"device:b{b}-client{c}",
                        phone=phone if own_phone else f"phone:b{b}-client{c}",
                        no_show_p=0.05,
                    )
        w.brokers.append(actor)


def simulate(seed: int, n_citizens: int, n_brokers: int, n_officers: int) -> World:
    w = World(random.Random(seed))
    w.officers = [
        Actor({f"officer:{i}"}, "dishonest" if i == 0 else "officer") for i in range(n_officers)
    ]
    citizens(w, n_citizens)
    brokers(w, n_brokers)
    return w


def flagged_refs(flags: list[Flag]) -> set[str]:
    return {f.subject for f in flags}


@dataclass
class Result:
    seed: int
    brokers_found: int
    brokers: int
    citizens_flagged: int
    citizens: int
    officer_found: bool
    honest_officers_flagged: int
    by_kind: dict[str, tuple[int, int]]
    flags_by_signal: Counter[str]
    events: int
    detect_s: float


#: The defaults (settings), and a more conservative choice an operator may make.
PROFILES = {
    "before: no weak signs (HALL_SIGNALS_WEAK_SIGNS=99)": Thresholds(weak_signs=99),
    "default (HALL_SIGNALS_PHONE_ACCOUNTS=3, WEAK_SIGNS=3)": Thresholds(),
    "weak signs at 2 (HALL_SIGNALS_WEAK_SIGNS=2)": Thresholds(weak_signs=2),
    "conservative (HALL_SIGNALS_PHONE_ACCOUNTS=4)": Thresholds(phone_accounts=4),
}


def run(w: World, seed: int, thresholds: Thresholds) -> Result:
    events = Events(**{k: v for k, v in w.events.items()})  # type: ignore[arg-type]
    _money_words.cache_clear()  # each run pays for reading every distinct line
    started = time.perf_counter()
    flags = detect(events, free_services=FREE, thresholds=thresholds, now=T0 + DAYS * DAY_S)
    detect_s = time.perf_counter() - started
    hit = flagged_refs(flags)
    found_by_kind: dict[str, list[bool]] = defaultdict(list)
    for b in w.brokers:
        found_by_kind[b.kind].append(bool(b.refs & hit))
    return Result(
        seed=seed,
        brokers_found=sum(bool(b.refs & hit) for b in w.brokers),
        brokers=len(w.brokers),
        citizens_flagged=sum(bool(c.refs & hit) for c in w.citizens),
        citizens=len(w.citizens),
        officer_found=bool(w.officers[0].refs & hit),
        honest_officers_flagged=sum(bool(o.refs & hit) for o in w.officers[1:]),
        by_kind={k: (sum(v), len(v)) for k, v in found_by_kind.items()},
        flags_by_signal=Counter(f.kind for f in flags),
        events=sum(len(v) for v in w.events.values()),
        detect_s=detect_s,
    )


def per_line_us(n: int = 5000, seed: int = 0) -> float:
    """Microseconds to read one distinct line (no cache help): lines made unique by a number."""
    rng = random.Random(seed)
    pool = (*HONEST_FREE, *HONEST_PAID, *CITIZEN_LINES, *DISHONEST)
    lines = [f"{rng.choice(pool)} ({i}) {rng.choice(pool)}" for i in range(n)]
    _money_words.cache_clear()
    started = time.perf_counter()
    for line in lines:
        money_words(line)
    return (time.perf_counter() - started) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--citizens", type=int, default=3000)
    parser.add_argument("--brokers", type=int, default=40)
    parser.add_argument("--officers", type=int, default=12)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()} {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    worlds = {
        seed: simulate(seed, args.citizens, args.brokers, args.officers) for seed in args.seeds
    }
    print(f"reading one distinct chat line: {per_line_us():.0f} us")
    for name, thresholds in PROFILES.items():
        print(f"\n== thresholds: {name}")
        report([run(w, seed, thresholds) for seed, w in worlds.items()])


def report(results: list[Result]) -> None:
    print(
        "seed | brokers found | recall | citizens flagged | FPR | dishonest officer |"
        " honest officers flagged | events | detect (s)"
    )
    for r in results:
        print(
            f"{r.seed} | {r.brokers_found}/{r.brokers} | {100 * r.brokers_found / r.brokers:.1f} % |"
            f" {r.citizens_flagged}/{r.citizens} | {100 * r.citizens_flagged / r.citizens:.2f} % |"
            f" {'found' if r.officer_found else 'MISSED'} | {r.honest_officers_flagged} |"
            f" {r.events} | {r.detect_s:.3f}"
        )
        kinds = ", ".join(f"{k} {f}/{n}" for k, (f, n) in sorted(r.by_kind.items()))
        signals = ", ".join(f"{k} {n}" for k, n in sorted(r.flags_by_signal.items()))
        print(f"    by behaviour: {kinds}; flags: {signals}")
    recall = [r.brokers_found / r.brokers for r in results]
    fpr = [r.citizens_flagged / r.citizens for r in results]
    print(
        f"recall: min {100 * min(recall):.1f} %, mean {100 * statistics.mean(recall):.1f} %"
        f" (target >= 90 %); FPR: max {100 * max(fpr):.2f} %, mean {100 * statistics.mean(fpr):.2f} %"
        f" (target <= 1 %); dishonest officer found in"
        f" {sum(r.officer_found for r in results)}/{len(results)} seeds"
    )


if __name__ == "__main__":
    main()
