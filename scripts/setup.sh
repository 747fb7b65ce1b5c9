#!/usr/bin/env bash
# Set up a fresh machine for Lodestar: system packages (apt), a virtualenv, the package itself.
# Idempotent: re-running installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# Fonts for the demo; exiftool for metadata clues; Tesseract with the operation's language packs
# (and the Latin script model, which keeps accents in one pass) for text clues; the -dev packages
# let pip build tesserocr where no wheel fits; Debian's chromium for the browser tests; the
# disk-image tests build their images with mke2fs, mkfs.fat + mtools, sfdisk, ewfacquire, qemu-img.
TESSERACT_LANGS=(eng por spa fra deu nld pol ron swe est lav hrv tha osd script-latn)
APT_PACKAGES=(
  fonts-dejavu-core fonts-thai-tlwg libimage-exiftool-perl
  tesseract-ocr libtesseract-dev libleptonica-dev pkg-config
  chromium
  e2fsprogs dosfstools mtools fdisk ewf-tools qemu-utils
  "${TESSERACT_LANGS[@]/#/tesseract-ocr-}"
)

missing_apt() {
  local pkg out=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || out+=("$pkg")
  done
  echo "${out[@]:-}"
}

install_apt() {
  local need
  need=$(missing_apt "$@")
  [ -z "$need" ] && return 0
  if ! command -v apt-get >/dev/null; then
    echo "lodestar setup: please install these system packages: $need" >&2
    return 0
  fi
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "lodestar setup: installing $need"
  $sudo apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $need >/dev/null
}

install_apt "${APT_PACKAGES[@]}"

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
.venv/bin/python -m pip install -q -e '.[dev]' 2>&1 | grep -v '^WARNING: Location' || true
.venv/bin/python -c 'import lodestar, PIL, av, sqlalchemy' || {
  echo "lodestar setup: the virtualenv is incomplete" >&2; exit 1; }
echo "lodestar setup: ready (.venv)"
