{#- One row per data test. The SQL is the macro data_test_history_sql, which the on-run-end hook also
    runs to rebuild this table after storing the invocation's test results. -#}
{{ data_test_history_sql(ref('data_test_results')) }}
