#!/usr/bin/env bash
# CI: the fuzz suite, once (Node 20): a fixed seed, so a failure here replays anywhere with
#   pnpm --filter @pme/fuzz fuzz --seed "$FUZZ_SEED" --only <index>
# Fails on any untyped error, hang, process death or memory jump; prints the JSON summary.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_SEED=${FUZZ_SEED:-1}
FUZZ_COUNT=${FUZZ_COUNT:-20000}
pnpm --silent --filter @pme/fuzz fuzz --count "$FUZZ_COUNT" --seed "$FUZZ_SEED" --no-save
