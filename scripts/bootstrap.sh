#!/bin/sh
# Make a fresh clone runnable: npm dependencies, then the missing Debian packages.
# Runs before `npm start` and `npm test` (npm's pre-scripts); cheap when nothing is missing.
set -e
cd "$(dirname "$0")/.."
if [ ! -x node_modules/.bin/tsx ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
exec node --import tsx harness/setup/main.ts
