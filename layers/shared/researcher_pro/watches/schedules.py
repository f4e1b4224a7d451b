"""EventBridge schedule expressions: `rate(N unit)` and `cron(min hour dom month dow year)`, in UTC.

Cron evaluation is aws-croniter's (it knows AWS's six fields, `?`, `L`, `W`, `#`, day-of-week 1=SUN..7=SAT
and the year field). Around it we add only what it lacks, each marked where it is done:
- day-of-week `L` on its own (AWS: the last day of the week, Saturday) is read as `7`;
- day-of-month `LW` (the last weekday of the month), which aws-croniter cannot parse, is evaluated month by
  month with that month's concrete day;
- aws-croniter gives up (returns None) after ten internal steps, which sparse schedules (29 February, a
  year list) can need; the search is restarted month by month until the AWS year limit.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from aws_croniter import AwsCroniter

from researcher_pro.core.errors import InvalidInput

LAST_YEAR = 2199  # the largest year EventBridge accepts
_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((.*)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86_400}
_FIELDS = ("minute", "hour", "day-of-month", "month", "day-of-week", "year")
_GAP_SAMPLE = 500  # fire times looked at when measuring a cron schedule's shortest interval


class InvalidSchedule(InvalidInput):
    """A schedule that is not valid EventBridge syntax, never fires, or fires too often."""


@dataclass(frozen=True)
class Schedule:
    expression: str
    rate_seconds: int | None = None
    _cron: AwsCroniter | None = None
    _last_weekday: bool = False  # day-of-month `LW`

    def next_after(self, moment: datetime, anchor: datetime) -> datetime | None:
        """The first fire time strictly after `moment`. A rate counts whole periods from `anchor` (when the
        schedule was set), so runs missed while nothing looked collapse into the next one, never a burst."""
        moment = moment.astimezone(UTC)
        if self.rate_seconds is not None:
            elapsed = (moment - anchor).total_seconds()
            periods = 1 if elapsed < 0 else int(elapsed // self.rate_seconds) + 1
            return anchor.astimezone(UTC) + timedelta(seconds=periods * self.rate_seconds)
        if self._cron is None:
            raise InvalidSchedule(f"{self.expression} has neither a rate nor a cron")
        if self._last_weekday:
            return _next_last_weekday(self._cron, moment)
        return _next_cron(self._cron, moment)

    def shortest_interval(self, start: datetime, stop_below: float | None = None) -> float | None:
        """The smallest gap between consecutive fire times after `start` (None: it fires at most once).

        A cron's gaps vary (`0 8,9 * * ? *` fires an hour apart, then 23 hours), so this samples its next
        fire times; stops early once a gap below `stop_below` is seen."""
        if self.rate_seconds is not None:
            return float(self.rate_seconds)
        times: list[datetime] = []
        current = self.next_after(start, start)
        shortest: float | None = None
        horizon = start + timedelta(days=800)
        while current is not None and len(times) < _GAP_SAMPLE and current <= horizon:
            if times:
                gap = (current - times[-1]).total_seconds()
                shortest = gap if shortest is None else min(shortest, gap)
                if stop_below is not None and shortest < stop_below:
                    break
            times.append(current)
            current = self.next_after(current, start)
        return shortest


def parse_schedule(expression: str, require_future: bool = True) -> Schedule:
    """`require_future=False` reads back a stored schedule that may have fired for the last time."""
    text = expression.strip()
    if text.startswith("rate("):
        return _parse_rate(text)
    cron = _CRON.match(text)
    if not cron:
        raise InvalidSchedule("a schedule is rate(value unit) or cron(minute hour day-of-month month day-of-week year)")
    return _parse_cron(text, cron.group(1).split(), require_future)


def _parse_rate(text: str) -> Schedule:
    rate = _RATE.match(text)
    if not rate:
        raise InvalidSchedule("rate() takes a positive whole number and a unit: minute(s), hour(s) or day(s)")
    value, unit = int(rate.group(1)), rate.group(2)
    if value < 1:
        raise InvalidSchedule("rate(): the value must be a positive whole number")
    singular = unit.rstrip("s")
    if value == 1 and unit != singular:
        raise InvalidSchedule(f"rate(): a value of 1 takes the singular unit, as in rate(1 {singular})")
    if value > 1 and unit == singular:
        raise InvalidSchedule(f"rate(): a value above 1 takes the plural unit, as in rate({value} {singular}s)")
    return Schedule(text, rate_seconds=value * _UNIT_SECONDS[singular])


def _parse_cron(text: str, fields: list[str], require_future: bool) -> Schedule:
    if len(fields) != len(_FIELDS):
        raise InvalidSchedule(f"cron() takes 6 fields ({', '.join(_FIELDS)}); {len(fields)} given")
    day_of_month, day_of_week = fields[2], fields[4]
    if (day_of_month == "?") == (day_of_week == "?"):
        raise InvalidSchedule("cron(): exactly one of day-of-month and day-of-week must be '?'")
    last_weekday = day_of_month.upper() == "LW"
    if last_weekday:
        fields[2] = "L"  # months and years still come from aws-croniter; the day itself is ours
    if day_of_week.upper() == "L":
        fields[4] = "7"  # AWS: `L` alone in day-of-week is the last day of the week
    try:
        parsed = AwsCroniter(" ".join(fields))
    except ValueError as error:  # aws-croniter's errors are ValueErrors naming the field
        reason = str(error).rstrip(".")
        if "step" in reason:
            reason = "a step after '/' must be at least 1"
        raise InvalidSchedule(f"cron(): {reason}") from error
    schedule = Schedule(text, _cron=parsed, _last_weekday=last_weekday)
    now = datetime.now(UTC)
    if require_future and schedule.next_after(now, now) is None:
        raise InvalidSchedule("cron(): the schedule never fires from now on")
    return schedule


def _next_cron(cron: AwsCroniter, after: datetime) -> datetime | None:
    start, year, month = after, after.year, after.month
    while year <= LAST_YEAR:
        found = cron.get_next(start)[0]
        if found is not None:
            return found
        # Gave up after its step limit: carry on from the next month (its first minute included).
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        start = _month_start(year, month) - timedelta(seconds=1)
    return None


def _next_last_weekday(cron: AwsCroniter, after: datetime) -> datetime | None:
    """`LW`: the last Monday-to-Friday of each month allowed by the month and year fields."""
    minute, hour, _, _, _, _ = cron.rules
    year, month = after.year, after.month
    while year <= LAST_YEAR:
        if year in cron.years and month in cron.months:
            day = calendar.monthrange(year, month)[1]
            while calendar.weekday(year, month, day) >= calendar.SATURDAY:
                day -= 1
            in_month = AwsCroniter(f"{minute} {hour} {day} {month} ? {year}")
            found = in_month.get_next(max(after, _month_start(year, month) - timedelta(seconds=1)))[0]
            if found is not None and found > after:
                return found
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _month_start(year: int, month: int) -> datetime:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return datetime(year, month, 1, tzinfo=UTC)
