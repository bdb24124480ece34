"""Quoting for the few SQL statements that cannot take parameters (identifiers, ATTACH/COPY paths).

Everything else passes values as `?` parameters; user-supplied text is never formatted into SQL raw.
"""

from __future__ import annotations


def quote_identifier(identifier: str) -> str:
    """A double-quoted SQL identifier (embedded quotes doubled)."""
    return '"' + identifier.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """A single-quoted SQL string literal (embedded quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"
