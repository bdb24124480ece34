{#- Snowplow's self-describing events and entities, in both layouts its warehouse loaders write
    (https://docs.snowplow.io/docs/api-reference/loaders-storage-targets/schemas-in-warehouse/):
    the JSON columns `unstruct_event`, `contexts` and `derived_contexts` ({"schema": …, "data": …}), or
    one column per schema and version: `unstruct_event_<vendor>_<name>_<version>` holding the event's
    data and `contexts_<vendor>_<name>_<version>` holding an array of entities, with the vendor's dots
    as underscores, the version the major one (`_1`: Snowflake, Databricks, BigQuery Loader 2) or the
    full one (`_1_0_2`: BigQuery Loader 1), as nested records or as JSON text. The raw table keeps each
    exported row as one JSON object, so these columns are found by listing its keys, in any case
    (Snowflake stores unquoted column names in upper case, and its unloads write them so). -#}

{#- The values (text) of the keys `keys` of a row's JSON object, read with one parse of the row (a
    wide export row is parsed once, not once per column); snowplow_record_value picks one of them. -#}
{% macro snowplow_record_values(record, keys) -%}
    {{ return(adapter.dispatch('snowplow_record_values', 'microconv')(record, keys)) }}
{%- endmacro %}

{% macro duckdb__snowplow_record_values(record, keys) -%}
    json_extract_string({{ record }}, [{%- for key in keys %}'$.{{ key }}'{{ ', ' if not loop.last }}{%- endfor %}])
{%- endmacro %}

{% macro spark__snowplow_record_values(record, keys) -%}
    from_json({{ record }}, 'map<string,string>')
{%- endmacro %}

{% macro snowplow_record_value(values, keys, key) -%}
    {{ return(adapter.dispatch('snowplow_record_value', 'microconv')(values, keys.index(key) + 1, "'" ~ key ~ "'")) }}
{%- endmacro %}

{% macro duckdb__snowplow_record_value(values, position, key_literal) -%}
    {{ values }}[{{ position }}]
{%- endmacro %}

{% macro spark__snowplow_record_value(values, position, key_literal) -%}
    element_at({{ values }}, {{ key_literal }})
{%- endmacro %}

{#- The keys of a row's JSON object that are per-schema columns with a value: the row's only lookups
    run over this short list, not over every column of the export. -#}
{% macro snowplow_schema_keys(record) -%}
    {{ return(adapter.dispatch('snowplow_schema_keys', 'microconv')(record)) }}
{%- endmacro %}

{% macro duckdb__snowplow_schema_keys(record) -%}
    list_filter(
        list_filter(json_keys({{ record }}), lambda record_key: regexp_full_match(record_key, '(unstruct_event|contexts)_.+_[0-9]+', 'i')),
        lambda record_key: json_extract_string({{ record }}, '$.' || record_key) is not null
    )
{%- endmacro %}

{% macro spark__snowplow_schema_keys(record) -%}
    filter(
        json_object_keys({{ record }}),
        record_key -> record_key rlike '(?i)^(unstruct_event|contexts)_.+_[0-9]+$'
            and get_json_object({{ record }}, concat('$.', record_key)) is not null
    )
{%- endmacro %}

{#- Of `schema_keys`, the column `<prefix>_<major>` or `<prefix>_<major>_<minor>_<patch>` of the
    newest version (`prefix` is a regular expression); null when there is none. A major-only column
    counts as newer than the full-version columns of its major version: BigQuery Loader 2 writes new
    data there and leaves the old columns as they were. -#}
{% macro snowplow_schema_column(schema_keys, prefix) -%}
    {{ return(adapter.dispatch('snowplow_schema_column', 'microconv')(schema_keys, "'" ~ prefix ~ "'")) }}
{%- endmacro %}

{% macro duckdb__snowplow_schema_column(schema_keys, prefix_literal) -%}
    list_sort(list_transform(
        list_filter({{ schema_keys }}, lambda schema_key: regexp_full_match(schema_key, {{ prefix_literal }} || '_[0-9]+(_[0-9]+_[0-9]+)?', 'i')),
        lambda schema_key: {
            'major': cast(regexp_extract(schema_key, '_([0-9]+)(_([0-9]+)_([0-9]+))?$', 1) as integer),
            'minor': coalesce(try_cast(nullif(regexp_extract(schema_key, '_([0-9]+)(_([0-9]+)_([0-9]+))?$', 3), '') as integer), 999999),
            'patch': coalesce(try_cast(nullif(regexp_extract(schema_key, '_([0-9]+)(_([0-9]+)_([0-9]+))?$', 4), '') as integer), 999999),
            'column_name': schema_key
        }
    ))[-1].column_name
{%- endmacro %}

{% macro spark__snowplow_schema_column(schema_keys, prefix_literal) -%}
    array_max(transform(
        filter({{ schema_keys }}, schema_key -> schema_key rlike concat('(?i)^', {{ prefix_literal }}, '_[0-9]+(_[0-9]+_[0-9]+)?$')),
        schema_key -> named_struct(
            'major', cast(regexp_extract(schema_key, '_([0-9]+)(_([0-9]+)_([0-9]+))?$', 1) as int),
            'minor', coalesce(cast(nullif(regexp_extract(schema_key, '_([0-9]+)(_([0-9]+)_([0-9]+))?$', 3), '') as int), 999999),
            'patch', coalesce(cast(nullif(regexp_extract(schema_key, '_([0-9]+)(_([0-9]+)_([0-9]+))?$', 4), '') as int), 999999),
            'column_name', schema_key
        )
    )).column_name
{%- endmacro %}

{#- The data (JSON text) of the first entity whose schema starts with `schema_prefix`
    ('iglu:<vendor>/<name>/') in a contexts JSON text ({"schema": …/contexts/…, "data": [{schema, data}, …]});
    null when there is none or the text is not JSON. -#}
{% macro snowplow_contexts_entity(contexts, schema_prefix) -%}
    {{ return(adapter.dispatch('snowplow_contexts_entity', 'microconv')(contexts, "'" ~ schema_prefix ~ "'")) }}
{%- endmacro %}

{% macro duckdb__snowplow_contexts_entity(contexts, schema_prefix_literal) -%}
    case when json_valid({{ contexts }}) then json_extract_string(
        list_filter(
            coalesce(json_extract({{ contexts }}, '$.data[*]'), []),
            lambda entity: left(json_extract_string(entity, '$.schema'), length({{ schema_prefix_literal }})) = {{ schema_prefix_literal }}
        )[1],
        '$.data'
    ) end
{%- endmacro %}

{% macro spark__snowplow_contexts_entity(contexts, schema_prefix_literal) -%}
    element_at(filter(
        coalesce(from_json(get_json_object({{ contexts }}, '$.data'), 'array<struct<schema:string,data:string>>'), array()),
        entity -> left(entity.schema, length({{ schema_prefix_literal }})) = {{ schema_prefix_literal }}
    ), 1).data
{%- endmacro %}

{#- The data (JSON text) of the first entity of schema `<vendor>/<name>` (any version) attached to a
    row: from its `contexts` or `derived_contexts` JSON column (enrichments such as YAUAA add theirs to
    derived_contexts), else from the newest `contexts_<vendor>_<name>_<version>` column of `record`. -#}
{% macro snowplow_entity(record, contexts, derived_contexts, schema_keys, vendor, name) -%}
    {%- set schema_prefix = 'iglu:' ~ vendor ~ '/' ~ name ~ '/' -%}
    {%- set column = snowplow_schema_column(schema_keys, 'contexts_' ~ (vendor ~ '_' ~ name) | replace('.', '_') | lower) -%}
    coalesce(
        {{ snowplow_contexts_entity(contexts, schema_prefix) }},
        {{ snowplow_contexts_entity(derived_contexts, schema_prefix) }},
        {{ json_path_text(json_value(record, column), '$[0]') }}
    )
{%- endmacro %}

{#- A timestamp as Snowplow exports write it, as ISO text: BigQuery's JSON and CSV exports end in
    ' UTC', Snowflake's may put a space before the offset, the atomic table's CSV has no offset (UTC). -#}
{% macro snowplow_timestamp_text(expression) -%}
    {%- set trimmed = "replace(replace(regexp_replace(trim(" ~ expression ~ "), ' UTC$', ''), ' +', '+'), ' -', '-')" -%}
    {{ utc_text(trimmed) }}
{%- endmacro %}
