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

# The evals with the embedded model, each on a fresh index; each fails when a metric falls below
# its thresholds, and all run before the script says so. The seeds first, then the development
# halves of the public sets (news nobody here wrote), which live beside the project, never in it
# (see the README, Evaluation).
status=0
run_eval() { .venv/bin/rag eval "$@" || status=1; }
RAG_HOME="$(mktemp -d)" run_eval --questions evals/questions.jsonl --out artifacts/eval
# The same questions as another user would word them: the analysis must not hang on the phrasing.
RAG_HOME="$(mktemp -d)" run_eval --questions evals/reworded.jsonl --thresholds evals/thresholds-reworded.yaml \
    --out artifacts/eval-reworded
# Questions written by someone who had seen neither the pipeline nor the questions above.
RAG_HOME="$(mktemp -d)" run_eval --questions evals/outsider.jsonl --thresholds evals/thresholds-outsider.yaml \
    --out artifacts/eval-outsider
run_eval --corpus seeds --questions evals/forms.jsonl --thresholds evals/thresholds-forms.yaml --out artifacts/eval-forms
external="${RAG_EXTERNAL_SETS:-../shared/external}"
if [ -d "$external/rgb_dev" ]; then
    for set in plain robust; do
        run_eval --corpus "$external/rgb_dev/$set/corpus" --questions "$external/rgb_dev/$set/questions.jsonl" \
            --thresholds "evals/thresholds-rgb-$set.yaml" --out "artifacts/eval-rgb-$set"
    done
    run_eval --corpus "$external/rgb_dev/plain/corpus" --questions evals/rgb_forms.jsonl \
        --thresholds evals/thresholds-rgb-forms.yaml --out artifacts/eval-rgb-forms
    # Questions over the same passages written by someone who had seen neither the pipeline nor RGB's own.
    run_eval --corpus "$external/rgb_dev/plain/corpus" --questions evals/rgb_outsider.jsonl \
        --thresholds evals/thresholds-rgb-outsider.yaml --out artifacts/eval-rgb-outsider
else
    echo "WARNING: no public development sets at $external (set RAG_EXTERNAL_SETS); their evals did not run" >&2
fi
# Real news web pages, as crawled (HTML), with questions written by someone who had seen neither
# the pipeline nor its other questions.
if [ -d "$external/aeb_dev/pages" ]; then
    run_eval --corpus "$external/aeb_dev/pages" --questions evals/pages.jsonl --thresholds evals/thresholds-pages.yaml \
        --out artifacts/eval-pages
fi
exit "$status"
