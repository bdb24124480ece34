"""Stand-in for dbt's `exceptions` during linting: compile errors render as nothing."""


def raise_compiler_error(message):
    return ""


def warn(message):
    return ""
