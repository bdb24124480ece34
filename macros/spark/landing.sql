{#- Spark reads the landing files where they lie (an external source, nothing is copied): raw.events
    becomes a view over the contract's Parquet files with the columns the DuckDB loader writes, and
    raw.<vendor>_events a view over a vendor's export files (Parquet or JSON lines) with each row as
    one JSON object; a source without files (landing_dir null, a vendor left out) gets an empty view.
    A file is identified by its path, size and modification time (Spark cannot hash file contents in
    SQL); rows keep their order within a file. Run before a build:
    dbt run-operation stage_landing_files --target spark --args '{landing_dir: /abs/data/landing/events,
    vendor_files: {ga4: {path: /abs/data/landing/ga4, format: parquet}}}' -#}
{% macro stage_landing_files(landing_dir=none, vendor_files={}, spend_path=none, contract_columns=none) %}
    {#- The contract's columns: the event stream's, less where a row came from and the load bookkeeping.
        A column none of the contract files has (contract_columns: those they have) reads as null. -#}
    {%- set contract_columns_found = contract_columns -%}
    {%- set contract_columns = event_stream_columns()[2:-4] -%}
    {% do run_query("create schema if not exists raw") %}
    {%- set contract_values = [] -%}
    {%- for column in contract_columns -%}
        {%- if contract_columns_found is not none and column not in contract_columns_found -%}
            {%- do contract_values.append('cast(null as string) as ' ~ column) -%}
        {%- else -%}
            {%- do contract_values.append('cast(landed_files.' ~ column ~ ' as string) as ' ~ column) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if landing_dir -%}
        {% do run_query(_landed_files_view('events', landing_dir, 'parquet', contract_values, contract_columns)) %}
    {%- else -%}
        {#- No contract files (a vendor-only deployment): Spark cannot read an empty folder. -#}
        {%- set empty_columns = [] -%}
        {%- for column in contract_columns -%}
            {%- do empty_columns.append('cast(null as string) as ' ~ column) -%}
        {%- endfor -%}
        {% do run_query(_empty_raw_view('events', empty_columns)) %}
    {%- endif -%}
    {%- for vendor in ['ga4', 'segment', 'snowplow', 'mixpanel', 'yandex_metrica', 'amplitude', 'posthog', 'heap'] %}
        {%- set files = vendor_files.get(vendor) -%}
        {%- if files -%}
            {#- The Python step wrote each vendor file's rows as {"record", "source_file"} JSON lines. -#}
            {% do run_query(_landed_files_view(
                vendor ~ '_events', files['path'], files.get('format', 'json'),
                ['landed_files.record as record', 'landed_files.source_file as landed_source_file'], ['record'],
                'landed_source_file'
            )) %}
        {%- else -%}
            {% do run_query(_empty_raw_view(vendor ~ '_events', ['cast(null as string) as record'])) %}
        {%- endif -%}
    {%- endfor %}
    {#- Spend reports: the Python step (microconv.spend) maps them onto raw.ad_spend's columns in one
        Parquet file, as the DuckDB loader inserts them. -#}
    {%- set spend_columns = ['date', 'platform', 'source', 'medium', 'campaign', 'ad_group', 'cost', 'currency',
        'impressions', 'clicks', 'report_format', 'raw_row', '_source_file', '_file_id', '_source_row',
        '_ingested_at'] -%}
    {%- if spend_path -%}
        {% do run_query("create or replace view raw.ad_spend as select " ~ spend_columns | join(', ')
            ~ " from parquet.`" ~ spend_path.rstrip('/') ~ "`") %}
    {%- else -%}
        {%- set empty_spend = [] -%}
        {%- for column in spend_columns[:-4] -%}
            {%- do empty_spend.append('cast(null as string) as ' ~ column) -%}
        {%- endfor -%}
        {% do run_query(_empty_raw_view('ad_spend', empty_spend)) %}
    {%- endif %}
    {#- `microconv forget` works on the DuckDB warehouse only: Spark's suppression list is empty. -#}
    {% do run_query("create or replace view raw.erased_identities as select cast(null as string) as identity_hash, "
        ~ "cast(null as timestamp) as erased_at where false") %}
    {#- The user-level retention pass edits DuckDB's raw tables; Spark reads the landing files as they
        are, so it has no de-identified events. -#}
    {%- set deidentified = [] -%}
    {%- for column in event_stream_columns() -%}
        {%- do deidentified.append('cast(null as ' ~ ('bigint' if column == '_source_row' else 'timestamp' if column == '_ingested_at' else 'string') ~ ') as ' ~ column) -%}
    {%- endfor -%}
    {% do run_query("create or replace view raw.deidentified_events as select " ~ deidentified | join(', ') ~ " where false") %}
    {{ log("raw tables now read " ~ (landing_dir or 'no contract files') ~ " and " ~ (vendor_files | list | join(', ') or 'no vendor files'), info=true) }}
{% endmacro %}

{#- An empty raw view: `values` plus the load bookkeeping columns, no rows. -#}
{% macro _empty_raw_view(table, values) %}
    create or replace view raw.{{ table }} as
    select
        {{ values | join(', ') }},
        cast(null as string) as _source_file,
        cast(null as string) as _file_id,
        cast(null as bigint) as _source_row,
        cast(null as timestamp) as _ingested_at
    where false
{% endmacro %}

{#- A view over the files under `path`: `values` (SQL over landed_files) named `names`, plus the load
    bookkeeping columns; `source_file`, when given, names the column of `values` that holds each row's
    landing path (else the path of the file read, relative to `path`). -#}
{% macro _landed_files_view(table, path, file_format, values, names, source_file=none) %}
    {%- set landing = path.rstrip('/') -%}
    create or replace view raw.{{ table }} as
    with landed as (
        select
            {{ values | join(', ') }},
            landed_files._metadata.file_path as landed_file_path,
            landed_files._metadata.file_size as landed_file_size,
            landed_files._metadata.file_modification_time as landed_file_mtime,
            monotonically_increasing_id() as landed_position
        from {{ file_format }}.`{{ landing }}` as landed_files
    )
    select
        {{ names | join(', ') }},
        {{ source_file or "regexp_replace(landed_file_path, '^.*" ~ landing ~ "/', '')" }} as _source_file,
        substr(sha2(concat_ws('|', landed_file_path, cast(landed_file_size as string), cast(landed_file_mtime as string)), 256), 1, 16) as _file_id,
        row_number() over (partition by landed_file_path order by landed_position) as _source_row,
        cast(landed_file_mtime as timestamp) as _ingested_at
    from landed
{% endmacro %}
