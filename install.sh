#!/usr/bin/env bash
# Install reporter and everything it needs on Debian (bookworm or later), from scratch.
# System packages need root (apt-get); skip them with REPORTER_SKIP_APT=1 if they are present.
set -euo pipefail
cd "$(dirname "$0")"

if [ "${REPORTER_SKIP_APT:-0}" != "1" ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # fonts-noto-cjk: the CJK font of PDFs and charts; pango/harfbuzz: WeasyPrint's layout;
  # poppler-utils: pdftotext/pdffonts/pdftoppm for the tests that read PDFs.
  $SUDO apt-get install -y -qq --no-install-recommends \
    fonts-noto-cjk fonts-dejavu-core fontconfig \
    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 \
    poppler-utils
fi

python3 -m pip install -q --upgrade pip
python3 -m pip install -q -e ".[test]"
