-- Experiment readout: every variant against control per metric, with its confidence interval.
-- In a BI tool: a table, or points with error bars (ci_low .. ci_high) per metric.
select
    experiment_id,
    metric,
    variant,
    is_control,
    exposed_users,
    converted_users,
    conversion_rate,
    uplift_vs_control,
    ci_low,
    ci_high,
    p_value,
    q_value,
    is_significant,
    has_sample_ratio_mismatch
from marts.experiment_results
order by experiment_id asc, metric asc, is_control desc, variant asc
