#!/usr/bin/env bash
# The demo: a benign synthetic operation → every stage (lodestar run) → a lead → the workbench.
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
# Known content: a Project VIC set of earlier-worked series and a "known files" list.
for spec in "known-series.vics.json:vics:--not-known" "known-files.txt:plain:--known"; do
  IFS=: read -r file fmt known <<<"$spec"
  if ! $L --workspace "$WS" hashsets list --json | grep -q "\"name\": \"$file\""; then
    $L --workspace "$WS" hashsets import "$OP/hashsets/$file" --format "$fmt" $known \
      --category-map "2=demo-category-2"
  fi
done
# Every stage, in dependency order, resumably: ingest (fast pass) → local features, vPDQ →
# matching against the sets and among media → series with reasons → clues (metadata,
# places, keyframes, text and language). `lodestar run --plan` shows what is pending.
$L --workspace "$WS" run
$L --workspace "$WS" series list | head -30
$L --workspace "$WS" series why 1 | head -20
$L --workspace "$WS" cameras list
$L --workspace "$WS" jurisdiction --series 1 | head -12
# A lead: an analyst drafts it for series 1 towards the top country candidate, the coordinator
# reviews it (a second person), packages it (signed ZIP) and anyone can verify it.
$L --workspace "$WS" users demo-accounts --json >/dev/null
if ! $L --workspace "$WS" leads list --json | grep -q '"id"'; then
  cc=$($L --workspace "$WS" jurisdiction --series 1 --json \
    | "$(dirname "$L")/python" -c 'import json, sys; print(json.load(sys.stdin)[0]["country_code"])')
  $L --workspace "$WS" leads create --series 1 --country "$cc" --as demo-analyst \
    --summary "Room with printed signs; see clues and country reasoning." --json >/dev/null
  $L --workspace "$WS" leads review 1 --as demo-coordinator
fi
$L --workspace "$WS" leads package 1 --out "$WS/lead-1.zip" --as demo-coordinator
$L --workspace "$WS" leads key export --out "$WS/lead-signing-public.pem" --as demo-coordinator
$L --workspace "$WS" leads verify "$WS/lead-1.zip" --public-key "$WS/lead-signing-public.pem"
$L --workspace "$WS" report
$L --workspace "$WS" status
echo
echo "Workspace: $WS  —  try: $L --workspace $WS media list | series list | leads list | audit verify"
# The workbench, with demo accounts (passwords printed); Ctrl-C stops it.
$L --workspace "$WS" serve --demo-accounts --insecure-cookies
