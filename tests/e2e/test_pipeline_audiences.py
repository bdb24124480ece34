"""Audiences through the shared end-to-end build: audience_members and the published exports."""

from __future__ import annotations

import csv
from pathlib import Path


def test_every_audience_is_exported_with_its_current_members(pipeline, warehouse) -> None:
    _, _, path, _, _ = pipeline
    audiences_dir = Path(path).parent.parent / "publish" / "audiences"
    current = dict(
        warehouse.execute(
            "select definitions.audience, count(members.user_key) "
            "from config.audience_definitions as definitions "
            "left join marts.audience_members as members "
            "on definitions.audience = members.audience and members.is_current "
            "group by 1"
        ).fetchall()
    )
    assert current["cart_abandoners_7d"] > 0
    for audience, members in current.items():
        with (audiences_dir / f"{audience}.csv").open() as handle:
            assert len(list(csv.DictReader(handle))) == members, audience
        assert (audiences_dir / f"{audience}.parquet").exists()


def test_a_cart_abandoner_who_buys_leaves_at_the_purchase(warehouse) -> None:
    """Every cart-abandoner membership that ended before its 7 days were up ended at a purchase of the
    user, after the membership began."""
    ended_early = warehouse.execute(
        """
        select members.user_key, members.entered_at, members.exited_at
        from marts.audience_members as members
        where members.audience = 'cart_abandoners_7d'
            and members.exited_at < members.entered_at + interval 7 day
        """
    ).fetchall()
    assert ended_early, "the demo has cart abandoners who bought within the week"
    for user_key, entered_at, exited_at in ended_early:
        purchases = warehouse.execute(
            "select count(*) from core.fct_macro_conversions "
            "where user_key = ? and macro_conversion = 'purchase' and converted_at = ?",
            [user_key, exited_at],
        ).fetchone()[0]
        assert purchases >= 1 and exited_at > entered_at, user_key
