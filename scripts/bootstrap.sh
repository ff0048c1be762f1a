#!/bin/sh
# Make a fresh clone runnable: npm dependencies, the compiled harness (dist/), then the missing
# Debian packages. Runs before `npm start` and `npm test` (npm's pre-scripts); cheap when
# nothing is missing or changed.
set -e
cd "$(dirname "$0")/.."
if [ ! -d node_modules/esbuild ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
# bin/bootlab.js compiles harness/ into dist/ first when a source is newer than the build.
exec node bin/bootlab.js setup
