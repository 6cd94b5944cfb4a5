#!/usr/bin/env bash
# Shared by ./run and ./test: create .venv, install CityLoop, fetch and copy front-end assets. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "» creating .venv"
  "$PYTHON" -m venv .venv
fi
# Reinstall only when pyproject.toml changed since the last install.
stamp=.venv/.cityloop-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "» installing Python packages"
  .venv/bin/pip install -q --disable-pip-version-check -e '.[dev,gis]'
  touch "$stamp"
fi

if [ -f package.json ]; then
  if [ ! -d node_modules ] || [ package.json -nt node_modules ] || [ package-lock.json -nt node_modules ]; then
    echo "» installing front-end packages (npm)"
    if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi
    touch node_modules
  fi
  if [ -f scripts/build_static.py ]; then .venv/bin/python scripts/build_static.py; fi
fi
