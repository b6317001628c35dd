{#- Working days (Mon-Fri) in [start_date, end_date); NULL when either bound is NULL (unknown, not zero). -#}
{% macro weekdays_between(start_date, end_date) -%}
    case when ({{ start_date }}) is null or ({{ end_date }}) is null then null else
    (select count(*)::int
     from generate_series(({{ start_date }})::date, ({{ end_date }})::date - 1, interval '1 day') as d(day)
     where extract(isodow from d.day) < 6) end
{%- endmacro %}
