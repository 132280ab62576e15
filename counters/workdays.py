"""Working days on an Indonesian calendar (pure).

A working day is a Monday to Friday that is neither a national holiday nor a
cuti bersama day the city declares. The holidays come in as plain dates: the
edge (hall_server/complaints_setup.py) takes them from the ``holidays``
package plus ``HALL_EXTRA_HOLIDAYS``, so this module needs no library.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    holidays: frozenset[date] = frozenset()

    @classmethod
    def of(cls, days: Iterable[date]) -> WorkCalendar:
        return cls(frozenset(days))

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start`` (``start`` itself never counts).

        A complaint received on a Friday with 3 working days to verify is due
        on the Wednesday after (Monday 1, Tuesday 2, Wednesday 3), later if a
        holiday falls in between.
        """
        day = start
        left = days
        while left > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 if ``end <= start``)."""
        count = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count
