"""Vendor event sources (GA4, Segment, Snowplow, Mixpanel).

1. Hand-written fixture files per vendor (tests/corpus/vendors/<vendor>/, rows written after each
   vendor's public schema docs) go through the loader and staging with every source enabled; the
   canonical rows must equal the vendor's `_expected.csv`.
2. The same demo written in each vendor's format (`generate(..., vendor=…)`) gives the same core
   tables and marts as the contract path, and the quarantine counts the manifest predicts.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest

from microconv.generator import GeneratorConfig, generate
from microconv.generator.catalog import custom_event_names
from microconv.generator.vendors import MIXPANEL_DEMO_TIMEZONE, YANDEX_METRICA_DEMO_TIMEZONE
from microconv.ingest import load_event_sources
from tests.dbt_subprocess import run_dbt
from tests.warehouse_compare import table_differences

pytestmark = pytest.mark.e2e

PROJECT_DIR = Path(__file__).resolve().parents[2]
FIXTURES = PROJECT_DIR / "tests" / "corpus" / "vendors"
VENDORS = ("ga4", "segment", "snowplow", "mixpanel", "posthog", "amplitude", "heap", "yandex_metrica")
DEMO = GeneratorConfig(events=20_000, days=14, seed=5, dirty_share=0.03)
# Where the source shows through by design: its name, its files and rows, its load times, its raw
# properties text. Everything else in core and the marts must be equal.
SOURCE_COLUMNS = frozenset(
    {"event_source", "source_event_name", "raw_row_key", "source_file", "file_id", "source_row", "loaded_at"}
)
# Quality tables count what each export could carry, and the name catalogue lists each source's own
# names; they are checked against the manifest instead. consent_daily counts each export's own consent
# field and tracker session ids (the contract demo sends none).
QUALITY_TABLES = frozenset(
    {
        "core.quarantined_events",
        "marts.event_quality_daily",
        "marts.event_name_catalogue",
        "marts.consent_daily",
    }
)
# Exports whose times have whole seconds (Yandex Metrica's Logs API writes DateTime): their demo is
# compared with the contract's demo at that precision, its event times truncated to the second.
WHOLE_SECOND_VENDORS = frozenset({"yandex_metrica"})
WHOLE_SECONDS_CONTRACT = "microconv_whole_seconds"

CANONICAL_ROWS_SQL = """
select
    source_file, cast(source_row as varchar), event_id, event_name, source_event_name,
    strftime(event_at, '%Y-%m-%d %H:%M:%S.%f'),
    anonymous_id, user_id, tracker_session_id, page_path, referrer_host,
    utm_source, utm_medium, utm_campaign, utm_content, device_category, country,
    cast(user_agent_hash is not null as varchar), cast(email_hash is not null as varchar),
    cast(property_value as varchar),
    json_extract_string(properties, '$.order_id'),
    json_extract_string(properties, '$.product_id'),
    json_extract_string(properties, '$.currency'),
    json_extract_string(properties, '$.scroll_percent'),
    case when loaded_at <> ingested_at then strftime(loaded_at, '%Y-%m-%d %H:%M:%S.%f') end,
    row_status, rejection_reason
from intermediate.int_events_validated
where event_source = ?
order by source_file, source_row
"""


def _dbt(arguments: list[str], database: Path, sources: str, mixpanel_timezone: str = "UTC") -> None:
    """dbt on one warehouse file with these event sources and Mixpanel project time zone; the Metrica
    counter of the fixture and of the demo writes its times in Berlin time."""
    run_dbt(
        arguments,
        database,
        sources,
        mixpanel_timezone=mixpanel_timezone,
        yandex_metrica_timezone=YANDEX_METRICA_DEMO_TIMEZONE,
    )


def _load(landing_root: Path, database: Path) -> None:
    with duckdb.connect(str(database)) as con:
        load_event_sources(con, landing_root / "events")


@pytest.fixture(scope="module")
def fixture_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("vendor_fixtures")
    landing = root / "landing"
    shutil.copytree(FIXTURES, landing)
    (landing / "events").mkdir()
    database = root / "warehouse" / "microconv.duckdb"
    database.parent.mkdir()
    _load(landing, database)
    _dbt(["seed"], database, ",".join(("microconv", *VENDORS)))
    build = ["build", "--select", "+int_events_validated", "--indirect-selection", "cautious"]
    _dbt(build, database, ",".join(("microconv", *VENDORS)))
    return database


def _expected(vendor: str) -> list[tuple[str | None, ...]]:
    with (FIXTURES / vendor / "_expected.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    return [tuple(value if value != "" else None for value in row) for row in rows]


@pytest.mark.parametrize("vendor", VENDORS)
def test_a_vendor_fixture_becomes_the_expected_canonical_rows(fixture_warehouse: Path, vendor: str) -> None:
    with duckdb.connect(str(fixture_warehouse), read_only=True) as con:
        actual = [tuple(row) for row in con.execute(CANONICAL_ROWS_SQL, [vendor]).fetchall()]
    assert actual == _expected(vendor)


def test_vendor_fixtures_carry_their_consent(fixture_warehouse: Path) -> None:
    """The consent fields of the GA4 and Segment fixtures (docs/privacy.md, Consent): GA4's
    privacy_info.analytics_storage No on visitor 9999.1111's three events and Yes on 7777.3333's two;
    Segment's consent object Analytics true on anon-s1's first two messages and false on anon-s2's
    sign-up. Every other clean event has no consent state (unknown)."""
    with duckdb.connect(str(fixture_warehouse), read_only=True) as con:
        rows = con.execute(
            """
            select event_source, anonymous_id, consent_analytics, count(*)
            from intermediate.int_events_validated
            where row_status = 'clean' and consent_analytics != 'unknown'
            group by all
            order by all
            """
        ).fetchall()
    assert rows == [
        ("ga4", "7777.3333", "granted", 2),
        ("ga4", "9999.1111", "denied", 3),
        ("segment", "anon-s1", "granted", 2),
        ("segment", "anon-s2", "denied", 1),
    ]


def test_vendor_properties_never_carry_personal_data(fixture_warehouse: Path) -> None:
    """The fixtures put e-mail addresses in Segment properties, Snowplow event data and Mixpanel's
    $email: only the salted hash may be stored."""
    raw_with_email = 0
    for path in FIXTURES.rglob("*"):
        if path.is_file() and not path.name.startswith("_"):
            raw_with_email += path.read_bytes().count(b"@example.")
    assert raw_with_email >= 3
    with duckdb.connect(str(fixture_warehouse), read_only=True) as con:
        leaked = con.execute(
            "select count(*) from intermediate.int_events_validated where properties like '%@%'"
        ).fetchone()[0]
    assert leaked == 0


def test_posthog_identity_stitches_as_posthog_merges_persons(fixture_warehouse: Path) -> None:
    """PostHog merges the anonymous id of an $identify ($anon_distinct_id) into the user's person, so
    the device's events before the login (…01 $pageview, …02 Product Added) are the user's too; an alias
    merges the other id; a never-identified device (…06, …10) stays anonymous; server-side events
    (…07, …08) and an identified $pageleave (…11) are their distinct_id's. Row …08 is quarantined."""
    _dbt(
        ["build", "--select", "int_users_stitched", "--exclude-resource-type", "test"],
        fixture_warehouse,
        ",".join(("microconv", *VENDORS)),
    )
    with duckdb.connect(str(fixture_warehouse), read_only=True) as con:
        stitched = dict(
            con.execute(
                """
                select right(event_id, 2), stitched_user_id
                from intermediate.int_users_stitched
                where event_id like '0195a1b2-0000-7000-8000-%'
                """
            ).fetchall()
        )
    assert stitched == {
        "01": "user-42", "02": "user-42", "03": "user-42", "04": "user-42", "06": None,
        "07": "user-77", "09": "user-77", "10": None, "11": "user-77",
    }  # fmt: skip


class DemoBuilds:
    """The same demo, built once per format (the contract and each vendor), on first use: a test run
    selecting one vendor (`-k amplitude`) builds only the contract and that vendor."""

    def __init__(self, root_factory: pytest.TempPathFactory) -> None:
        self._root_factory = root_factory
        self._builds: dict[str, tuple[Path, dict]] = {}

    def __getitem__(self, source: str) -> tuple[Path, dict]:
        if source not in self._builds:
            self._builds[source] = self._build(source)
        return self._builds[source]

    def _build(self, source: str) -> tuple[Path, dict]:
        root = self._root_factory.mktemp(f"demo_{source}")
        vendor = None if source in ("microconv", WHOLE_SECONDS_CONTRACT) else source
        landing_dir = root / "landing" / ("events" if vendor is None else vendor)
        manifest = generate(DEMO, landing_dir, "parquet", vendor=vendor).manifest
        if source == WHOLE_SECONDS_CONTRACT:
            _truncate_event_times_to_seconds(landing_dir)
        (root / "landing" / "events").mkdir(exist_ok=True)  # the contract folder, empty for a vendor demo
        database = root / "warehouse" / "microconv.duckdb"
        database.parent.mkdir()
        _load(root / "landing", database)
        # Models and seeds only: the data tests run on the contract's build in test_pipeline, and the
        # marts compared here are what they would test. The demo's Mixpanel export carries local time.
        _dbt(
            ["build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"],
            database,
            "microconv" if vendor is None else source,
            MIXPANEL_DEMO_TIMEZONE,
        )
        return database, manifest


def _truncate_event_times_to_seconds(landing_dir: Path) -> None:
    """The contract demo's event times without their fraction of a second (text that is no such time,
    the demo's unparseable rows, unchanged)."""
    for path in landing_dir.glob("*.parquet"):
        truncated = path.with_name(path.name + ".truncated")
        duckdb.sql(
            "copy (select * replace (regexp_replace(event_timestamp, "
            "'^([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})[.][0-9]+Z$', '\\1Z') "
            f"as event_timestamp) from read_parquet('{path}')) to '{truncated}' (format parquet)"
        )
        truncated.replace(path)


@pytest.fixture(scope="module")
def demo_builds(tmp_path_factory: pytest.TempPathFactory) -> DemoBuilds:
    return DemoBuilds(tmp_path_factory)


@pytest.mark.parametrize("vendor", VENDORS)
def test_the_demo_through_a_vendor_adapter_gives_the_same_marts(demo_builds, vendor: str) -> None:
    canonical, _ = demo_builds[WHOLE_SECONDS_CONTRACT if vendor in WHOLE_SECOND_VENDORS else "microconv"]
    database, _ = demo_builds[vendor]
    differences = table_differences(
        canonical, database, schemas=("core", "marts"), ignored_columns=SOURCE_COLUMNS
    )
    assert {table: counts for table, counts in differences.items() if table not in QUALITY_TABLES} == {}


# The exports with a per-event consent field (docs/privacy.md, Consent); the others carry none.
CONSENT_VENDORS = ("ga4", "segment")


def _consent_totals(database: Path) -> dict[str, int]:
    with duckdb.connect(str(database), read_only=True) as con:
        return dict(
            con.execute(
                "select consent_analytics, sum(events) from marts.consent_daily group by 1"
            ).fetchall()
        )


@pytest.mark.parametrize("vendor", CONSENT_VENDORS)
def test_a_vendor_demo_carries_the_contracts_consent(demo_builds, vendor: str) -> None:
    """The demo's consent, written in the vendor's own field (GA4 privacy_info.analytics_storage, Segment
    context.consent), gives the contract demo's clean events per consent state."""
    canonical = _consent_totals(demo_builds["microconv"][0])
    assert canonical.get("denied") and canonical.get("granted") and canonical.get("unknown")
    assert _consent_totals(demo_builds[vendor][0]) == canonical


@pytest.mark.parametrize("vendor", VENDORS)
def test_a_vendor_demo_quarantines_what_its_format_carries(demo_builds, vendor: str) -> None:
    database, manifest = demo_builds[vendor]
    with duckdb.connect(str(database), read_only=True) as con:
        reasons = dict(
            con.execute(
                "select rejection_reason, count(*) from core.quarantined_events group by 1"
            ).fetchall()
        )
        sources = con.execute(
            "select distinct event_source from intermediate.int_events_validated"
        ).fetchall()
    assert sources == [(vendor,)]
    assert reasons == {reason: rows for reason, rows in manifest["expected_quarantine"].items() if rows}
    assert manifest["left_out_rows"]  # every vendor leaves out something: the comparison is not vacuous


@pytest.mark.parametrize("source", ("microconv", *VENDORS))
def test_custom_events_are_clean_and_listed_in_the_catalogue(demo_builds, source: str) -> None:
    """The demo's custom events (names in no catalogue seed, in each vendor's own naming) are kept as
    clean events, as many as the manifest expects, and are the catalogue's only unknown names."""
    database, manifest = demo_builds[source]
    vendor_names = dict(custom_event_names(source))
    expected = {
        vendor_names.get(name, name): (events, None) for name, events in manifest["custom_events"].items()
    }
    with duckdb.connect(str(database), read_only=True) as con:
        unknown = {
            name: (events, suggestion)
            for name, events, suggestion in con.execute(
                """
                select source_event_name, events, suggested_event_name
                from marts.event_name_catalogue
                where not is_known
                """
            ).fetchall()
        }
    assert all(events > 0 for events, _ in expected.values())
    assert unknown == expected
