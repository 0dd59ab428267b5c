#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests when it is missing (root, as on CI).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  chromium --version
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
chromium --version
