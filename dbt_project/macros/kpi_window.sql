{#- The dates KPI tables count: from var kpi_earliest_date to today + var kpi_future_months (the same lower bound
    as warehouse/dates.py). A row dated outside it (9999-12-31 written straight into the database) is left out
    of period tables instead of stretching every tenant's spine to the year 9999. -#}
{% macro kpi_window_start() -%}
    date '{{ var("kpi_earliest_date") }}'
{%- endmacro %}

{% macro kpi_window_end() -%}
    (current_date + interval '{{ var("kpi_future_months") }} months')::date
{%- endmacro %}

{% macro in_kpi_window(day) -%}
    (({{ day }}) between {{ kpi_window_start() }} and {{ kpi_window_end() }})
{%- endmacro %}
