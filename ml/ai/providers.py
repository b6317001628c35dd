"""Extraction providers behind one interface: the offline deterministic extractor (default, free, always available)
and any OpenAI-compatible chat endpoint (OpenAI, Ollama, vLLM) asked for JSON-schema structured output.

The HTTP provider validates the reply against the pydantic schema and repairs the usual LLM damage (code fences,
prose around the object, trailing commas, unknown keys) before giving up with a `ProviderError`, which the gateway
turns into a fallback to the offline extractor.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Protocol

import httpx
from pydantic import BaseModel, ValidationError

from ml.extraction import SCHEMA_VERSION, extract, schema_model
from ml.extraction.schemas import RequirementExtraction, ResumeExtraction

# USD per 1K tokens (prompt, completion). Unknown models (local Ollama/vLLM) cost nothing.
PRICES_PER_1K: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.00015, 0.0006),
    "gpt-4o": (0.0025, 0.01),
    "gpt-4.1-mini": (0.0004, 0.0016),
}


class ProviderError(Exception):
    """A provider could not produce a valid extraction. `kind`: timeout, http_<code>, transport, invalid_json."""

    def __init__(self, kind: str, detail: str = "", *, prompt_tokens: int = 0, completion_tokens: int = 0) -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind
        self.prompt_tokens = prompt_tokens
        self.completion_tokens = completion_tokens


@dataclass
class ProviderResult:
    output: BaseModel
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    repaired: bool = False


class ExtractionProvider(Protocol):
    name: str
    model: str

    def extract(self, schema_name: str, text: str, *, subject: str | None = None) -> ProviderResult: ...

    def estimate_tokens(self, text: str) -> int: ...


def estimate_tokens(text: str) -> int:
    """~4 characters per token for English, the usual rule of thumb; used for the cap check before a call."""
    return max(1, len(text) // 4)


class OfflineProvider:
    """The deterministic rules + gazetteer extractor. Zero tokens, zero cost."""

    name = "offline"

    def __init__(self) -> None:
        from ml.taxonomy import load_taxonomy

        self.model = f"rules-{SCHEMA_VERSION}+taxonomy-{load_taxonomy().version}"

    def extract(self, schema_name: str, text: str, *, subject: str | None = None) -> ProviderResult:
        return ProviderResult(output=extract(schema_name, text, subject=subject))

    def estimate_tokens(self, text: str) -> int:
        return 0


SYSTEM_PROMPT = (
    "You extract structured data from US IT staffing emails (bench sales). Reply with ONE JSON object that "
    "conforms to the given JSON schema and nothing else. Use null when a field is absent; never invent values. "
    "Rates: hourly_usd = amount / 2080 for annual salaries. Visa codes: USC, GC, GC-EAD, H1B, H4-EAD, L2-EAD, EAD, "
    "OPT, CPT, STEM-OPT, TN, E3. Location state is a two-letter code."
)


def repair_json(content: str) -> dict:
    """Best-effort recovery of one JSON object from an LLM reply. Raises ValueError when nothing is recoverable."""
    text = content.strip()
    fence = re.search(r"```(?:json)?\s*(.*?)```", text, re.DOTALL)
    if fence:
        text = fence.group(1).strip()
    start = text.find("{")
    if start < 0:
        raise ValueError("no JSON object in reply")
    depth, end, in_str, esc = 0, -1, False, False
    for i in range(start, len(text)):
        ch = text[i]
        if in_str:
            esc = (ch == "\\") and not esc
            if ch == '"' and not esc:
                in_str = False
            continue
        if ch == '"':
            in_str = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                end = i + 1
                break
    candidate = text[start:end] if end > 0 else text[start:] + "}" * max(depth, 0)
    candidate = re.sub(r",\s*([}\]])", r"\1", candidate)  # trailing commas
    try:
        value = json.loads(candidate)
    except json.JSONDecodeError as exc:
        raise ValueError(f"unrecoverable JSON: {exc.msg}") from exc
    if not isinstance(value, dict):
        raise ValueError("reply is not a JSON object")
    return value


def _drop_unknown(model: type[BaseModel], data: dict) -> dict:
    return {k: v for k, v in data.items() if k in model.model_fields}


def validate_output(schema_name: str, content: str) -> tuple[BaseModel, bool]:
    """(validated model, repaired?) from a raw reply; raises ValueError when it cannot be made valid."""
    model = schema_model(schema_name)
    try:
        return model.model_validate_json(content), False
    except ValidationError:
        pass
    data = _drop_unknown(model, repair_json(content))
    data["schema_name"] = schema_name
    data["schema_version"] = SCHEMA_VERSION
    try:
        return model.model_validate(data), True
    except ValidationError as exc:
        # Drop the fields that fail (an LLM's "rate": "DOE") rather than the whole answer.
        bad = {str(err["loc"][0]) for err in exc.errors() if err.get("loc")}
        cleaned = {k: v for k, v in data.items() if k not in bad or k in ("schema_name", "schema_version")}
        try:
            return model.model_validate(cleaned), True
        except ValidationError as exc2:
            raise ValueError(f"schema validation failed: {exc2.error_count()} errors") from exc2


def postprocess(output: BaseModel) -> BaseModel:
    """Normalize what an LLM returns the same way the offline extractor does (canonical skills, coordinates)."""
    from ml.normalize import geocode, normalize_skill

    if isinstance(output, RequirementExtraction | ResumeExtraction):
        skills = [s.model_copy(update={"canonical": s.canonical if s.canonical and normalize_skill(s.canonical)
                                       else normalize_skill(s.raw)}) for s in output.skills]
        loc = output.location
        if loc.city and loc.lat is None:
            point = geocode(loc.city, loc.state)
            if point:
                loc = loc.model_copy(update={"lat": point.lat, "lon": point.lon, "timezone": point.timezone,
                                             "state": point.state})
        return output.model_copy(update={"skills": skills, "location": loc})
    return output


class OpenAICompatibleProvider:
    """`POST {base_url}/chat/completions` with `response_format: json_schema`, timeouts and retries with backoff."""

    name = "openai_compatible"

    def __init__(self, base_url: str, model: str, api_key: str | None = None, *, timeout_s: float = 30.0,
                 max_retries: int = 2, backoff_s: float = 0.5, transport: httpx.BaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(timeout=httpx.Timeout(timeout_s), headers=headers, transport=transport)

    def estimate_tokens(self, text: str) -> int:
        return estimate_tokens(SYSTEM_PROMPT + text) + 600  # room for the JSON answer

    def _payload(self, schema_name: str, text: str, subject: str | None) -> dict:
        model = schema_model(schema_name)
        user = (f"Subject: {subject}\n\n" if subject else "") + text
        return {
            "model": self.model,
            "temperature": 0,
            "messages": [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}],
            "response_format": {"type": "json_schema",
                                "json_schema": {"name": f"{schema_name}_v{SCHEMA_VERSION.replace('.', '_')}",
                                                "schema": model.model_json_schema(), "strict": False}},
        }

    def _post(self, payload: dict) -> dict:
        last: ProviderError | None = None
        for attempt in range(self.max_retries + 1):
            if attempt:
                time.sleep(self.backoff_s * 2 ** (attempt - 1))
            try:
                response = self._client.post(f"{self.base_url}/chat/completions", json=payload)
            except httpx.TimeoutException as exc:
                last = ProviderError("timeout", f"no answer within {self.timeout_s}s ({type(exc).__name__})")
                continue
            except httpx.TransportError as exc:
                last = ProviderError("transport", type(exc).__name__)
                continue
            if response.status_code == 429 or response.status_code >= 500:
                last = ProviderError(f"http_{response.status_code}", response.text[:200])
                continue
            if response.status_code >= 400:
                raise ProviderError(f"http_{response.status_code}", response.text[:200])
            try:
                return response.json()
            except ValueError as exc:
                raise ProviderError("invalid_json", "response body is not JSON") from exc
        assert last is not None
        raise last

    def extract(self, schema_name: str, text: str, *, subject: str | None = None) -> ProviderResult:
        body = self._post(self._payload(schema_name, text, subject))
        usage = body.get("usage") or {}
        prompt_tokens = int(usage.get("prompt_tokens") or 0)
        completion_tokens = int(usage.get("completion_tokens") or 0)
        try:
            content = body["choices"][0]["message"]["content"] or ""
        except (KeyError, IndexError, TypeError) as exc:
            raise ProviderError("invalid_json", "no choices[0].message.content", prompt_tokens=prompt_tokens,
                                completion_tokens=completion_tokens) from exc
        try:
            output, repaired = validate_output(schema_name, content)
        except ValueError as exc:
            raise ProviderError("invalid_json", str(exc), prompt_tokens=prompt_tokens,
                                completion_tokens=completion_tokens) from exc
        price_in, price_out = PRICES_PER_1K.get(self.model, (0.0, 0.0))
        return ProviderResult(
            output=postprocess(output), prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
            cost_usd=round(prompt_tokens / 1000 * price_in + completion_tokens / 1000 * price_out, 6),
            repaired=repaired,
        )

    def close(self) -> None:
        self._client.close()
