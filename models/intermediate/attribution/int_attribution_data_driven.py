"""One row per channel x data-driven model (markov, shapley): credits from the path summary.

The algorithms live in microconv.attribution, so tests feed the fractribution fixture through the
same code. On DuckDB dbt runs this model itself. dbt-spark runs Python models only on Databricks, so on
Spark the table is written by a Python step through the Spark session
(microconv.engines.spark.write_data_driven_credits) and this model is `precomputed` (see
dbt_project.yml): dbt only checks that the table is there.
"""

from microconv.attribution import data_driven_credits


def model(dbt, session):
    path_summary = dbt.ref("int_attribution_paths_summarized").to_arrow_table()
    return data_driven_credits(path_summary)
