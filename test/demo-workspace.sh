#!/usr/bin/env bash
# Makes the demo workspace that `npm run demo` opens: a small Node.js project on which an
# agent-like session works inside the sandbox (install, test, edit). Usage:
#
#   bash test/demo-workspace.sh DIR
#
# Files that are already there are kept (the person's edits stay), but a package.json that
# is not valid JSON (earlier versions wrote one) is replaced.
set -euo pipefail

DIR="${1:?usage: demo-workspace.sh DIR}"
mkdir -p "$DIR/src" "$DIR/test"

# Writes stdin to DIR/$1 unless that file exists.
put() {
  if [ -e "$DIR/$1" ]; then
    cat >/dev/null
  else
    cat >"$DIR/$1"
  fi
}

put README.md <<'EOF'
# Agent Sandbox demo

1. Trust this folder when VS Code asks (the sandbox does not start in Restricted Mode).
2. Click "Sandbox: off" in the status bar to turn the sandbox on.
3. Run "Agent Sandbox: New Sandbox Terminal" and work as an agent would:

       npm install && npm test
       sed -i 's/Hello/Hello from the sandbox/' src/greet.js
       npm test                    # the test now fails: fix test/greet.test.js too
       echo notes > notes.txt && rm old.txt

4. Your files are untouched. Open the Source Control view or run
   "Agent Sandbox: Review Changes", approve or reject each change, then apply.
EOF

put src/greet.js <<'EOF'
// A tiny module to change from the sandbox.
function greet(name) {
  return `Hello, ${name}!`;
}

function farewell(name) {
  return `Goodbye, ${name}.`;
}

module.exports = { greet, farewell };
EOF

put test/greet.test.js <<'EOF'
const test = require('node:test');
const assert = require('node:assert/strict');
const { greet, farewell } = require('../src/greet');

test('greets by name', () => {
  assert.equal(greet('sandbox'), 'Hello, sandbox!');
});

test('says goodbye by name', () => {
  assert.equal(farewell('sandbox'), 'Goodbye, sandbox.');
});
EOF

# The sandbox has no network unless the person approves a host: nothing to audit or fund.
put .npmrc <<'EOF'
audit=false
fund=false
update-notifier=false
EOF

put old.txt <<'EOF'
This file is here to be deleted from the sandbox.
EOF

if ! node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$DIR/package.json" 2>/dev/null; then
  cat >"$DIR/package.json" <<'EOF'
{
  "name": "agent-sandbox-demo",
  "version": "1.0.0",
  "private": true,
  "description": "A small project to try Agent Sandbox on.",
  "scripts": {
    "test": "node --test"
  }
}
EOF
fi
