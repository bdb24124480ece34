"""Stand-in for dbt's `modules` during linting: pytz's time zone names (from the standard library)."""

import datetime
import itertools
import re
import zoneinfo


class pytz:  # noqa: N801 - the name dbt's Jinja context uses
    all_timezones = sorted(zoneinfo.available_timezones())


__all__ = ["datetime", "itertools", "pytz", "re"]
