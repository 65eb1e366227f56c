#!/usr/bin/env bash
# Installs (if needed) and serves the chat UI, API and document pages on http://127.0.0.1:8000,
# ingesting seeds/ first when the index under RAG_HOME is empty.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec .venv/bin/rag serve "$@"
