"""One row per channel x data-driven model (markov, shapley): credits from the path summary.

The algorithms live in orchestration.attribution, so tests feed the fractribution fixture through the
same code.
"""

from orchestration.attribution import data_driven_credits


def model(dbt, session):
    dbt.config(materialized="table")
    path_summary = dbt.ref("int_attribution_paths_summarized").to_arrow_table()
    return data_driven_credits(path_summary)
