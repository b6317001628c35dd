"""The embedding model is named once (warehouse.settings.EMBEDDING_MODEL, re-exported as ml.ai.embeddings.MODEL_NAME)
and every default that names it reads that constant."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import ml.matching.loaders as loaders
import ml.matching.service as service
import ml.training.source as source
from ml.ai.embeddings import MODEL_NAME, Embedder
from warehouse.settings import Settings

REPO = Path(__file__).resolve().parents[2]


def test_every_default_is_the_one_constant_or_the_active_space():
    assert MODEL_NAME == Embedder(backend="torch").model_name == Settings.model_fields["embedding_model"].default
    # Readers default to the vector space the process writes (docs/adr/0029), resolved at call time.
    assert "active_model_name()" in inspect.getsource(service.recommend)
    for fn in (loaders.load_records, loaders.load_requirement_records, loaders.load_consultant_records,
               source.load_training_source):
        assert inspect.signature(fn).parameters["model"].default is None, fn.__name__
    assert "model or active_model_name()" in inspect.getsource(loaders.load_records)


def test_the_model_name_is_written_once_in_production_code():
    hits = [str(p.relative_to(REPO)) for package in ("ml", "serving", "orchestration", "warehouse", "cli")
            for p in (REPO / package).rglob("*.py") if f'"{MODEL_NAME}"' in p.read_text(encoding="utf-8")]
    assert hits == ["warehouse/settings.py"]


def test_warehouse_settings_do_not_import_ml():
    code = "import sys, warehouse.settings; print(sorted(m for m in sys.modules if m == 'ml' or m.startswith('ml.')))"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_unused_tenant_mode_setting_is_gone():
    assert "tenant_mode" not in Settings.model_fields
