#!/usr/bin/env bash
# Packaging: configures a Release build with the /usr prefix (default build-pkg/; set
# TAPEMEASURE_PKG_BUILD_DIR to reuse another), builds the binary, runs `cpack -G DEB`,
# checks the package (Debian runtime library dependencies, conffiles, layout), extracts it
# into a temporary root with `dpkg -x`, runs the installed `tapemeasure check` on the
# installed rules, serves the installed web assets with the installed binary, and verifies
# the installed unit with `systemd-analyze verify --root`.
# TAPEMEASURE_SKIP_PACKAGE=1 skips it (it compiles the daemon once when build-pkg is cold).
source "$(dirname "$0")/lib/common.sh"

if [[ -n "${TAPEMEASURE_SKIP_PACKAGE:-}" ]]; then skip "package" "TAPEMEASURE_SKIP_PACKAGE is set"; finish; fi
for tool in cmake cpack dpkg-deb; do
  if ! command -v "$tool" >/dev/null; then skip "package" "$tool not installed"; finish; fi
done

B="${TAPEMEASURE_PKG_BUILD_DIR:-$REPO/build-pkg}"
gen=(); if command -v ninja >/dev/null && [[ ! -f "$B/CMakeCache.txt" ]]; then gen=(-G Ninja); fi
inject=()
if ! grep -q 'contrib/packaging/packaging.cmake' "$REPO/CMakeLists.txt"; then
  # Not yet include()d by the top-level CMakeLists.txt: inject it.
  inject=(-DCMAKE_PROJECT_INCLUDE="$REPO/contrib/packaging/packaging.cmake")
fi
if ! cmake -S "$REPO" -B "$B" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
     -DBUILD_TESTING=OFF -DTAPEMEASURE_BENCHMARKS=OFF "${inject[@]}" >"$ECO_TMP/configure.log" 2>&1; then
  fail "configure $B"; tail -n 30 "$ECO_TMP/configure.log" >&2; finish
fi
pass "configure (Release, prefix /usr) in ${B#$REPO/}"
echo "  ...   building tapemeasure in ${B#$REPO/} (slow only the first time)"
if ! cmake --build "$B" --target tapemeasure >"$ECO_TMP/build.log" 2>&1; then
  fail "build"; tail -n 30 "$ECO_TMP/build.log" >&2; finish
fi
pass "build"
rm -f "$B"/tapemeasure_*.deb
if ! (cd "$B" && cpack -G DEB) >"$ECO_TMP/cpack.log" 2>&1; then
  fail "cpack -G DEB"; tail -n 30 "$ECO_TMP/cpack.log" >&2; finish
fi
deb="$(ls "$B"/tapemeasure_*.deb 2>/dev/null | head -n1)"
if [[ -z "$deb" ]]; then fail "cpack made a .deb"; cat "$ECO_TMP/cpack.log" >&2; finish; fi
pass "cpack -G DEB made $(basename "$deb")"

info="$(dpkg-deb -f "$deb")"
depends="$(dpkg-deb -f "$deb" Depends)"
echo "        Depends: $depends"
# has_dep PKG: Depends lists PKG (alone or as an alternative).
has_dep() { tr ',|' '\n\n' <<<"$depends" | sed 's/^ *//; s/ .*//' | grep -qxF "$1"; }
for lib in libc6 libstdc++6 libre2-9 libyaml-cpp0.7 libprometheus-cpp-core1.0; do
  check "Depends names $lib" has_dep "$lib"
done
check "Depends has no -dev package" bash -c "! grep -q -- '-dev' <<<'$depends'"
# Every library the binary loads is provided by a package in Depends.
missing=""
while read -r so; do
  pkg="$(dpkg -S "$(readlink -f "$so")" 2>/dev/null | head -n1 | cut -d: -f1 || true)"
  if [[ -z "$pkg" ]]; then pkg="$(dpkg -S "$so" 2>/dev/null | head -n1 | cut -d: -f1 || true)"; fi
  if [[ -z "$pkg" ]]; then missing+=" ?($so)"; elif ! has_dep "$pkg"; then missing+=" $pkg($so)"; fi
done < <(ldd "$B/tapemeasure" | awk '/=> \//{print $3}')
if [[ -z "$missing" ]]; then
  pass "every shared library of the binary comes from a package in Depends"
else
  fail "every shared library of the binary comes from a package in Depends; missing:$missing"
fi
check "package metadata: name, version, architecture, maintainer, description" \
  bash -c "grep -q '^Package: tapemeasure' <<<\"\$1\" && grep -q '^Version: ' <<<\"\$1\" && grep -q '^Architecture: ' <<<\"\$1\" && grep -q '^Maintainer: ' <<<\"\$1\" && grep -q '^Description: ' <<<\"\$1\"" _ "$info"

# Without dpkg-shlibdeps (dpkg-dev is not a build dependency) the Depends list is the
# fixed one in packaging.cmake: it must name the same packages.
if (cd "$B" && cmake -DTAPEMEASURE_DEB_SHLIBDEPS=OFF . >/dev/null && mkdir -p fallback && cpack -G DEB -B "$B/fallback" >/dev/null 2>&1); then
  fdeb="$(ls "$B"/fallback/tapemeasure_*.deb | head -n1)"
  fdepends="$(dpkg-deb -f "$fdeb" Depends)"
  want="$(tr ',' '\n' <<<"$depends" | sed 's/^ *//; s/ .*//' | sort | tr '\n' ' ')"
  got="$(tr ',' '\n' <<<"$fdepends" | sed 's/^ *//; s/ .*//' | sort | tr '\n' ' ')"
  if [[ "$want" == "$got" ]]; then
    pass "fixed Depends (no dpkg-shlibdeps) names the same packages: $got"
  else
    fail "fixed Depends (no dpkg-shlibdeps): $got; dpkg-shlibdeps: $want"
  fi
else
  fail "cpack with TAPEMEASURE_DEB_SHLIBDEPS=OFF"
fi
(cd "$B" && cmake -DTAPEMEASURE_DEB_SHLIBDEPS=ON . >/dev/null); rm -rf "$B/fallback"

mkdir -p "$ECO_TMP/ctl"
dpkg-deb -e "$deb" "$ECO_TMP/ctl"
check "conffiles: the rules and /etc/default/tapemeasure" \
  bash -c "grep -qx /etc/tapemeasure/rules/postfix.yml '$ECO_TMP/ctl/conffiles' && grep -qx /etc/default/tapemeasure '$ECO_TMP/ctl/conffiles'"
check "maintainer scripts are valid sh" bash -c "for s in postinst prerm postrm; do sh -n '$ECO_TMP/ctl/'\$s || exit 1; done"

contents="$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's#^\./#/#')"
for f in /usr/bin/tapemeasure /etc/tapemeasure/rules/postfix.yml /etc/default/tapemeasure \
         /usr/share/tapemeasure/web/index.html /usr/share/tapemeasure/web/app/main.js \
         /usr/share/tapemeasure/web/node_modules/phaser/dist/phaser.esm.min.js \
         /usr/share/tapemeasure/web/node_modules/uplot/dist/uPlot.esm.js \
         /usr/share/tapemeasure/web/node_modules/uplot/dist/uPlot.min.css \
         /usr/share/tapemeasure/web/measure.css /usr/share/tapemeasure/web/app/ui/measurements.js \
         /usr/share/tapemeasure/packs/nginx.yml /usr/share/tapemeasure/packs/dns.yml \
         /usr/share/tapemeasure/packs/momentum.yml \
         /usr/share/tapemeasure/dashboards/grafana/tapemeasure.json \
         /usr/share/tapemeasure/dashboards/prometheus/tapemeasure.rules.yml \
         /usr/lib/systemd/system/tapemeasure.service \
         /usr/share/doc/tapemeasure/examples/rsyslog/tapemeasure.conf \
         /usr/share/doc/tapemeasure/examples/syslog-ng/tapemeasure.conf; do
  check "package contains $f" grep -qx "$f" <<<"$contents"
done
# Every installed path the guide names is in the package.
missing=""
for p in $(grep -oE '/(usr/share/tapemeasure|usr/share/doc/tapemeasure|usr/lib/systemd/system|usr/bin|etc/tapemeasure|etc/default)(/[A-Za-z0-9_.-]+)*' "$REPO/docs/ecosystem.md" | sort -u); do
  grep -qE "^${p//./\\.}/?$" <<<"$contents" || missing+=" $p"
done
if [[ -z "$missing" ]]; then pass "every installed path docs/ecosystem.md names is in the package"
else fail "every installed path docs/ecosystem.md names is in the package; missing:$missing"; fi
check "package ships no other node_modules files than Phaser's and uPlot's modules and licences" \
  bash -c "! grep '/node_modules/' <<<\"\$1\" | grep -v '/$' | grep -vE 'phaser/dist/phaser\\.esm\\.min\\.js$|phaser/LICENSE\\.md$|uplot/dist/uPlot\\.(esm\\.js|min\\.css)$|uplot/LICENSE$' | grep -q ." _ "$contents"
check "package ships no dashboard tests, no npm metadata, no dotfiles" \
  bash -c "! grep -E 'dashboards/prometheus/tests|package(-lock)?\\.json|/\\.[^/]+$' <<<\"\$1\" | grep -q ." _ "$contents"

# `DESTDIR=... cmake --install` (the guide's staging command) lays out the same files.
if DESTDIR="$ECO_TMP/stage" cmake --install "$B" >"$ECO_TMP/install.log" 2>&1; then
  staged="$(cd "$ECO_TMP/stage" && find . -type f | sed 's#^\.##' | sort)"
  packaged="$(grep -v '/$' <<<"$contents" | sort)"
  if [[ "$staged" == "$packaged" ]]; then
    pass "DESTDIR=... cmake --install lays out exactly the package's $(wc -l <<<"$staged") files"
  else
    fail "DESTDIR=... cmake --install differs from the package: $(diff <(echo "$staged") <(echo "$packaged") | head -n 10 | tr '\n' ' ')"
  fi
else
  fail "DESTDIR=... cmake --install"; tail -n 20 "$ECO_TMP/install.log" >&2
fi

R="$ECO_TMP/root"
dpkg -x "$deb" "$R"
check "dpkg -x into a temporary root" test -x "$R/usr/bin/tapemeasure"
check "installed binary finds all its libraries" bash -c "! ldd '$R/usr/bin/tapemeasure' | grep -q 'not found'"
check "installed 'tapemeasure check /etc/tapemeasure/rules' passes" "$R/usr/bin/tapemeasure" check "$R/etc/tapemeasure/rules"
for pack in nginx dns momentum; do
  check "installed pack $pack passes 'tapemeasure check'" "$R/usr/bin/tapemeasure" check "$R/usr/share/tapemeasure/packs/$pack.yml"
done

# The installed web root serves the page and every module it imports, Phaser included.
port="$(free_port)"
"$R/usr/bin/tapemeasure" run --rules "$R/etc/tapemeasure/rules" --web-root "$R/usr/share/tapemeasure/web" \
  --socket "$ECO_TMP/s.sock" --listen "127.0.0.1:$port" >"$ECO_TMP/installed.log" 2>&1 &
track $!
if wait_until 20 curl -sf "http://127.0.0.1:$port/healthz"; then
  urls=(/ /style.css)
  for js in "$R"/usr/share/tapemeasure/web/app/*.js; do
    urls+=("/app/$(basename "$js")")
    while read -r spec; do
      [[ "$spec" == ./* || "$spec" == ../* ]] || continue
      urls+=("$(realpath -m --relative-to="$R/usr/share/tapemeasure/web" "$(dirname "$js")/$spec" | sed 's#^#/#')")
    done < <(grep -oE "(from|import)\s*['\"][^'\"]+['\"]" "$js" | sed -E "s/^(from|import)\s*['\"]//; s/['\"]$//")
  done
  bad=""
  for u in $(printf '%s\n' "${urls[@]}" | sort -u); do
    code="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$u")"
    [[ "$code" == 200 ]] || bad+=" $u:$code"
  done
  if [[ -z "$bad" ]]; then
    pass "installed web root serves the page and all ${#urls[@]} files it loads (Phaser included)"
  else
    fail "installed web root serves every file the page loads:$bad"
  fi
else
  fail "installed binary runs with the installed rules and web root"; cat "$ECO_TMP/installed.log" >&2
fi

check "installed unit is contrib/systemd/tapemeasure.service (prefix /usr)" \
  cmp -s "$R/usr/lib/systemd/system/tapemeasure.service" "$REPO/contrib/systemd/tapemeasure.service"
if command -v systemd-analyze >/dev/null; then
  # (--root would need a whole system in the root; point ExecStart at the extracted binary)
  mkdir -p "$ECO_TMP/unit"
  sed "s#/usr/bin/tapemeasure#$R/usr/bin/tapemeasure#" "$R/usr/lib/systemd/system/tapemeasure.service" \
    >"$ECO_TMP/unit/tapemeasure.service"
  check "installed unit: systemd-analyze verify" systemd-analyze verify "$ECO_TMP/unit/tapemeasure.service"
else
  skip "installed unit: systemd-analyze verify" "systemd-analyze not installed"
fi
finish
