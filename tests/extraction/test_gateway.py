"""The AI gateway against real Postgres (RLS-scoped connection) and a local OpenAI-compatible HTTP server."""

from __future__ import annotations

import json

import sqlalchemy as sa

from ml.ai.gateway import AIGateway
from ml.ai.providers import OpenAICompatibleProvider, repair_json
from ml.extraction import RequirementExtraction
from warehouse.db import tenant_tx

TEXT = "Role: Java Developer\nLocation: Dallas, TX (Onsite)\nRate: $65/hr C2C\nSkills: Java, Spring Boot, Kafka"
GOOD = json.dumps({"title": "Java Developer", "skills": [{"raw": "Springboot", "canonical": None, "required": True,
                                                          "evidence": {"confidence": 0.9}}],
                   "location": {"city": "Dallas", "state": "TX", "work_mode": "onsite"},
                   "rate": {"amount": 65, "unit": "hour", "hourly_usd": 65, "terms": ["C2C"]}})


def _provider(fake, **kw) -> OpenAICompatibleProvider:
    kw.setdefault("timeout_s", 2.0)
    kw.setdefault("max_retries", 1)
    kw.setdefault("backoff_s", 0.01)
    return OpenAICompatibleProvider(fake.base_url, "gpt-4o-mini", "sk-test", **kw)


def _calls(conn) -> list[dict]:
    return [dict(r._mapping) for r in conn.execute(sa.text(
        "select provider, status, cached, prompt_tokens, completion_tokens, cost_usd, latency_ms from crm.ai_call "
        "order by created_at, status"))]


def test_gateway_uses_the_llm_records_tokens_cost_and_serves_the_repeat_from_cache(settings, app_engine,
                                                                                   make_tenant, fake_llm):
    tenant = make_tenant()
    fake_llm.reply(GOOD)
    with tenant_tx(tenant, app_engine) as conn:
        gateway = AIGateway(conn, settings=settings, provider=_provider(fake_llm))
        first = gateway.extract(tenant, "requirement", TEXT, subject="Java Developer - Dallas")
        second = gateway.extract(tenant, "requirement", TEXT, subject="Java Developer - Dallas")
        calls = _calls(conn)
        cache_rows = conn.execute(sa.text("select count(*) from crm.ai_cache")).scalar_one()
    assert isinstance(first.output, RequirementExtraction)
    assert (first.provider, first.status, first.cached) == ("openai_compatible", "ok", False)
    assert first.output.skills[0].canonical == "Spring Boot"  # LLM output normalized like the offline one
    assert first.output.location.timezone == "America/Chicago"
    assert (second.cached, second.status) == (True, "cached") and second.output == first.output
    assert len(fake_llm.requests) == 1
    sent = fake_llm.requests[0]["json"]
    assert sent["response_format"]["type"] == "json_schema" and sent["temperature"] == 0
    assert [(c["status"], c["cached"], c["prompt_tokens"], c["completion_tokens"]) for c in calls] == [
        ("ok", False, 120, 80), ("ok", True, 0, 0)]
    assert float(calls[0]["cost_usd"]) > 0 and calls[0]["latency_ms"] > 0
    assert cache_rows == 1


def test_gateway_repairs_fenced_json_with_prose_and_trailing_commas(settings, app_engine, make_tenant, fake_llm):
    tenant = make_tenant()
    fake_llm.reply('Sure! Here it is:\n```json\n{"title": "Java Developer", "unknown_field": 1, '
                   '"visa_accepted": ["USC", "GC",],}\n```')
    with tenant_tx(tenant, app_engine) as conn:
        result = AIGateway(conn, settings=settings, provider=_provider(fake_llm)).extract(tenant, "requirement", TEXT)
        statuses = [c["status"] for c in _calls(conn)]
    assert result.provider == "openai_compatible"
    assert result.output.title == "Java Developer" and result.output.visa_accepted == ["USC", "GC"]
    assert statuses == ["ok:repaired"]


def test_gateway_falls_back_to_offline_on_unrepairable_reply(settings, app_engine, make_tenant, fake_llm):
    tenant = make_tenant()
    fake_llm.reply("I cannot help with that.")
    with tenant_tx(tenant, app_engine) as conn:
        result = AIGateway(conn, settings=settings, provider=_provider(fake_llm)).extract(tenant, "requirement", TEXT)
        calls = _calls(conn)
    assert (result.provider, result.status) == ("offline", "fallback:invalid_json")
    assert result.output.rate is not None and result.output.rate.hourly_usd == 65.0
    assert {c["provider"]: c["status"] for c in calls} == {"openai_compatible": "error:invalid_json", "offline": "ok"}
    # The tokens the failed call burned still count toward the tenant's cap.
    assert next(c for c in calls if c["provider"] == "openai_compatible")["prompt_tokens"] == 120


def test_gateway_retries_a_timeout_with_backoff_then_falls_back(settings, app_engine, make_tenant, fake_llm):
    tenant = make_tenant()
    fake_llm.reply(GOOD, hang=True)
    fake_llm.reply(GOOD, hang=True)
    with tenant_tx(tenant, app_engine) as conn:
        provider = _provider(fake_llm, timeout_s=0.3, max_retries=1)
        result = AIGateway(conn, settings=settings, provider=provider).extract(tenant, "requirement", TEXT)
        statuses = sorted(c["status"] for c in _calls(conn))
    assert len(fake_llm.requests) == 2  # one try + one retry
    assert result.status == "fallback:timeout" and result.provider == "offline"
    assert statuses == ["error:timeout", "ok"]


def test_gateway_retries_a_server_error_and_succeeds(settings, app_engine, make_tenant, fake_llm):
    tenant = make_tenant()
    fake_llm.reply(None, status=503, body='{"error": "overloaded"}')
    fake_llm.reply(GOOD)
    with tenant_tx(tenant, app_engine) as conn:
        result = AIGateway(conn, settings=settings, provider=_provider(fake_llm)).extract(tenant, "requirement", TEXT)
    assert (result.provider, result.status) == ("openai_compatible", "ok")
    assert len(fake_llm.requests) == 2


def test_gateway_goes_offline_when_the_tenant_daily_token_cap_is_reached(settings, app_engine, make_tenant,
                                                                         fake_llm):
    tenant, other = make_tenant(), make_tenant()
    capped = settings.model_copy(update={"ai_max_tokens_day": 1000})
    fake_llm.reply(GOOD, prompt_tokens=700, completion_tokens=200)
    fake_llm.reply(GOOD)
    with tenant_tx(tenant, app_engine) as conn:
        gateway = AIGateway(conn, settings=capped, provider=_provider(fake_llm))
        first = gateway.extract(tenant, "requirement", TEXT)
        assert gateway.tokens_used_today(tenant) == 900
        second = gateway.extract(tenant, "requirement", TEXT + "\nDuration: 6 months")
        statuses = sorted(c["status"] for c in _calls(conn))
    assert first.provider == "openai_compatible"
    assert (second.provider, second.status) == ("offline", "fallback:cap_exceeded")
    assert len(fake_llm.requests) == 1  # the capped call never reached the provider
    assert statuses == ["cap_exceeded", "ok", "ok"]
    # Another tenant's budget is untouched (and its connection cannot see the first tenant's rows).
    with tenant_tx(other, app_engine) as conn:
        gateway = AIGateway(conn, settings=capped, provider=_provider(fake_llm))
        assert gateway.tokens_used_today(other) == 0
        assert conn.execute(sa.text("select count(*) from crm.ai_call")).scalar_one() == 0
        assert gateway.extract(other, "requirement", TEXT).provider == "openai_compatible"


def test_offline_gateway_is_the_default_without_an_llm_url(settings, app_engine, make_tenant):
    tenant = make_tenant()
    with tenant_tx(tenant, app_engine) as conn:
        result = AIGateway(conn, settings=settings.model_copy(update={"llm_base_url": None})).extract(
            tenant, "resume", "Jane Doe\nSenior Java Developer\njane@example.com\nDallas, TX\nSkills: Java, AWS")
    assert result.provider == "offline" and result.output.full_name == "Jane Doe"


def test_repair_json_closes_a_truncated_object():
    assert repair_json('{"title": "Java Developer", "skills": []') == {"title": "Java Developer", "skills": []}
