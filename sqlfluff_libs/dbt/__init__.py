"""Stand-ins for dbt's cross-database macros, so sqlfluff's jinja templater can render our models.

Each returns plausible SQL of the same shape as the real macro; only linting uses them.
"""


def hash(field):
    return f"md5(cast({field} as varchar))"


def dateadd(datepart, interval, from_date_or_timestamp):
    return f"({from_date_or_timestamp} + interval ({interval}) {datepart})"


def datediff(first_date, second_date, datepart):
    return f"date_diff('{datepart}', {first_date}, {second_date})"


def date_trunc(datepart, date):
    return f"date_trunc('{datepart}', {date})"


def safe_cast(field, type):
    return f"try_cast({field} as {type})"


def listagg(measure, delimiter_text="','", order_by_clause=None, limit_num=None):
    return f"string_agg({measure}, {delimiter_text})"


def type_string():
    return "varchar"


def type_float():
    return "double"


def type_numeric():
    return "numeric(28, 6)"


def type_int():
    return "integer"


def type_bigint():
    return "bigint"


def type_timestamp():
    return "timestamp"


def type_boolean():
    return "boolean"


def generate_series(upper_bound):
    return f"select generate_series as generated_number from generate_series(1, {upper_bound})"


def cast(field, type):
    return f"cast({field} as {type})"


def concat(fields):
    return " || ".join(fields)


def date_spine(datepart, start_date, end_date):
    return (
        f"select date_day from range({start_date}, {end_date}, interval 1 {datepart}) as spine (date_day)"
    )
