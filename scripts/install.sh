#!/usr/bin/env bash
# Creates .venv inside the repo and installs the project (with test tools when given --test).
# Re-running is cheap: pip is skipped while pyproject.toml is unchanged since the last install.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
"$PYTHON" -c 'import sys; assert sys.version_info[:2] == (3, 11), f"Python 3.11 is needed, this is {sys.version.split()[0]}"'

extras=""
[ "${1:-}" = "--test" ] && extras="[test]"
stamp=".venv/.installed${extras:+-test}"
want="$(sha256sum pyproject.toml | cut -c1-64)"

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    # torch is pinned in pyproject (2.13.0, the CPU build); nothing here may pull a CUDA build.
    .venv/bin/python -m pip install --quiet -e ".${extras}"
    echo "$want" > "$stamp"
fi
