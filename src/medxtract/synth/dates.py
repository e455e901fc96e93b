"""Random dates and the ways forms print them, with the ISO truth for each print."""

from __future__ import annotations

import datetime as dt
import random

MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]

# Printed styles. "dmy"/"mdy" are the purely numeric ones where a reader cannot always
# tell day from month; the truth then lists both readings.
DATE_FORMATS = ("dmy", "dmy0", "mdy", "mdy0", "mon_d_y", "d_month_y", "iso", "mon_d_comma_y")


def random_date(rng: random.Random, start_year: int, end_year: int) -> dt.date:
    start = dt.date(start_year, 1, 1).toordinal()
    end = dt.date(end_year, 12, 31).toordinal()
    return dt.date.fromordinal(rng.randint(start, end))


def format_date(d: dt.date, fmt: str) -> str:
    if fmt == "dmy":
        return f"{d.day}/{d.month}/{d.year}"  # 5/11/2022
    if fmt == "dmy0":
        return f"{d.day:02d}/{d.month:02d}/{d.year}"  # 17/12/2020
    if fmt == "mdy":
        return f"{d.month}/{d.day}/{d.year}"
    if fmt == "mdy0":
        return f"{d.month:02d}/{d.day:02d}/{d.year}"
    if fmt == "mon_d_y":
        return f"{MONTHS[d.month - 1][:3]} {d.day} {d.year}"  # May 6 1972
    if fmt == "d_month_y":
        return f"{d.day} {MONTHS[d.month - 1]} {d.year}"  # 30 December 2020
    if fmt == "iso":
        return d.isoformat()
    if fmt == "mon_d_comma_y":
        return f"{MONTHS[d.month - 1][:3]} {d.day}, {d.year}"  # Dec 30, 2020
    raise ValueError(f"unknown date format {fmt!r}")


def date_truth(d: dt.date, fmt: str) -> str | list[str]:
    """ISO truth; both readings (month-first reading first) when a numeric print is ambiguous."""
    if fmt in ("dmy", "dmy0", "mdy", "mdy0") and d.day <= 12 and d.day != d.month:
        swapped = dt.date(d.year, d.day, d.month)
        month_first = d if fmt.startswith("mdy") else swapped
        day_first = swapped if fmt.startswith("mdy") else d
        return [month_first.isoformat(), day_first.isoformat()]
    return d.isoformat()


def printed_date(
    rng: random.Random, start_year: int, end_year: int, formats: tuple[str, ...] = DATE_FORMATS
) -> tuple[str, str | list[str]]:
    d = random_date(rng, start_year, end_year)
    fmt = rng.choice(formats)
    return format_date(d, fmt), date_truth(d, fmt)
