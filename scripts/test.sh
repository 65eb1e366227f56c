#!/usr/bin/env bash
# Installs (if needed) everything the tests use and runs them all: lint, types, the test
# suite (real Chroma, real model, real server, real browser), then the eval with thresholds.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --test

if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing chromium for the browser tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False ANONYMIZED_TELEMETRY=False
mkdir -p artifacts

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/python -m pytest -p no:cacheprovider "$@"

# The eval on the seeds with the embedded model, in its own data directory; exits non-zero
# when a metric falls below evals/thresholds.yaml.
RAG_HOME="$(mktemp -d)" .venv/bin/rag eval --questions evals/questions.jsonl --out artifacts/eval
