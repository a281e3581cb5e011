#!/usr/bin/env bash
# The Debian packages the app needs: chromium (PNG/PDF exports, browser tests) and a CJK
# font (fonts-wqy-microhei). Installed when missing and running as root; otherwise this
# says exactly what to install. With --warn, a missing package is a warning, not a failure.
set -euo pipefail
packages=(chromium fonts-wqy-microhei)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi
msg="missing Debian packages: ${missing[*]}. Install them with: sudo apt-get install -y ${missing[*]}"
if [ "${1:-}" = "--warn" ]; then
  echo "warning: $msg (exports will not work until then)" >&2
  exit 0
fi
echo "error: $msg" >&2
exit 1
