"""Spend report files as the ad platforms write them -> raw.ad_spend rows (microconv.spend)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from microconv.spend import (
    UnknownSpendReportError,
    decimal_separator,
    load_spend_files,
    normalize_date,
    normalize_number,
    report_rows,
)

# Google Ads "Download > CSV" of a campaign report: a title line, the date range, the header, the rows,
# then total rows. Thousands separators in numbers, `--` for a value that is not there.
GOOGLE_ADS_CSV = """Campaign report
"January 1, 2026 - January 2, 2026"
Day,Campaign,Campaign type,Currency code,Cost,Impr.,Clicks
2026-01-01,Spring_Sale,Search,USD,"1,234.50","12,000",340
2026-01-02,spring_sale,Search,USD,99.00,--,12
Total: Account,--,--,USD,"1,333.50","12,000",352
Total: Search,--,--,USD,"1,333.50","12,000",352
"""

META_CSV = (
    "Reporting starts,Reporting ends,Campaign name,Ad set name,Day,Amount spent (EUR),"
    "Impressions,Link clicks\n"
    "2026-01-01,2026-01-02,Retarget Carts,All visitors,2026-01-01,12.5,800,20\n"
)

MICROSOFT_CSV = """\ufeff"Report Name: Campaign performance"
"Report Time: 1/3/2026 4:00:00 AM"
"Time Zone: (GMT) Coordinated Universal Time"
"Report Aggregation: Daily"
"Rows: 1"

"TimePeriod","AccountName","CampaignName","Impressions","Clicks","Spend","CurrencyCode"
"1/31/2026","Shop","brand","1,500","45","67.89","USD"
"©2026 Microsoft Corporation. All rights reserved. "
"""

YANDEX_API_TSV = (
    '"campaign_report 2026-01-01 - 2026-01-01"\n'
    "Date\tCampaignName\tImpressions\tClicks\tCost\n"
    "2026-01-01\tbrand_yd\t1000\t50\t1234560000\n"
    "Total rows: 1\n"
)

# Yandex Direct's Report Wizard in Russian: semicolons, dd.mm.yyyy, decimal commas, spaces grouping digits.
YANDEX_WIZARD_CSV = "Дата;Кампания;Показы;Клики;Расход (руб.)\n31.01.2026;brand_yd;1 200;60;2 345,67\n"  # noqa: RUF001


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_google_ads_download_keeps_total_rows_for_staging_and_reads_grouped_numbers(tmp_path):
    report_format, rows = report_rows(_write(tmp_path, "google.csv", GOOGLE_ADS_CSV))
    assert report_format.name == "google_ads"
    assert [row["date"] for row in rows] == ["2026-01-01", "2026-01-02", "Total: Account", "Total: Search"]
    assert rows[0]["cost"] == "1234.50"
    assert rows[0]["impressions"] == "12000"
    assert rows[1]["impressions"] is None  # `--`
    assert rows[0]["platform"] == "google_ads"
    assert rows[0]["currency"] == "USD"
    assert rows[1]["campaign"] == "spring_sale"


def test_google_ads_excel_csv_is_utf16_and_tab_separated(tmp_path):
    text = GOOGLE_ADS_CSV.replace(",", "\t").replace('"1\t234.50"', "1234.50")
    path = _write(tmp_path, "google_excel.csv", "\ufeff" + text, encoding="utf-16-le")
    report_format, rows = report_rows(path)
    assert report_format.name == "google_ads"
    assert rows[0]["campaign"] == "Spring_Sale"


def test_meta_export_takes_the_currency_from_the_cost_column_name(tmp_path):
    report_format, rows = report_rows(_write(tmp_path, "meta.csv", META_CSV))
    assert report_format.name == "meta_ads"
    assert rows == [
        {
            "date": "2026-01-01",
            "platform": "meta_ads",
            "source": None,
            "medium": None,
            "campaign": "Retarget Carts",
            "ad_group": "All visitors",
            "cost": "12.5",
            "currency": "EUR",
            "impressions": "800",
            "clicks": "20",
            "report_format": "meta_ads",
            "raw_row": rows[0]["raw_row"],
        }
    ]


def test_microsoft_report_skips_the_preamble_and_reads_us_dates(tmp_path):
    report_format, rows = report_rows(_write(tmp_path, "microsoft.csv", MICROSOFT_CSV))
    assert report_format.name == "microsoft_ads"
    assert rows[0]["date"] == "2026-01-31"
    assert rows[0]["cost"] == "67.89"
    assert rows[0]["impressions"] == "1500"
    assert rows[1]["date"].startswith("©2026 Microsoft")  # the footer, for staging to quarantine
    assert len(rows) == 2


def test_yandex_reports_api_money_is_in_micros(tmp_path):
    report_format, rows = report_rows(_write(tmp_path, "yandex.tsv.csv", YANDEX_API_TSV))
    assert report_format.name == "yandex_direct_api"
    assert rows[0]["cost"] == "1234.560000"
    assert rows[0]["platform"] == "yandex_direct"
    assert rows[1]["date"] == "Total rows: 1"


def test_yandex_wizard_export_has_decimal_commas(tmp_path):
    report_format, rows = report_rows(_write(tmp_path, "yandex_ru.csv", YANDEX_WIZARD_CSV))
    assert report_format.name == "yandex_direct"
    assert (rows[0]["date"], rows[0]["cost"], rows[0]["impressions"]) == ("2026-01-31", "2345.67", "1200")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["1,234.56", "12.00"], "."),
        (["1.234,56"], ","),
        (["12,5", "7"], ","),
        (["1,234", "12,000"], "."),
        (["1 234,50"], ","),
        ([], "."),
    ],
)
def test_decimal_separator(values, expected):
    assert decimal_separator(values) == expected


def test_normalize_number_keeps_what_it_cannot_read():
    assert normalize_number("1.234,56", ",") == "1234.56"
    assert normalize_number("€ 12,50", ",") == "12.50"
    assert normalize_number("twelve", ".") == "twelve"
    assert normalize_number("--", ".") is None
    assert normalize_number("2500000", ".", micros=True) == "2.500000"


def test_normalize_date_by_the_platform_order():
    assert normalize_date("1/2/2026", "mdy") == "2026-01-02"
    assert normalize_date("01.02.2026", "dmy") == "2026-02-01"
    assert normalize_date("31/31/2026", "mdy") == "31/31/2026"
    assert normalize_date("Total: Account", "ymd") == "Total: Account"


def test_contract_parquet_and_unknown_layout(tmp_path):
    contract = tmp_path / "contract.parquet"
    duckdb.sql(
        "select '2026-01-01' as date, 'google_ads' as platform, 'google' as source, 'cpc' as medium, "
        "'Brand' as campaign, 10.5 as cost, 'USD' as currency"
    ).write_parquet(str(contract))
    report_format, rows = report_rows(contract)
    assert report_format.name == "microconv"
    assert (rows[0]["cost"], rows[0]["ad_group"]) == ("10.5", None)
    with pytest.raises(UnknownSpendReportError, match="no spend header found"):
        report_rows(_write(tmp_path, "other.csv", "a,b,c\n1,2,3\n"))


def test_loading_is_idempotent_and_rejects_unknown_files_without_stopping(tmp_path):
    landing = tmp_path / "spend"
    landing.mkdir()
    _write(landing, "google.csv", GOOGLE_ADS_CSV)
    _write(landing, "yandex.csv", YANDEX_WIZARD_CSV)
    _write(landing, "notes.csv", "hello,world\n1,2\n")
    with duckdb.connect(str(tmp_path / "wh.duckdb")) as con:
        report = load_spend_files(con, landing)
        assert sorted(Path(path).name for path, _ in report.loaded) == ["google.csv", "yandex.csv"]
        assert [Path(path).name for path, _ in report.rejected] == ["notes.csv"]
        assert (landing / "_rejected" / "notes.csv").exists()
        again = load_spend_files(con, landing)
        assert (len(again.loaded), len(again.skipped)) == (0, 2)
        assert con.execute("select count(*) from raw.ad_spend").fetchone()[0] == 4 + 1
        assert con.execute("select count(*) from raw.rejected_files").fetchone()[0] == 1
