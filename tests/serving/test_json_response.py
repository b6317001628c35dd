"""orjson-rendered responses (serving/json_response.py, docs/adr/0026) say what Starlette's JSONResponse says."""

from __future__ import annotations

import json

from starlette.responses import JSONResponse

from serving.json_response import FastJSONResponse


def test_the_same_json_as_starlette_for_what_the_api_answers():
    body = {"recommendationId": "8d6c…", "modelVersion": "benchcrm-ranker/3", "items": [
        {"rank": 1, "matchScore": 0.8123456789012345, "successProbability": None, "tiny": 1e-7, "big": 1e16,
         "reasons": ["São Paulo, Zürich and 東京 are remote-friendly", 'says "hi"\n'],
         "factors": {"skills": {"value": None, "weight": 0.0, "status": "unknown"}}}],
        3: "an int key becomes a string, as json.dumps does", "flag": True}
    fast, standard = FastJSONResponse(body), JSONResponse(body)
    assert json.loads(fast.body) == json.loads(standard.body)
    assert fast.headers["content-type"] == standard.headers["content-type"] == "application/json"
    assert "東京".encode() in fast.body  # UTF-8, not \\u escapes, as Starlette (ensure_ascii=False)
