"""EventBridge schedule expressions: what is accepted, what is refused and why, and when each fires next."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from researcher_pro.watches.schedules import InvalidSchedule, parse_schedule


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def fires(expression: str, start: datetime, count: int) -> list[datetime]:
    schedule = parse_schedule(expression)
    times: list[datetime] = []
    moment = start
    for _ in range(count):
        upcoming = schedule.next_after(moment, start)
        assert upcoming is not None
        times.append(upcoming)
        moment = upcoming
    return times


def test_rates_count_whole_periods_from_when_they_were_set() -> None:
    anchor = at(2026, 1, 1, 9, 30)
    schedule = parse_schedule("rate(6 hours)")
    assert schedule.next_after(anchor, anchor) == at(2026, 1, 1, 15, 30)
    # Missed runs collapse: two days later the next fire time is the first one after now, not a backlog.
    assert schedule.next_after(at(2026, 1, 3, 16, 0), anchor) == at(2026, 1, 3, 21, 30)
    assert parse_schedule("rate(1 day)").shortest_interval(anchor) == 86_400
    assert parse_schedule("rate(1 minute)").shortest_interval(anchor) == 60


@pytest.mark.parametrize(
    ("expression", "start", "expected"),
    [
        # Every day at 09:00 with `?` in day-of-week.
        ("cron(0 9 * * ? *)", at(2026, 3, 1, 9, 0), [at(2026, 3, 2, 9), at(2026, 3, 3, 9)]),
        # `?` in day-of-month; MON-FRI by name; 1=SUN..7=SAT by number gives the same days.
        ("cron(0 18 ? * MON-FRI *)", at(2026, 11, 27, 19), [at(2026, 11, 30, 18), at(2026, 12, 1, 18)]),
        ("cron(0 18 ? * 2-6 *)", at(2026, 11, 27, 19), [at(2026, 11, 30, 18), at(2026, 12, 1, 18)]),
        # Lists and steps: minutes 0/20 within hours 8-9.
        (
            "cron(0/20 8-9 * * ? *)",
            at(2026, 5, 5, 9, 45),
            [at(2026, 5, 6, 8), at(2026, 5, 6, 8, 20), at(2026, 5, 6, 8, 40), at(2026, 5, 6, 9)],
        ),
        ("cron(15 6 1,15 * ? *)", at(2026, 1, 10), [at(2026, 1, 15, 6, 15), at(2026, 2, 1, 6, 15)]),
        # `L`: the last day of each month, across month ends of every length and a leap February.
        (
            "cron(0 0 L * ? *)",
            at(2028, 1, 15),
            [at(2028, 1, 31), at(2028, 2, 29), at(2028, 3, 31), at(2028, 4, 30)],
        ),
        ("cron(0 0 L 2 ? *)", at(2026, 3, 1), [at(2027, 2, 28), at(2028, 2, 29), at(2029, 2, 28)]),
        # 29 February only exists in leap years; 2100 is not one.
        ("cron(0 12 29 2 ? *)", at(2096, 3, 1), [at(2104, 2, 29, 12)]),
        # `W`: the weekday nearest the 15th (15 Aug 2026 is a Saturday, 15 Nov 2026 a Sunday).
        ("cron(0 9 15W * ? *)", at(2026, 8, 1), [at(2026, 8, 14, 9), at(2026, 9, 15, 9)]),
        ("cron(0 9 15W * ? *)", at(2026, 11, 1), [at(2026, 11, 16, 9)]),
        # `LW`: the last weekday (31 Oct 2026 is a Saturday).
        ("cron(0 9 LW * ? *)", at(2026, 10, 1), [at(2026, 10, 30, 9), at(2026, 11, 30, 9)]),
        # `#`: the first Monday; `6L`: the last Friday; `L` alone: Saturday, the last day of the week.
        ("cron(0 9 ? * 2#1 *)", at(2026, 11, 3), [at(2026, 12, 7, 9), at(2027, 1, 4, 9)]),
        ("cron(0 9 ? * 6L *)", at(2026, 11, 1), [at(2026, 11, 27, 9), at(2026, 12, 25, 9)]),
        ("cron(0 9 ? * L *)", at(2026, 11, 26), [at(2026, 11, 28, 9), at(2026, 12, 5, 9)]),
        # The year field, and the turn of the year.
        ("cron(30 23 31 12 ? 2027-2028)", at(2026, 6, 1), [at(2027, 12, 31, 23, 30), at(2028, 12, 31, 23, 30)]),
        ("cron(0 0 1 JAN,JUL ? *)", at(2026, 12, 31, 23, 59), [at(2027, 1, 1), at(2027, 7, 1)]),
    ],
)
def test_cron_fire_times(expression: str, start: datetime, expected: list[datetime]) -> None:
    assert fires(expression, start, len(expected)) == expected


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("every day", "a schedule is rate(value unit) or cron("),
        ("rate(0 hours)", "positive whole number"),
        ("rate(2 hour)", "plural unit, as in rate(2 hours)"),
        ("rate(1 hours)", "singular unit, as in rate(1 hour)"),
        ("rate(5 weeks)", "minute(s), hour(s) or day(s)"),
        ("cron(0 9 * * *)", "takes 6 fields"),
        ("cron(0 9 * * * *)", "exactly one of day-of-month and day-of-week must be '?'"),
        ("cron(0 9 ? * ? *)", "exactly one of day-of-month and day-of-week must be '?'"),
        ("cron(60 9 * * ? *)", "minute value '60'"),
        ("cron(0 24 * * ? *)", "hour value '24'"),
        ("cron(0 9 32 * ? *)", "day-of-month value '32'"),
        ("cron(0 9 ? 13 MON *)", "month value '13'"),
        ("cron(0 9 ? * 8 *)", "day-of-week value '8'"),
        ("cron(0/0 9 * * ? *)", "a step after '/' must be at least 1"),
        ("cron(0 9 1 1 ? 2020)", "never fires"),
        ("cron(0 9 30 2 ? *)", "never fires"),
    ],
)
def test_invalid_schedules_say_why(expression: str, message: str) -> None:
    with pytest.raises(InvalidSchedule) as refused:
        parse_schedule(expression)
    assert message in refused.value.detail


@pytest.mark.parametrize(
    ("expression", "shortest"),
    [
        ("cron(0/15 * * * ? *)", 900),
        ("cron(0 8,9 * * ? *)", 3600),  # an hour apart, then 23 hours: the shortest gap counts
        ("cron(0 23,0 * * ? *)", 3600),  # across midnight
        ("cron(0 0 1,28 * ? *)", 86_400),  # 28 February, then 1 March
        ("cron(0 9 ? * MON-FRI *)", 86_400),
        ("cron(0 9 ? * 2#1 *)", 28 * 86_400),
    ],
)
def test_the_shortest_interval_between_fire_times(expression: str, shortest: int) -> None:
    assert parse_schedule(expression).shortest_interval(at(2026, 1, 1)) == shortest
