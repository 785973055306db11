#!/usr/bin/env bash
# Installs the Debian packages rolodesk builds, tests and benchmarks with.
# Safe to run again: when every package is present it does nothing (no apt-get at all).
# Needs root (or sudo) only when something is missing.
set -euo pipefail

pkgs=(
  build-essential cmake pkg-config clang libclang-rt-14-dev
  libmicrohttpd-dev libjansson-dev libsqlite3-dev sqlite3 libsodium-dev
  libpq-dev postgresql
  libcurl4-openssl-dev libcriterion-dev libcsv-dev zlib1g-dev libspng-dev libgmime-3.0-dev
  wrk curl time ca-certificates iso-codes tzdata
  nodejs npm python3 chromium
  libxlsxwriter-dev python3-openpyxl
  libldap-dev slapd ldap-utils
)

missing=()
for p in "${pkgs[@]}"; do
  # Debian's nodejs and npm only when node or npm is missing: a machine may have Node.js
  # from elsewhere (NodeSource's nodejs bundles npm and conflicts with Debian's npm;
  # nvm or a tarball is no Debian package at all). tests/js supports Node 18 and 20.
  [ "$p" = nodejs ] && command -v node >/dev/null && continue
  [ "$p" = npm ] && command -v npm >/dev/null && continue
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
