{#- numerator / denominator, NULL when the denominator is 0 or NULL ("no cohort", never a division error). -#}
{% macro safe_divide(numerator, denominator) -%}
    ({{ numerator }})::numeric / nullif(({{ denominator }})::numeric, 0)
{%- endmacro %}
