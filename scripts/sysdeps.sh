#!/usr/bin/env bash
# Install the Debian packages the portal needs, or name them when we cannot.
# Usage: scripts/sysdeps.sh run|test
set -euo pipefail
purpose=${1:-run}

# WeasyPrint's libraries, fast font subsetting, the CJK fonts and DejaVu (☐/☑ glyphs).
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-noto-cjk)
python3 -c 'import ensurepip, venv' 2>/dev/null || packages+=(python3-venv)
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
if [ "$purpose" = test ]; then
  # Browser tests drive Debian's chromium; pdftotext reads rendered PDFs back; LibreOffice
  # opens the workbooks as WPS/LibreOffice users see them (tests/test_spreadsheets_layout.py).
  packages+=(chromium poppler-utils libreoffice-calc-nogui)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "缺少系统软件包 / missing Debian packages: ${missing[*]}" >&2
  echo "请以 root 运行 make，或先执行：sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
