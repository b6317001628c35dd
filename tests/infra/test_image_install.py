"""The image's install logic (infra/image/install.sh, which the Dockerfile runs) builds a working environment into a
temporary prefix: the lock's pins resolve, the application installs, `benchcrm --help` and the Dagster code location
run from the prefix outside the source tree, and the embedding model encodes offline.

What this does NOT exercise: downloading and building the ~300 pinned wheels. The prefix is layered over the
current environment's site-packages (`--layer-over`, `--offline`): pip must find every pin of requirements.lock
already satisfied there or fail, so a lock/environment mismatch fails here, but a wheel missing from the index would
not. The full from-lock build is timed once in benchmarks/RESULTS.md ("Image install from the lock")."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import sysconfig
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from warehouse.settings import REPO_ROOT

INSTALL = REPO_ROOT / "infra" / "image" / "install.sh"
HEALTHCHECK = REPO_ROOT / "infra" / "image" / "healthcheck.py"


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}


@pytest.fixture(scope="module")
def prefix(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("image") / "venv"
    done = subprocess.run(
        ["bash", str(INSTALL), str(target), "--python", sys.executable, "--offline",
         "--layer-over", sysconfig.get_paths()["purelib"]],
        env=_clean_env(), cwd="/", capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    target.joinpath("install.log").write_text(done.stdout)
    return target


def test_install_builds_a_prefix_whose_smoke_check_passes(prefix):
    smoke = json.loads([line for line in (prefix / "install.log").read_text().splitlines()
                        if line.startswith("{")][-1])
    assert smoke["job"] == "full_pipeline_job" and smoke["assets"] > 20
    assert smoke["embedding_dims"] == 384
    assert smoke["python"] == str(prefix / "bin" / "python")


def test_benchcrm_and_the_code_location_run_from_the_prefix_outside_the_source_tree(prefix):
    env = {**_clean_env(), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    help_text = subprocess.run([str(prefix / "bin" / "benchcrm"), "--help"], env=env, cwd="/", capture_output=True,
                               text=True, timeout=300)
    assert help_text.returncode == 0, help_text.stderr
    assert "mlflow-server" in help_text.stdout and "demo" in help_text.stdout
    location = subprocess.run(
        [str(prefix / "bin" / "python"), "-c",
         "import sys, orchestration.definitions as d; d.defs(); print(sys.prefix); print(d.__file__)"],
        env=env, cwd="/", capture_output=True, text=True, timeout=300)
    assert location.returncode == 0, location.stderr[-3000:]
    sys_prefix, module_file = location.stdout.split()[-2:]
    assert Path(sys_prefix) == prefix
    assert Path(module_file).is_relative_to(REPO_ROOT)  # the application installed from SRC (editable, as make does)
    assert (prefix / "bin" / "dbt").is_file()  # dbt, which the marts assets call next to sys.executable


@pytest.mark.parametrize(("args", "message"), [
    ([], "PREFIX is required"),
    (["/tmp/x", "--frobnicate"], "unknown option --frobnicate"),
    (["/tmp/x", "--src", "/"], "no BenchCRM source at /"),
])
def test_install_refuses_bad_arguments_with_a_cause(args, message):
    done = subprocess.run(["bash", str(INSTALL), *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and message in done.stderr


class _Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/healthz" else 503)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def health_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.parametrize(("path", "code"), [("/healthz", 0), ("/down", 1)])
def test_healthcheck_reports_the_services_answer(health_server, path, code):
    done = subprocess.run([sys.executable, str(HEALTHCHECK)], env={**os.environ,
                          "BENCHCRM_HEALTHCHECK_URL": health_server + path}, capture_output=True, timeout=60)
    assert done.returncode == code


def test_healthcheck_fails_when_nothing_listens(health_server):
    closed = health_server.rsplit(":", 1)[0] + ":9/healthz"
    done = subprocess.run([sys.executable, str(HEALTHCHECK)], env={**os.environ, "BENCHCRM_HEALTHCHECK_URL": closed},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "unhealthy" in done.stderr


def test_dockerfile_is_multi_stage_non_root_with_a_healthcheck_and_runs_the_install_script():
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    stages = [line for line in dockerfile.splitlines() if line.startswith("FROM ")]
    assert len(stages) == 2 and stages[0].endswith("AS build") and stages[1].endswith("AS runtime")
    runtime = dockerfile.split("AS runtime", 1)[1]
    assert "USER benchcrm" in runtime and "HEALTHCHECK" in runtime and "infra/image/healthcheck.py" in runtime
    assert dockerfile.count("infra/image/install.sh /opt/venv") == 2
    assert "COPY --from=build" in runtime and "pip install" not in runtime  # nothing is built in the runtime stage


def test_compose_and_helm_run_the_image_built_from_the_dockerfile():
    compose = yaml.safe_load((REPO_ROOT / "infra" / "compose.yaml").read_text())
    app_services = {name: svc for name, svc in compose["services"].items() if name != "postgres"}
    for name, service in app_services.items():
        assert service["build"] == {"context": "..", "dockerfile": "Dockerfile"}, name
        assert service["image"] == compose["services"]["api"]["image"], name
    assert (REPO_ROOT / "infra" / app_services["api"]["build"]["context"] / "Dockerfile").resolve().is_file()
    assert app_services["mlflow"]["command"][:2] == ["benchcrm", "mlflow-server"]
    values = yaml.safe_load((REPO_ROOT / "infra" / "helm" / "values.yaml").read_text())
    images = {d["image"]["repository"] for d in values["dagster-user-deployments"]["deployments"]}
    assert images == {values["dagsterWebserver"]["image"]["repository"]}
