#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to the running demo: installs what the build
# needs, builds, and starts `tapemeasure demo` (UI at http://127.0.0.1:8000).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
contrib/setup.sh --build
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF -DTAPEMEASURE_BENCHMARKS=OFF >/dev/null
cmake --build build --target tapemeasure
exec build/tapemeasure demo "$@"
