"""Shared building blocks: camelCase aliases, `extra="forbid"`, bounded text, partial-update models."""

from __future__ import annotations

import datetime as dt
import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
    StrictInt,
    StringConstraints,
    create_model,
)
from pydantic.alias_generators import to_camel

from warehouse.dates import Kind, date_problem


def _no_nul(value: str) -> str:
    # Postgres text cannot hold NUL; say so precisely instead of failing in the driver.
    if "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    return value


def text(max_length: int, min_length: int = 0) -> Any:
    return Annotated[str, StringConstraints(min_length=min_length, max_length=max_length), AfterValidator(_no_nul)]


Name = text(200, 1)
Short = text(200)
Long = text(20_000)
Email = Annotated[str, StringConstraints(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Phone = Annotated[str, StringConstraints(max_length=40, pattern=r"^[0-9+().\- x]{3,40}$")]
StateCode = Annotated[str, StringConstraints(min_length=2, max_length=2, pattern=r"^[A-Z]{2}$")]

def _json_string(value: Any) -> Any:
    # JSON carries dates, times and UUIDs as strings; a number or bool there is the wrong type, not a timestamp.
    if isinstance(value, bool | int | float | list | dict):
        raise ValueError("expected a string")
    return value


def _iso_text(value: Any) -> Any:
    # Query strings: "0" or "1700000000" would parse as a Unix timestamp; only ISO 8601 is a date-time here.
    if isinstance(value, str) and value.strip().lstrip("-+").replace(".", "", 1).isdigit():
        raise ValueError("expected an ISO 8601 date-time")
    return value


def _assume_utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


QueryDateTime = Annotated[dt.datetime, BeforeValidator(_iso_text), AfterValidator(_assume_utc)]

# Request bodies are strict: "12" is not a number, 1 is not a boolean, 0 is not a date (wrong types are 422).
Float = Annotated[float, Strict()]
Int = StrictInt
Bool = StrictBool
Date = Annotated[dt.date, BeforeValidator(_json_string)]
DateTime = Annotated[dt.datetime, BeforeValidator(_json_string)]


def _bounded(kind: Kind) -> Any:
    def check(value: Any) -> Any:
        problem = date_problem(value, kind)
        if problem:
            raise ValueError(f"implausible date: {problem}")
        return value

    return AfterValidator(check)


# Dates the pipeline can live with (warehouse.dates): from 1970-01-01 to today + 10 years for what is planned
# (start dates, interviews, availability), and not in the future for what already happened (offers, activities).
FutureDate = Annotated[dt.date, BeforeValidator(_json_string), _bounded("future")]
PastDate = Annotated[dt.date, BeforeValidator(_json_string), _bounded("past")]
FutureDateTime = Annotated[dt.datetime, BeforeValidator(_json_string), _bounded("future")]
PastDateTime = Annotated[dt.datetime, BeforeValidator(_json_string), _bounded("past")]
Uuid = Annotated[uuid.UUID, BeforeValidator(_json_string)]
Money = Annotated[float, Strict(), Field(gt=0, le=99_999)]


class ApiModel(BaseModel):
    """Strict input: unknown fields are an error, camelCase (or snake_case) names, no NaN/Infinity."""

    model_config = ConfigDict(alias_generator=to_camel, validate_by_name=True, validate_by_alias=True,
                              serialize_by_alias=True, extra="forbid", allow_inf_nan=False)


class PublicModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, validate_by_name=True, serialize_by_alias=True,
                              from_attributes=True)

    id: uuid.UUID
    version: int = Field(description="Row version; the ETag. Send it back in If-Match to update safely.")
    created_at: datetime
    updated_at: datetime


class PageModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, validate_by_name=True, serialize_by_alias=True)

    next_cursor: str | None = Field(description="Opaque; pass as `cursor` for the next page. Null on the last.")


def partial(model: type[ApiModel], name: str, *, exclude: frozenset[str] = frozenset(),
            extra: dict[str, Any] | None = None, examples: list[dict[str, Any]] | None = None) -> type[ApiModel]:
    """The PATCH model of a create model: every field optional; only the fields sent are applied. A required
    field stays non-nullable (null is a 422); optional ones accept null to clear them."""
    fields: dict[str, Any] = {}
    for field_name, info in model.model_fields.items():
        if field_name in exclude:
            continue
        annotation = info.annotation
        metadata = list(info.metadata)
        fields[field_name] = (Annotated[annotation, *metadata] if metadata else annotation,
                              Field(default=None, description=info.description))
    for field_name, spec in (extra or {}).items():
        fields[field_name] = spec
    config = ConfigDict(json_schema_extra={"examples": examples}) if examples else None
    updated = create_model(name, __base__=model.__base__, **fields)
    if config:
        updated.model_config = {**updated.model_config, **config}
        updated.model_rebuild(force=True)
    return updated
