"""Tick statistics: the window after since_tick, achieved rate and lateness."""

from realtime.tick_stats import TickRecord, tick_stats


def _log(late_every: int = 0) -> list[TickRecord]:
    out = []
    for n in range(1, 41):  # 40 ticks due every 50 ms; every late_every-th one 30 ms late
        due = n * 0.05
        late = 0.03 if late_every and n % late_every == 0 else 0.0
        out.append(TickRecord(n, due + late, due, 0.004 if n <= 20 else 0.008, 0.002))
    return out


def test_stats_cover_only_the_ticks_after_since_tick():
    stats = tick_stats(_log(), since_tick=20, tick_hz=20.0)
    assert stats["ticks"] == 20 and stats["first_tick"] == 21 and stats["last_tick"] == 40
    assert stats["tick_ms"] == {"p50": 8.0, "p99": 8.0, "max": 8.0}
    assert stats["send_ms"]["max"] == 2.0 and stats["step_ms"]["max"] == 10.0


def test_without_since_tick_every_kept_tick_counts():
    stats = tick_stats(_log(), since_tick=None, tick_hz=20.0)
    assert stats["ticks"] == 40 and stats["tick_ms"]["p50"] == 8.0
    assert stats["tick_ms"]["max"] == 8.0 and stats["tick_hz_achieved"] == 20.0


def test_ticks_that_start_late_show_in_lateness_not_in_duration():
    stats = tick_stats(_log(late_every=4), since_tick=0, tick_hz=20.0)
    assert stats["tick_late_ms"]["max"] == 30.0 and stats["tick_late_ms"]["p50"] == 0.0
    assert stats["tick_ms"]["max"] == 8.0


def test_an_empty_window_has_no_percentiles():
    stats = tick_stats(_log(), since_tick=40, tick_hz=20.0)
    assert stats["ticks"] == 0 and stats["tick_hz_achieved"] is None
    assert stats["tick_ms"] == {"p50": None, "p99": None, "max": None}
