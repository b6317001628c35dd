"""Everything that names a table's columns agrees with warehouse.schema: the API's resource specs and schemas, the
repositories' row models and the demo world generator's column lists. A column renamed, dropped or retyped in a
migration (and so in warehouse.schema) fails here, naming the place that still says the old thing."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import pkgutil
import types
import typing
import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa

from warehouse import schema
from warehouse.repositories.consultants import ConsultantEmbeddingInput, ConsultantFields, ConsultantSkillRow
from warehouse.repositories.requirements import RequirementEmbeddingInput, RequirementFields, SkillRow

# What Python type may carry a value of each column type (numeric travels as float in the API and the pipeline).
_CARRIERS: dict[type, tuple[type, ...]] = {
    uuid.UUID: (uuid.UUID,), str: (str,), bool: (bool,), int: (int,), float: (float,), Decimal: (float,),
    dt.date: (dt.date,), dt.datetime: (dt.datetime,), list: (list,), dict: (dict, list), bytes: (bytes,),
}


def _python_type(column: sa.Column) -> type:
    if isinstance(column.type, sa.JSON):
        return dict
    return column.type.python_type


def _flatten(annotation: object) -> tuple[set[type], bool]:
    """The concrete types an annotation admits (Annotated, Literal and unions unwrapped) and whether None is one."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _flatten(typing.get_args(annotation)[0])
    if origin is typing.Literal:
        return {type(v) for v in typing.get_args(annotation)}, False
    if origin in (typing.Union, types.UnionType):
        found: set[type] = set()
        nullable = False
        for arg in typing.get_args(annotation):
            inner, inner_null = _flatten(arg)
            found |= inner
            nullable |= inner_null or arg is type(None)
        return found - {type(None)}, nullable
    if origin is not None:
        return {origin}, False
    return {annotation}, annotation is type(None)  # type: ignore[arg-type]


def _mismatch(where: str, column: sa.Column, annotation: object) -> list[str]:
    admitted, nullable = _flatten(annotation)
    carriers = _CARRIERS[_python_type(column)]
    problems = []
    if not admitted & set(carriers):
        problems.append(f"{where}: {sorted(t.__name__ for t in admitted)} cannot carry {column.type} "
                        f"of {column.table.name}.{column.name}")
    if column.nullable and not nullable:
        problems.append(f"{where}: {column.table.name}.{column.name} may be NULL, the annotation does not say so")
    return problems


def _resources():
    import serving.api.routes as routes
    from serving.api.crud import Resource

    for info in pkgutil.iter_modules(routes.__path__):
        resource = getattr(importlib.import_module(f"serving.api.routes.{info.name}"), "RESOURCE", None)
        if isinstance(resource, Resource):
            yield resource


RESOURCES = list(_resources())


def test_every_crud_resource_of_the_api_is_checked():
    assert {r.name for r in RESOURCES} == {
        "activities", "attachments", "companies", "consultants", "contacts", "interviews", "offers", "placements",
        "requirements", "submissions", "tags"}


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.name)
def test_the_public_schema_shows_exactly_the_spec_columns_with_types_that_carry_them(resource):
    table = schema.table(resource.spec.table)
    public = resource.public.model_fields
    assert set(public) == {"id", "version", "created_at", "updated_at", *resource.spec.columns}
    problems = [p for name, info in public.items()
                for p in _mismatch(f"{resource.public.__name__}.{name}", table.c[name], info.annotation)]
    assert problems == []


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.name)
def test_create_and_update_schemas_send_only_writable_columns_and_require_what_the_table_requires(resource):
    spec, table = resource.spec, schema.table(resource.spec.table)
    create, update = dict(resource.create.model_fields), resource.update.model_fields
    if resource.before_create is not None:  # the hook turns request-only fields into columns
        create = {n: f for n, f in create.items() if n in table.c}
    assert set(create) <= spec.writable | spec.immutable
    assert set(update) <= spec.writable
    problems = [p for name, info in create.items()
                for p in _mismatch(f"{resource.create.__name__}.{name}", table.c[name], info.annotation)
                if "may be NULL" not in p]
    assert problems == []
    must_send = {c.name for c in table.columns if c.name in spec.writable | spec.immutable and not c.nullable
                 and c.server_default is None}
    before_create_fills = {"attachments": {"content_type", "size_bytes", "sha256", "entity_type", "entity_id"},
                           "placements": {"consultant_id", "requirement_id"}}.get(resource.name, set())
    optional = {n for n, info in create.items() if not info.is_required()}
    assert (must_send - before_create_fills) & optional == set()


ROW_MODELS = [(RequirementFields, "requirement"), (SkillRow, "requirement_skill"),
              (RequirementEmbeddingInput, "requirement"), (ConsultantFields, "consultant"),
              (ConsultantSkillRow, "consultant_skill"), (ConsultantEmbeddingInput, "consultant")]
DERIVED = {"skills"}  # aggregated from the child tables, not a column


@pytest.mark.parametrize(("model", "table_name"), ROW_MODELS, ids=lambda v: getattr(v, "__name__", v))
def test_repository_row_models_are_columns_of_their_table_with_types_that_carry_them(model, table_name):
    table = schema.table(table_name)
    hints = typing.get_type_hints(model)
    names = [f.name for f in dataclasses.fields(model) if f.name not in DERIVED]
    assert [n for n in names if n not in table.c] == []
    problems = [p for n in names for p in _mismatch(f"{model.__name__}.{n}", table.c[n], hints[n])]
    assert problems == []


def test_the_requirement_fields_a_duplicate_may_fill_are_columns():
    from warehouse.repositories.requirements import GAP_FIELDS, LOCATION_FIELDS

    assert [f for f in (*GAP_FIELDS, *LOCATION_FIELDS) if f not in schema.table("requirement").c] == []


def test_the_demo_world_writes_only_columns_that_exist_and_every_column_the_table_requires():
    from demo_world.generator import TABLE_COLUMNS

    problems = []
    for qualified, columns in TABLE_COLUMNS.items():
        schema_name, name = qualified.split(".")
        if schema_name != "crm":
            continue  # world.* truth tables belong to the demo, not to warehouse.schema
        table = schema.table(name)
        problems += [f"{qualified}.{c}: not a column" for c in columns if c not in table.c]
        problems += [f"{qualified}.{c.name}: required, not written" for c in table.columns
                     if not c.nullable and c.server_default is None and c.name not in columns]
    assert problems == []


def test_a_column_missing_from_the_schema_is_a_precise_error_at_spec_time():
    from warehouse.repositories.crm_tables import _spec

    with pytest.raises(ValueError, match=r"not columns of crm.tag: \['colour'\]"):
        _spec("tag", "tag", filters="colour")
