"""The AI gateway: one door for every model call, so caching, the per-tenant daily token cap, fallback and telemetry
happen in one place whatever the provider.

Order of a call: cache (crm.ai_cache, keyed by sha256 of provider, model, schema version and input) -> cap check
(tokens the tenant spent today in crm.ai_call + this call's estimate vs `AI_MAX_TOKENS_DAY`) -> provider -> on any
failure or cap, the offline extractor. Every attempt writes one crm.ai_call row (latency, tokens, cost, status,
cached). The connection passed in is already scoped to the tenant (RLS), so rows can only land in that tenant.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from dataclasses import dataclass

from pydantic import BaseModel
from sqlalchemy.engine import Connection

from ml.ai.providers import ExtractionProvider, OfflineProvider, OpenAICompatibleProvider, ProviderError
from ml.extraction import SCHEMA_VERSION, schema_model
from warehouse.repositories import ai_calls
from warehouse.settings import Settings, get_settings

log = logging.getLogger(__name__)


@dataclass
class GatewayResult:
    output: BaseModel
    provider: str  # the provider whose output this is
    model: str
    cached: bool
    status: str  # ok | cached | fallback:<reason>
    input_hash: str


def input_hash(provider: str, model: str, schema_name: str, text: str, subject: str | None) -> str:
    payload = json.dumps([provider, model, schema_name, SCHEMA_VERSION, subject or "", text], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def provider_from_settings(settings: Settings) -> ExtractionProvider:
    if settings.llm_base_url:
        return OpenAICompatibleProvider(settings.llm_base_url, settings.llm_model, settings.llm_api_key)
    return OfflineProvider()


class AIGateway:
    def __init__(self, conn: Connection, *, settings: Settings | None = None,
                 provider: ExtractionProvider | None = None, offline: OfflineProvider | None = None) -> None:
        self.conn = conn
        self.settings = settings or get_settings()
        self.offline = offline or OfflineProvider()
        self.provider = provider or provider_from_settings(self.settings)

    # ---------------------------------------------------------------------------------------------- accounting
    def tokens_used_today(self, tenant_id: uuid.UUID | str) -> int:
        """Prompt + completion tokens of this tenant since UTC midnight."""
        return ai_calls.tokens_used_today(self.conn, tenant_id)

    def _record(self, tenant_id: uuid.UUID | str, *, provider: str, model: str, purpose: str, ihash: str,
                latency_ms: float, status: str, cached: bool = False, prompt_tokens: int = 0,
                completion_tokens: int = 0, cost_usd: float = 0.0) -> None:
        ai_calls.record_call(self.conn, tenant_id, provider=provider, model=model, purpose=purpose, input_hash=ihash,
                             latency_ms=latency_ms, status=status, cached=cached, prompt_tokens=prompt_tokens,
                             completion_tokens=completion_tokens, cost_usd=cost_usd)

    def _cache_get(self, tenant_id: uuid.UUID | str, provider: str, ihash: str) -> dict | None:
        return ai_calls.cached_output(self.conn, tenant_id, provider=provider, input_hash=ihash)

    def _cache_put(self, tenant_id: uuid.UUID | str, provider: str, ihash: str, output: BaseModel) -> None:
        ai_calls.cache_output(self.conn, tenant_id, provider=provider, input_hash=ihash,
                              output_json=output.model_dump_json())

    # ---------------------------------------------------------------------------------------------- calls
    def _run(self, tenant_id, provider: ExtractionProvider, schema_name: str, text: str, subject: str | None,
             purpose: str) -> GatewayResult:
        """Cache, then the provider; records telemetry. Raises ProviderError (already recorded)."""
        ihash = input_hash(provider.name, provider.model, schema_name, text, subject)
        started = time.perf_counter()
        hit = self._cache_get(tenant_id, provider.name, ihash)
        if hit is not None:
            try:
                output = schema_model(schema_name).model_validate(hit)
            except ValueError:
                output = None  # a cache row from an older schema: recompute and overwrite
            if output is not None:
                self._record(tenant_id, provider=provider.name, model=provider.model, purpose=purpose, ihash=ihash,
                             latency_ms=(time.perf_counter() - started) * 1000, status="ok", cached=True)
                return GatewayResult(output, provider.name, provider.model, True, "cached", ihash)
        try:
            result = provider.extract(schema_name, text, subject=subject)
        except ProviderError as exc:
            self._record(tenant_id, provider=provider.name, model=provider.model, purpose=purpose, ihash=ihash,
                         latency_ms=(time.perf_counter() - started) * 1000, status=f"error:{exc.kind}",
                         prompt_tokens=exc.prompt_tokens, completion_tokens=exc.completion_tokens)
            raise
        self._record(tenant_id, provider=provider.name, model=provider.model, purpose=purpose, ihash=ihash,
                     latency_ms=(time.perf_counter() - started) * 1000,
                     status="ok:repaired" if result.repaired else "ok", prompt_tokens=result.prompt_tokens,
                     completion_tokens=result.completion_tokens, cost_usd=result.cost_usd)
        self._cache_put(tenant_id, provider.name, ihash, result.output)
        return GatewayResult(result.output, provider.name, provider.model, False, "ok", ihash)

    def extract(self, tenant_id: uuid.UUID | str, schema_name: str, text: str, *, subject: str | None = None,
                purpose: str = "extract") -> GatewayResult:
        """Structured extraction through the configured provider, falling back to the offline extractor on
        failure or when the tenant's daily token cap would be exceeded. Raises UnknownSchema for bad names."""
        schema_model(schema_name)  # UnknownSchema before any I/O
        primary = self.provider
        reason: str | None = None
        if primary.name != self.offline.name:
            used = self.tokens_used_today(tenant_id)
            estimate = primary.estimate_tokens((subject or "") + text)
            if used + estimate > self.settings.ai_max_tokens_day:
                reason = "cap_exceeded"
                self._record(tenant_id, provider=primary.name, model=primary.model, purpose=purpose,
                             ihash=input_hash(primary.name, primary.model, schema_name, text, subject),
                             latency_ms=0.0, status="cap_exceeded")
                log.info("tenant %s over AI_MAX_TOKENS_DAY (%s used + %s > %s): offline", tenant_id, used, estimate,
                         self.settings.ai_max_tokens_day)
            else:
                try:
                    return self._run(tenant_id, primary, schema_name, text, subject, purpose)
                except ProviderError as exc:
                    reason = exc.kind
                    log.warning("provider %s failed (%s): offline fallback", primary.name, exc)
        result = self._run(tenant_id, self.offline, schema_name, text, subject, purpose)
        if reason:
            result.status = f"fallback:{reason}"
        return result
