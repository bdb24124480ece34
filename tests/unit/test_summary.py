"""The printable warehouse summary on a tiny warehouse file."""

from __future__ import annotations

from pathlib import Path

import duckdb

from microconv.summary import MAPPINGS_SEED, warehouse_summary


def _warehouse(path: Path, unknown_names: int) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(
            """
            create table marts.event_name_catalogue (
                event_source varchar, source_event_name varchar, events bigint, is_known boolean,
                suggested_seed_row varchar
            )
            """
        )
        con.execute(
            "insert into marts.event_name_catalogue values "
            "('segment', 'Order Completed', 40, false, 'segment,Order Completed,purchase'), "
            "('microconv', 'page_view', 9000, true, null)"
        )
        # Custom names with 1..n events: the summary keeps the ten with the most.
        for number in range(unknown_names):
            con.execute(
                "insert into marts.event_name_catalogue values ('microconv', ?, ?, false, null)",
                [f"custom_{number:02d}", number + 1],
            )


def test_summary_lists_the_top_unmapped_names_with_the_seed_to_edit(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    _warehouse(path, unknown_names=12)
    lines = warehouse_summary(path).splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith("Unmapped event names"))
    assert "top 10 of 13" in lines[start]
    listed = [line.split() for line in lines[start + 1 : start + 21 : 2]]
    # Most events first: Order Completed (40), then custom_11 (12 events) down to custom_03 (4).
    assert [" ".join(words) for words in listed] == [
        "segment: Order Completed 40",
        *[f"microconv: custom_{number:02d} {number + 1}" for number in range(11, 2, -1)],
    ]
    seed_row = "segment,Order Completed,purchase"
    assert lines[start + 2].strip() == f"looks like a known name: add the row `{seed_row}` to {MAPPINGS_SEED}"
    assert "seeds/micro_conversion_definitions.csv" in lines[start + 4]
    assert "page_view" not in "\n".join(lines)


def test_summary_says_none_when_every_name_is_known(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    _warehouse(path, unknown_names=0)
    with duckdb.connect(str(path)) as con:
        con.execute("delete from marts.event_name_catalogue where not is_known")
    lines = warehouse_summary(path).splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith("Unmapped event names"))
    assert lines[start + 1] == "  (none)"


def test_an_unnamed_yandex_metrica_goal_points_to_the_goals_seed(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    _warehouse(path, unknown_names=0)
    with duckdb.connect(str(path)) as con:
        con.execute("delete from marts.event_name_catalogue where not is_known")
        con.execute(
            "insert into marts.event_name_catalogue values "
            "('yandex_metrica', 'goal_310400201', 28, false, null)"
        )
    lines = warehouse_summary(path).splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith("Unmapped event names"))
    assert lines[start + 2].strip() == (
        "a Metrica goal without a name: add `310400201,<event name>,<what it is>` "
        "to seeds/yandex_metrica_goals.csv"
    )
