#!/usr/bin/env bash
# Install Debian's chromium for the drill-report browser test (tests/integration/test_report_browser.py).
# Idempotent: does nothing when a chromium binary is already on PATH. Needs root (or sudo) and apt-get.
# Usage: deploy/chromium/install.sh [--check]   (--check: only say whether it is installed)
set -euo pipefail

find_chromium() {
    command -v chromium || command -v chromium-browser || command -v google-chrome || true
}

found="$(find_chromium)"
if [[ -n "$found" ]]; then
    echo "chromium: $("$found" --version 2>/dev/null || echo "$found")"
    exit 0
fi
if [[ "${1:-}" == "--check" ]]; then
    echo "chromium: not installed (run deploy/chromium/install.sh)" >&2
    exit 1
fi

SUDO=""
if [[ "$(id -u)" != "0" ]]; then
    command -v sudo >/dev/null || { echo "chromium: need root or sudo to apt-get install chromium" >&2; exit 1; }
    SUDO="sudo"
fi
command -v apt-get >/dev/null || { echo "chromium: no apt-get here; install chromium by hand" >&2; exit 1; }

export DEBIAN_FRONTEND=noninteractive
echo "chromium: installing Debian's chromium package"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
found="$(find_chromium)"
[[ -n "$found" ]] || { echo "chromium: apt-get finished but no chromium binary on PATH" >&2; exit 1; }
echo "chromium: $("$found" --version 2>/dev/null || echo "$found")"
