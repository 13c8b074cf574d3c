#!/usr/bin/env bash
# Install Debian's prometheus-alertmanager for `amtool check-config` (tests/deploy/) and a local
# Alertmanager. Idempotent: does nothing when amtool and alertmanager are already on PATH.
# The package's own system service is kept from starting (and stopped if it runs): firestorm's
# tests start their own Alertmanager on 127.0.0.1 when they need one.
# Needs root (or sudo) and apt-get.
# Usage: deploy/alertmanager/install.sh [--check]   (--check: only say whether it is installed)
set -euo pipefail

say() { printf 'alertmanager: %s\n' "$*"; }
die() { printf 'alertmanager: ERROR: %s\n' "$*" >&2; exit 1; }

installed() { command -v amtool >/dev/null 2>&1 && command -v prometheus-alertmanager >/dev/null 2>&1; }

if installed; then
    say "$(prometheus-alertmanager --version 2>&1 | head -n 1)"
    exit 0
fi
if [[ "${1:-}" == "--check" ]]; then
    say "not installed (run deploy/alertmanager/install.sh)" >&2
    exit 1
fi

SUDO=""
if [[ "$(id -u)" != "0" ]]; then
    command -v sudo >/dev/null || die "need root or sudo to apt-get install prometheus-alertmanager"
    SUDO="sudo"
fi
command -v apt-get >/dev/null || die "no apt-get here; install prometheus-alertmanager (amtool) by hand"

# Keep the package's postinst from starting its own service on :9093.
added_policy=0
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    $SUDO sh -c 'printf "#!/bin/sh\nexit 101\n" >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d'
    added_policy=1
    trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
export DEBIAN_FRONTEND=noninteractive
say "installing Debian's prometheus-alertmanager package"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends prometheus-alertmanager >/dev/null
if ((added_policy == 1)); then
    $SUDO rm -f /usr/sbin/policy-rc.d
    trap - EXIT
fi
if command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
    $SUDO systemctl disable --now prometheus-alertmanager.service >/dev/null 2>&1 || true
elif [[ -x /etc/init.d/prometheus-alertmanager ]]; then
    $SUDO /etc/init.d/prometheus-alertmanager stop >/dev/null 2>&1 || true
fi
installed || die "apt-get finished but amtool or prometheus-alertmanager is not on PATH"
say "installed $(prometheus-alertmanager --version 2>&1 | head -n 1)"
