#!/usr/bin/env bash
# Starts the product: a real VS Code with the Agent Sandbox extension on a demo workspace.
#
#   npm run demo            # or: bash test/demo.sh
#
# 1. makes sure a Docker engine runs and the local base image exists (.ci/ensure-docker,
#    .ci/ensure-base-image), since the sandbox needs both and no registry may be reachable;
# 2. builds the extension and packages it into a .vsix, as a release would;
# 3. creates a small Node.js demo workspace (test/demo-workspace.sh; kept between runs, your
#    edits there stay) on which npm install, npm test and edits work inside the sandbox;
# 4. opens it in desktop VS Code when `code` is on PATH, otherwise starts the browser VS Code
#    (code-server) on 127.0.0.1 with the extension installed and prints the URL to open.
#
# Environment:
#   AGENT_SANDBOX_DEMO_DIR   where the .vsix, the workspace and the code-server profile live
#                            (default: ${XDG_CACHE_HOME:-$HOME/.cache}/agent-sandbox-demo)
#   AGENT_SANDBOX_DEMO_PORT  code-server port on 127.0.0.1 (default: 8123)
#   AGENT_SANDBOX_DEMO_BROWSER=1  use code-server even when `code` is on PATH
#   AGENT_SANDBOX_BASE_IMAGE base image for the sandbox (default: agent-sandbox-base:bookworm)
set -euo pipefail

log() { printf '[demo] %s\n' "$*" >&2; }

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEMO_DIR="${AGENT_SANDBOX_DEMO_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/agent-sandbox-demo}"
PORT="${AGENT_SANDBOX_DEMO_PORT:-8123}"
BASE_IMAGE="${AGENT_SANDBOX_BASE_IMAGE:-agent-sandbox-base:bookworm}"
WORKSPACE="$DEMO_DIR/workspace"
VSIX="$DEMO_DIR/agent-sandbox.vsix"

cd "$REPO_ROOT"
mkdir -p "$DEMO_DIR"

if [ ! -d node_modules ]; then
  log "installing the npm dependencies (npm ci)"
  npm ci --no-audit --no-fund >&2
fi

log "making sure the Docker engine runs"
.ci/ensure-docker >&2
log "making sure the base image $BASE_IMAGE exists"
.ci/ensure-base-image >&2

log "building the extension"
node build.mjs >&2
log "packaging $VSIX"
node node_modules/@vscode/vsce/vsce package --no-dependencies --allow-missing-repository --skip-license --out "$VSIX" >&2

log "making the demo workspace $WORKSPACE (files already there are kept)"
bash "$REPO_ROOT/test/demo-workspace.sh" "$WORKSPACE"
if command -v code >/dev/null 2>&1 && [ "${AGENT_SANDBOX_DEMO_BROWSER:-0}" != "1" ]; then
  log "installing the extension into desktop VS Code"
  code --install-extension "$VSIX" --force >&2
  log "opening $WORKSPACE in VS Code"
  log "where no image registry is reachable, set \"agentSandbox.baseImage\": \"$BASE_IMAGE\" in your user settings"
  code "$WORKSPACE"
  printf 'Opened %s in VS Code with the Agent Sandbox extension.\n' "$WORKSPACE"
  exit 0
fi

log "making sure code-server is installed (a few minutes the first time)"
LAUNCHER="$(.ci/ensure-code-server)"
PROFILE="$DEMO_DIR/code-server"
mkdir -p "$PROFILE/user-data/User" "$PROFILE/user-data/Machine" "$PROFILE/extensions"
cat >"$PROFILE/user-data/User/settings.json" <<'EOF'
{
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "extensions.autoUpdate": false,
  "extensions.autoCheckUpdates": false,
  "workbench.startupEditor": "readme",
  "chat.disableAIFeatures": true,
  "security.workspace.trust.startupPrompt": "always"
}
EOF
# code-server is a remote window: machine-scoped settings are read from Machine/settings.json.
printf '{\n  "agentSandbox.baseImage": "%s"\n}\n' "$BASE_IMAGE" >"$PROFILE/user-data/Machine/settings.json"
: >"$PROFILE/config.yaml"
PROFILE_ARGS=(--config "$PROFILE/config.yaml" --user-data-dir "$PROFILE/user-data" --extensions-dir "$PROFILE/extensions")

log "installing the extension into code-server"
"$LAUNCHER" "${PROFILE_ARGS[@]}" --install-extension "$VSIX" --force >&2

URL="http://127.0.0.1:$PORT/?folder=$WORKSPACE"
printf '\nAgent Sandbox demo: open %s\n(code-server on 127.0.0.1 only, no password; Ctrl+C stops it)\n\n' "$URL"
exec "$LAUNCHER" "${PROFILE_ARGS[@]}" \
  --bind-addr "127.0.0.1:$PORT" --auth none \
  --disable-telemetry --disable-update-check --disable-getting-started-override \
  --ignore-last-opened
