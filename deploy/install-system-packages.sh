#!/usr/bin/env bash
# Installs the Debian packages listed in deploy/apt-packages.txt for one purpose
# (run or test) when any is missing. Needs root (or sudo); prints what is missing
# otherwise.
set -euo pipefail
purpose=${1:?usage: install-system-packages.sh run|test}
here=$(cd "$(dirname "$0")" && pwd)
missing=()
while read -r pkg when; do
  [[ -z "$pkg" || "$pkg" == \#* ]] && continue
  if [[ "$purpose" == test || "$when" == run ]]; then
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  fi
done < "$here/apt-packages.txt"
[[ ${#missing[@]} -eq 0 ]] && exit 0
echo "Installing Debian packages: ${missing[*]}"
if [[ $(id -u) -eq 0 ]]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
  echo "Please install as root: apt-get install ${missing[*]}" >&2; exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
