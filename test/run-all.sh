#!/usr/bin/env bash
# The project's test command (`npm test`): makes sure what the tests need is there (a Docker
# engine, the local base image, Chromium, code-server), then type-checks, lints, builds and
# runs every suite: unit, integration (real Docker engine), webview (real Chromium) and end
# to end (a real VS Code in a real browser). Prints one closing line with the totals.
set -uo pipefail
shopt -s globstar nullglob
cd "$(dirname "$0")/.."

export AGENT_SANDBOX_BASE_IMAGE="${AGENT_SANDBOX_BASE_IMAGE:-agent-sandbox-base:bookworm}"
ARTIFACTS=.test-artifacts
mkdir -p "$ARTIFACTS"

step() { printf '\n=== %s ===\n' "$*"; }
die() { printf '\nFAILED: %s\n' "$*" >&2; printf '0 passed, 1 failed\n'; exit 1; }

if [ ! -d node_modules ]; then
  step "Installing dependencies"
  npm ci --no-audit --no-fund || die "npm ci"
fi

step "Preparing the Docker engine and the base image"
bash .ci/ensure-docker || die "no Docker engine"
bash .ci/ensure-base-image || die "no base image"
bash .ci/ensure-shells || die "no shells for the cross-shell test"
step "Preparing Chromium and code-server"
bash .ci/ensure-browser >/dev/null || die "no Chromium"
CODE_SERVER_BIN="$(bash .ci/ensure-code-server)" || die "no code-server"
export CODE_SERVER_BIN
step "Preparing the agent programs (Claude Code, Codex, Copilot CLI, Gemini CLI)"
AGENT_CLIS="$(bash .ci/ensure-agent-clis)" || die "no agent programs"
CLAUDE_CODE_BIN="$(sed -n 's/^CLAUDE_CODE_BIN=//p' <<<"$AGENT_CLIS")"
CODEX_BIN="$(sed -n 's/^CODEX_BIN=//p' <<<"$AGENT_CLIS")"
COPILOT_BIN="$(sed -n 's/^COPILOT_BIN=//p' <<<"$AGENT_CLIS")"
GEMINI_BIN="$(sed -n 's/^GEMINI_BIN=//p' <<<"$AGENT_CLIS")"
export CLAUDE_CODE_BIN CODEX_BIN COPILOT_BIN GEMINI_BIN

step "Type check"
npm run --silent typecheck || die "type check"
step "Lint"
npm run --silent lint || die "lint"
step "Build"
npm run --silent build >/dev/null || die "build"

PASSED=0
FAILED=0
SKIPPED=0
SUITES_FAILED=()
FAILED_LOGS=()

# Runs one node:test suite and adds its counts (from the spec reporter's summary) to the totals.
run_suite() {
  local name="$1"; shift
  step "$name"
  local log="$ARTIFACTS/$(echo "$name" | tr ' A-Z' '-a-z').log"
  ${SUITE_WRAPPER:-} npx tsx --test --test-reporter=spec "$@" 2>&1 | tee "$log"
  local status=${PIPESTATUS[0]}
  local pass fail skip
  pass=$(grep -a -E '^ℹ pass [0-9]+' "$log" | tail -1 | awk '{print $3}')
  fail=$(grep -a -E '^ℹ fail [0-9]+' "$log" | tail -1 | awk '{print $3}')
  skip=$(grep -a -E '^ℹ skipped [0-9]+' "$log" | tail -1 | awk '{print $3}')
  PASSED=$((PASSED + ${pass:-0}))
  FAILED=$((FAILED + ${fail:-0}))
  SKIPPED=$((SKIPPED + ${skip:-0}))
  if [ "$status" -ne 0 ]; then
    SUITES_FAILED+=("$name")
    FAILED_LOGS+=("$log")
    # A suite that died before reporting counts as a failure, never as silence.
    [ -z "$fail" ] || [ "$fail" = "0" ] && FAILED=$((FAILED + 1))
  fi
}

# Registered before any engine test, so that every suite (and the bench's runtime figures)
# sees the same engine whether or not an earlier run registered it.
step "Registering gVisor (runsc) with the engine"
GVISOR_READY=0
bash .ci/ensure-runsc && GVISOR_READY=1

run_suite "Unit tests" test/unit/**/*.test.ts
run_suite "Integration tests (real Docker engine)" --test-concurrency=1 \
  test/integration/*.test.ts test/integration/battery/*.test.ts test/integration/faults/*.test.ts
# gVisor: registered by the product's own setup command, then its own cases, the engine
# tests, the whole battery and the network cases under it.
if [ "$GVISOR_READY" = 1 ]; then
  AGENT_SANDBOX_TEST_RUNTIME=gvisor run_suite "Integration tests under gVisor (runsc)" --test-concurrency=1 \
    test/integration/gvisor/*.test.ts test/integration/engine.test.ts test/integration/battery/*.test.ts \
    test/integration/network.test.ts
else
  SUITES_FAILED+=("gVisor set-up"); FAILED=$((FAILED + 1))
fi
# Podman (rootful) through its Docker-compatible API, found through DOCKER_HOST as Podman
# users point tools at it: its own cases, the engine tests and the battery.
step "Preparing Podman's API service"
if PODMAN_ENGINE="$(bash .ci/ensure-podman)"; then
  PODMAN_SOCKET="$(sed -n 's/^PODMAN_ROOTFUL_SOCKET=//p' <<<"$PODMAN_ENGINE")"
  DOCKER_HOST="unix://$PODMAN_SOCKET" AGENT_SANDBOX_TEST_ENGINE=podman run_suite "Integration tests against Podman (rootful)" \
    --test-concurrency=1 test/integration/podman/*.test.ts test/integration/engine.test.ts \
    test/integration/battery/*.test.ts
else
  SUITES_FAILED+=("Podman set-up"); FAILED=$((FAILED + 1))
fi
# This machine's engine behind sshd and a TLS front, reached as a remote engine would be.
REMOTE_ENGINE="$(bash .ci/ensure-remote-engine)" || die "no remote engine endpoints"
REMOTE_SSH_HOST="$(sed -n 's/^REMOTE_SSH_HOST=//p' <<<"$REMOTE_ENGINE")"
REMOTE_TLS_HOST="$(sed -n 's/^REMOTE_TLS_HOST=//p' <<<"$REMOTE_ENGINE")"
REMOTE_TLS_CERT_PATH="$(sed -n 's/^REMOTE_TLS_CERT_PATH=//p' <<<"$REMOTE_ENGINE")"
export REMOTE_SSH_HOST REMOTE_TLS_HOST REMOTE_TLS_CERT_PATH
SUITE_WRAPPER="bash .ci/without-local-engine" run_suite "Integration tests against a remote engine (ssh, TLS)" --test-concurrency=1 test/integration/remote/*.test.ts
# Each passing real-agent test that proves a claim of the README's agents × routes table
# records it here; a claim without a passing proof fails the run.
export AGENT_SANDBOX_ROUTE_LEDGER="$PWD/$ARTIFACTS/agent-routes.jsonl"
rm -f "$AGENT_SANDBOX_ROUTE_LEDGER"
run_suite "Real agents (Claude Code, Codex, Copilot CLI, Gemini CLI)" --test-concurrency=1 test/agents/*.test.ts
step "Agents × routes table: every claim proven"
if ! npx tsx test/agents/checkRoutes.ts "$AGENT_SANDBOX_ROUTE_LEDGER"; then
  FAILED=$((FAILED + 1))
  SUITES_FAILED+=("Agents × routes table")
fi
run_suite "Webview tests (real Chromium)" --test-concurrency=1 test/webview/*.test.ts
run_suite "End-to-end tests (real VS Code in a real browser)" --test-concurrency=1 test/e2e/smoke/*.test.ts test/e2e/*.test.ts
if [ -d test/extension-host ]; then
  run_suite "Extension-host tests (desktop VS Code)" test/extension-host/*.test.ts
fi

echo
# Each failed suite's failures again, without stack frames, so that the last lines of the
# run say what failed and why.
for log in "${FAILED_LOGS[@]}"; do
  step "Failures in $log"
  sed -n '/^✖ failing tests:/,$p' "$log" | grep -av '^ *at ' | head -n 60
done
if [ ${#SUITES_FAILED[@]} -gt 0 ]; then echo "Failed suites: ${SUITES_FAILED[*]}"; fi
echo "Test artefacts (logs, screenshots) are in $ARTIFACTS/"
echo "${PASSED} passed, ${FAILED} failed, ${SKIPPED} skipped"
[ "$FAILED" -eq 0 ] && [ ${#SUITES_FAILED[@]} -eq 0 ]
