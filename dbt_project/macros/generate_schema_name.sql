{#- Custom schemas are used as-is (staging, intermediate, marts), without the target-schema prefix:
    BI tools and the API look for `marts`, whatever the target. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
