#!/usr/bin/env bash
# Lints the OpenAPI document (openapi/openapi.json, or the file given) and
# fails on any error or warning:
#   1. the project's Spectral rules still find what they must, and only that,
#      in a document made to break each once (.ci/lint/fixtures/);
#   2. Redocly CLI with its `recommended` ruleset (.ci/lint/redocly.yaml);
#   3. Spectral with .ci/lint/spectral.yaml: `spectral:oas`, the OWASP API
#      Security rules the project follows, and the project's own rules.
# docs/openapi-lint.md says what each checks. The linters are npm packages
# pinned in .ci/lint/package-lock.json and installed with `npm ci` (here, when
# missing or stale); linting itself fetches nothing.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
LINT="$ROOT/.ci/lint"
SPEC="$(realpath "${1:-$ROOT/openapi/openapi.json}")"
# Redocly would otherwise send usage data and look for a newer version.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true

installed="$LINT/node_modules/.installed-package-lock.json"
if ! cmp -s "$LINT/package-lock.json" "$installed"; then
    echo "== npm ci (.ci/lint)"
    (cd "$LINT" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$LINT/package-lock.json" "$installed"
fi
BIN="$LINT/node_modules/.bin"
failed=()

echo "== the project's Spectral rules on .ci/lint/fixtures/unkept-promises.json"
found="$("$BIN/spectral" lint -q -f json -r "$LINT/spectral.yaml" "$LINT/fixtures/unkept-promises.json" 2>/dev/null |
    node -e 'let s = ""; process.stdin.on("data", d => (s += d)).on("end", () => {
        for (const r of JSON.parse(s)) if (r.code.startsWith("samverkan-")) console.log(`${r.code} ${r.path.join(".")}`);
    })' | sort)" || true
if [ "$found" = "$(sort "$LINT/fixtures/unkept-promises.expected")" ]; then
    echo "every rule finds what it must, and nothing else ($(echo "$found" | wc -l) findings)"
else
    echo "the project's rules no longer find what .ci/lint/fixtures/unkept-promises.expected lists:"
    diff <(sort "$LINT/fixtures/unkept-promises.expected") <(echo "$found") || true
    failed+=("rule fixtures")
fi

echo "== redocly lint (recommended) $SPEC"
report="$(mktemp)"
trap 'rm -f "$report"' EXIT
(cd "$LINT" && "$BIN/redocly" lint --config redocly.yaml --format json "$SPEC" >"$report" 2>/dev/null) || true
problems="$(node -e 'const t = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).totals;
    console.log(t.errors + t.warnings)' "$report" 2>/dev/null || echo unreadable)"
if [ "$problems" = 0 ]; then
    echo "no errors, no warnings"
else
    (cd "$LINT" && "$BIN/redocly" lint --config redocly.yaml "$SPEC") || true
    failed+=("redocly")
fi

echo "== spectral lint (.ci/lint/spectral.yaml) $SPEC"
if "$BIN/spectral" lint --fail-severity warn -r "$LINT/spectral.yaml" "$SPEC"; then
    :
else
    failed+=("spectral")
fi

if [ ${#failed[@]} -gt 0 ]; then
    echo "spec lint failed: ${failed[*]}"
    exit 1
fi
echo "spec lint: clean"
