#!/usr/bin/env bash
# The demo: a benign synthetic operation → ingest of every seized collection → figures.
set -euo pipefail
cd "$(dirname "$0")/.."
OP=${1:-demo-op}; WS=${2:-demo-ws}; SCALE=${3:-small}
L=".venv/bin/lodestar"

$L demo corpus "$OP" --seed 7 --scale "$SCALE"
agencies=(PT-PJ ES-CNP NL-POL PL-KGP DE-BKA GB-NCA TH-DSI)
i=0
for dir in "$OP"/collections/*/; do
  name=$(basename "$dir")
  if ! $L --workspace "$WS" source list --json | grep -q "\"location\": \"$(realpath "$dir")\""; then
    $L --workspace "$WS" source add "$dir" --agency "${agencies[$((i % ${#agencies[@]}))]}" --label "$name"
  fi
  i=$((i + 1))
done
$L --workspace "$WS" ingest
$L --workspace "$WS" status
echo
echo "Workspace: $WS  —  try: $L --workspace $WS media list | warnings list | source list"
