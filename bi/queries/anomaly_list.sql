-- Anomaly list: days where a micro-conversion dropped or spiked against its baseline, newest first.
-- In a BI tool: a table with conditional colours on direction.
select
    date_day,
    micro_conversion,
    direction,
    occurrences,
    round(baseline_mean, 1) as baseline_mean,
    round(z_score, 2) as z_score
from marts.micro_conversion_anomalies
where is_anomaly
order by date_day desc, abs(z_score) desc
