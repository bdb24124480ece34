"""Read what the report shows from the published copy (read-only: never the warehouse being built)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

Rows = list[dict[str, Any]]

QUERIES: dict[str, str] = {
    "headline": """
        select
            (select count(*) from core.fct_sessions) as sessions,
            (select count(*) from core.dim_users) as users,
            (select count(*) from core.fct_micro_conversions) as micro_conversions,
            (select count(*) from core.fct_macro_conversions) as macro_conversions,
            (select coalesce(sum(revenue), 0) from core.fct_macro_conversions) as revenue,
            (select min(started_at) from core.fct_sessions) as first_session_at,
            (select max(started_at) from core.fct_sessions) as last_session_at
    """,
    "funnel_steps": """
        select funnel, step_number, step_name, breakdown_dimension, breakdown_value, users,
            conversion_rate_from_previous, conversion_rate_from_start, drop_off_users
        from marts.funnel_steps
        where breakdown_dimension in ('all', 'channel', 'device_category')
        order by funnel, breakdown_dimension, breakdown_value, step_number
    """,
    "micro_conversion_daily": """
        select date_day, micro_conversion, kind, occurrences, rate_per_session, sessions, total_sessions
        from marts.micro_conversion_daily
        order by micro_conversion, date_day
    """,
    "anomalies": """
        select date_day, micro_conversion, occurrences, baseline_mean, z_score, direction
        from marts.micro_conversion_anomalies
        where is_anomaly
        order by date_day, micro_conversion
    """,
    "impact": """
        select micro_conversion, macro_conversion, users_with, macro_rate_with, macro_rate_without,
            lift, odds_ratio, odds_ratio_ci_low, odds_ratio_ci_high, p_value, q_value, is_significant,
            is_small_sample
        from marts.micro_conversion_impact
        order by macro_conversion, lift desc nulls last, micro_conversion
    """,
    "micro_conversion_value": """
        select micro_conversion, macro_conversion, value, value_ci_low, value_ci_high, currency,
            sample_size, is_significant, is_small_sample
        from marts.micro_conversion_value
        where value is not null
        order by macro_conversion, value, micro_conversion
    """,
    # Spend, revenue, ROAS and CPA per campaign with spend, under each rule-based model.
    "campaign_spend": """
        select utm_campaign, attribution_model, currency, sum(cost) as cost,
            sum(attributed_revenue) as attributed_revenue,
            sum(attributed_conversions) as attributed_conversions,
            sum(attributed_revenue) / nullif(sum(cost), 0) as roas,
            sum(cost) / nullif(sum(attributed_conversions), 0) as cpa,
            bool_or(has_unmatched_spend) as has_unmatched_spend
        from marts.campaign_performance
        group by utm_campaign, attribution_model, currency
        having sum(cost) > 0
        order by utm_campaign, attribution_model
    """,
    # Members of each audience on each day of the data: entered on or before it, not yet exited.
    "audience_sizes": """
        with days as (
            select distinct session_date as date_day from core.fct_sessions
        )
        select members.audience, days.date_day, count(*) as members
        from marts.audience_members as members
        inner join days
            on cast(members.entered_at as date) <= days.date_day
            and (members.exited_at is null or cast(members.exited_at as date) > days.date_day)
        group by members.audience, days.date_day
        order by members.audience, days.date_day
    """,
    # The 15 most viewed pages over the whole period.
    "pages": """
        select page_path, sum(view_count) as views, sum(engaged_view_count) as engaged_views,
            sum(converting_session_count) * 1.0 / nullif(sum(session_count), 0) as session_conversion_rate
        from marts.page_performance
        group by page_path
        order by views desc, page_path
        limit 15
    """,
    "forms": """
        select form_id, sum(form_start_count) as starts, sum(completed_start_count) as completed_starts,
            1 - sum(completed_start_count) * 1.0 / nullif(sum(form_start_count), 0) as abandonment_rate
        from marts.form_funnel
        group by form_id
        having sum(form_start_count) > 0
        order by form_id
    """,
    # Sessions reaching each depth of scroll and video, over the whole period.
    "depths": """
        select element_type,
            sum(element_session_count) as sessions,
            sum(sessions_reaching_25_percent) as reached_25,
            sum(sessions_reaching_50_percent) as reached_50,
            sum(sessions_reaching_75_percent) as reached_75,
            sum(sessions_reaching_90_percent) as reached_90,
            sum(sessions_reaching_100_percent) as reached_100
        from marts.element_performance
        where element_type in ('scroll', 'video')
        group by element_type
        order by element_type
    """,
    "channel_attribution": """
        select channel, attribution_model, attributed_conversions, attributed_revenue
        from marts.channel_attribution
        order by channel, attribution_model
    """,
    "experiments": """
        select experiment_id, variant, metric, metric_type, is_control, control_variant, exposed_users,
            converted_users, conversion_rate, control_conversion_rate, uplift_vs_control,
            relative_uplift_vs_control, ci_low, ci_high, p_value, q_value, is_significant,
            srm_p_value, has_sample_ratio_mismatch
        from marts.experiment_results
        order by experiment_id, metric, variant
    """,
    "quality_daily": """
        select event_date, raw_rows, clean_rows, quarantined_rows, duplicate_rows, late_rows
        from marts.event_quality_daily
        order by event_date
    """,
    # One row per dbt invocation that ran data tests (marts.data_test_results, filled by on-run-end).
    "data_test_runs": """
        select
            invocation_id,
            min(run_started_at) as run_started_at,
            count(*) as tests,
            sum(case when status = 'warn' then 1 else 0 end) as warned,
            sum(case when status = 'fail' then 1 else 0 end) as failed,
            sum(case when status = 'error' then 1 else 0 end) as errored
        from marts.data_test_results
        group by invocation_id
        order by run_started_at, invocation_id
    """,
    # Tests failing or warning now, or flipping status in their recent runs.
    "data_test_problems": """
        select test_name, model_name, column_name, current_status, previous_status, current_failures,
            runs, recent_flips, flakiness_rate, is_new_failure
        from marts.data_test_history
        where current_status in ('warn', 'fail', 'error') or recent_flips > 0
        order by current_status = 'pass', flakiness_rate desc nulls last, model_name, test_name
        limit 30
    """,
    # Sessions per day, channel and device: the overview's KPIs and filters add these up in the browser.
    "session_cube": """
        select session_date as date_day, coalesce(channel, '(none)') as channel,
            coalesce(device_category, '(none)') as device, count(*) as sessions,
            count(*) filter (where is_engaged) as engaged_sessions,
            count(*) filter (where has_macro_conversion) as converting_sessions
        from core.fct_sessions
        group by all
        order by all
    """,
    # Macro-conversions per day, channel, device and currency: amounts as sent (revenue_original, in
    # `currency`) and converted to the reporting currency (revenue, null without an exchange rate).
    "macro_cube": """
        select conversions.converted_date as date_day, coalesce(conversions.channel, '(none)') as channel,
            coalesce(sessions.device_category, '(none)') as device, conversions.currency,
            count(*) as conversions, sum(conversions.revenue_original) as revenue_original,
            sum(conversions.revenue) as revenue, count(*) filter (where not conversions.is_currency_known)
                as unconverted
        from core.fct_macro_conversions as conversions
        left join core.fct_sessions as sessions on conversions.session_key = sessions.session_key
        group by all
        order by all
    """,
    "micro_cube": """
        select occurred_date as date_day, micro_conversion, coalesce(channel, '(none)') as channel,
            coalesce(device_category, '(none)') as device, count(*) as occurrences
        from core.fct_micro_conversions
        group by all
        order by all
    """,
    # The reporting currency: what revenue, cost and value columns of the marts are in.
    "reporting_currency": """
        select currency from marts.campaign_performance where currency is not null
        union all
        select currency from marts.micro_conversion_value where currency is not null
        limit 1
    """,
    "funnel_daily": """
        select funnel, step_number, cohort_date, step_name, users, entered_users, conversion_rate_from_start
        from marts.funnel_steps_daily
        order by funnel, cohort_date, step_number
    """,
    "funnel_times": """
        select funnel, step_number, step_name, median_seconds_from_previous, p90_seconds_from_previous
        from marts.funnel_steps
        where breakdown_dimension = 'all'
        order by funnel, step_number
    """,
    "cart_abandonment": """
        select date_day, carts, checkouts, purchases, abandonment_rate, checkout_abandonment_rate
        from marts.cart_abandonment_daily
        order by date_day
    """,
    "journey_stages": """
        select
            count(*) as users,
            count(awareness_reached_at) as awareness,
            count(consideration_reached_at) as consideration,
            count(decision_reached_at) as decision,
            count(retention_reached_at) as retention,
            count(*) filter (where furthest_journey_stage is null) as no_stage
        from marts.journey_stage_progress
    """,
    "journey_furthest": """
        select coalesce(furthest_journey_stage, '(none reached)') as stage,
            coalesce(furthest_journey_stage_number, 0) as stage_number, count(*) as users
        from marts.journey_stage_progress
        group by all
        order by stage_number
    """,
    "cohorts": """
        select cohort_week, micro_conversion, weeks_since_cohort, cohort_users, converted_users,
            cumulative_conversion_rate
        from marts.micro_conversion_cohorts
        order by micro_conversion, cohort_week, weeks_since_cohort
    """,
    # The first and the newest day with sessions (the newest is taken as partial, as
    # micro_conversion_cohorts does).
    "latest_day": """
        select min(session_date) as first_session_date, max(session_date) as latest_session_date
        from core.fct_sessions
    """,
    "campaign_attribution": """
        select utm_campaign, attribution_model, attributed_conversions, attributed_revenue
        from marts.campaign_attribution
        order by utm_campaign, attribution_model
    """,
    "conversion_paths": """
        select path, macro_conversion, count(*) as conversions, sum(revenue) as revenue,
            avg(days_to_convert) as mean_days_to_convert, min(path_length) as path_length
        from marts.conversion_paths
        group by path, macro_conversion
        order by conversions desc, path
        limit 25
    """,
    "path_lengths": """
        select path_length, count(*) as conversions
        from marts.conversion_paths
        group by path_length
        order by path_length
    """,
    # Cost, revenue and conversions per channel and model, per currency (never summed across currencies).
    "channel_spend": """
        select channel, attribution_model, currency, sum(cost) as cost,
            sum(attributed_revenue) as attributed_revenue,
            sum(attributed_conversions) as attributed_conversions,
            sum(attributed_revenue) / nullif(sum(cost), 0) as roas,
            sum(cost) / nullif(sum(attributed_conversions), 0) as cpa
        from marts.channel_performance
        group by all
        having sum(cost) > 0
        order by channel, attribution_model
    """,
    "landing_pages": """
        select landing_page_path, sum(session_count) as sessions,
            sum(engaged_session_count) * 1.0 / nullif(sum(session_count), 0) as engagement_rate,
            sum(converting_session_count) * 1.0 / nullif(sum(session_count), 0) as session_conversion_rate,
            sum(macro_conversion_count) as macro_conversions
        from marts.landing_page_performance
        group by landing_page_path
        order by sessions desc, landing_page_path
        limit 20
    """,
    "quarantine_reasons": """
        select rejection_reason, count(*) as rows
        from core.quarantined_events
        group by rejection_reason
        order by rows desc, rejection_reason
    """,
}


@dataclass
class ReportData:
    """Every query's rows, by query name."""

    rows: dict[str, Rows]

    def __getitem__(self, name: str) -> Rows:
        return self.rows[name]


def read_report_data(published_database: Path) -> ReportData:
    # Attach the file to an in-memory database instead of opening it directly: DuckDB refuses a second
    # direct connection in one process when its settings differ from the first one's (a BI driver such
    # as duckdb-engine sets its own), while an attached read-only file coexists with any reader.
    with duckdb.connect() as con:
        con.execute("attach ? as published (read_only)", [str(published_database)])
        con.execute("use published")
        rows: dict[str, Rows] = {}
        for name, sql in QUERIES.items():
            cursor = con.execute(sql)
            columns = [description[0] for description in cursor.description]
            rows[name] = [
                {column: _plain(value) for column, value in zip(columns, row, strict=True)}
                for row in cursor.fetchall()
            ]
    return ReportData(rows)


def _plain(value: Any) -> Any:
    """Decimals (a mart built by another engine may type a rate as DECIMAL) as floats for the charts."""
    return float(value) if isinstance(value, Decimal) else value
