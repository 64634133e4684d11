#!/usr/bin/env bash
# A headless browser for the report tests (tests/test_report.py opens report.html in it):
# Debian's chromium, installed with apt-get when run as root (a few minutes, once).
set -euo pipefail
if ! command -v chromium >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends chromium >/dev/null
  else
    echo "install_browser.sh: chromium not found: install Debian's chromium (as root: apt-get install chromium) and retry" >&2
    exit 2
  fi
fi
