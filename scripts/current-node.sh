#!/bin/sh
# corral needs Node.js 22 or newer (its dependencies declare it; Node 20 reached end of life in
# April 2026). Where the machine's own `node` is older, this fetches Node 22 from the npm registry
# (the node-<os>-<cpu> packages, which hold the official binary) into .tools/node22 — outside the
# project's dependencies, gitignored — and puts it first on PATH, so that CI and `npm test` run
# what users run.
#
#   scripts/current-node.sh                 prints the folder to put first on PATH
#   scripts/current-node.sh <command> …     runs the command with that folder first on PATH
set -eu

MIN_MAJOR=22
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/.tools/node$MIN_MAJOR"

# 22.12: commander (the CLI) declares it; the first 22.x with require(esm) unflagged.
MIN_MINOR=12
# Prints 1 when the node given is at least MIN_MAJOR.MIN_MINOR.
recent_enough() { "$1" -p "const [a, b] = process.versions.node.split('.').map(Number); a > $MIN_MAJOR || (a === $MIN_MAJOR && b >= $MIN_MINOR) ? 1 : 0" 2>/dev/null || echo 0; }

current="$(command -v node || true)"
if [ -n "$current" ] && [ "$(recent_enough "$current")" = 1 ]; then
  bin="$(dirname "$current")"
else
  case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) echo "current-node.sh: install Node.js $MIN_MAJOR or newer yourself (https://nodejs.org)" >&2; exit 1 ;; esac
  case "$(uname -m)" in x86_64 | amd64) cpu=x64 ;; aarch64 | arm64) cpu=arm64 ;; *) echo "current-node.sh: install Node.js $MIN_MAJOR or newer yourself (https://nodejs.org)" >&2; exit 1 ;; esac
  package="node-$os-$cpu"
  bin="$tools/node_modules/$package/bin"
  if [ ! -x "$bin/node" ] || [ "$(recent_enough "$bin/node")" != 1 ]; then
    echo "current-node.sh: this machine's node is ${current:+$("$current" -v)}${current:-missing}; installing $package@$MIN_MAJOR from the npm registry into .tools/node$MIN_MAJOR" >&2
    mkdir -p "$tools"
    npm install --prefix "$tools" --no-save --no-audit --no-fund --loglevel=error "$package@$MIN_MAJOR" >&2
  fi
fi

if [ $# -eq 0 ]; then
  echo "$bin"
else
  PATH="$bin:$PATH" exec "$@"
fi
