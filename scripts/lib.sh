# Shared by scripts/test, scripts/demo and scripts/bench: install what is missing,
# build and install the extension.
PG_MAJOR=${PG_MAJOR:-15}
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

say() { printf '\n== %s\n' "$*"; }

# Installs the Debian packages named, if any is missing.
ensure_packages() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        say "installing: ${missing[*]}"
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

BASE_PACKAGES=(postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR postgresql-contrib make g++ cmake
               libgtest-dev postgresql-common libssl-dev python3-jwt python3-cryptography
               pgbouncer python3-psycopg2)

# Citus for the scale-out suite (test/tap/006_citus.pl): already installed, or built from the
# upstream source kept beside the repository (../shared/citus/build.sh, about 2 minutes).
# Returns 2, having said why, when neither is there: the suite then skips itself.
CITUS_BUILD="$REPO_ROOT/../shared/citus/build.sh"
ensure_citus() {
    local pkglib
    pkglib=$("/usr/lib/postgresql/$PG_MAJOR/bin/pg_config" --pkglibdir)
    if [ -f "$pkglib/citus.so" ]; then
        echo "citus: installed in $pkglib"
    elif [ -f "$CITUS_BUILD" ]; then
        PATH="/usr/lib/postgresql/$PG_MAJOR/bin:$PATH" bash "$CITUS_BUILD"
    else
        echo "citus: skipped the scale-out suite: Citus is not installed and $CITUS_BUILD is not there"
        return 2
    fi
}

# Builds with warnings as errors and installs into the server's directories.
build_and_install() {
    say "building and installing customer_access"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    make -C "$REPO_ROOT" -s -j2 PG_CONFIG="/usr/lib/postgresql/$PG_MAJOR/bin/pg_config"
    $sudo make -C "$REPO_ROOT" -s install PG_CONFIG="/usr/lib/postgresql/$PG_MAJOR/bin/pg_config" >/dev/null
}

# The test-only extension customer_access_test (the C++ boundary self-test): for the test
# cluster only, never part of a release.
build_and_install_test_aid() {
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    make -C "$REPO_ROOT/test/boundary_selftest" -s PG_CONFIG="/usr/lib/postgresql/$PG_MAJOR/bin/pg_config"
    $sudo make -C "$REPO_ROOT/test/boundary_selftest" -s install PG_CONFIG="/usr/lib/postgresql/$PG_MAJOR/bin/pg_config" >/dev/null
}

# Keys and signed tokens for the tokens suite, made fresh (they expire) with Debian's
# python3-cryptography and python3-jwt.
make_test_tokens() {
    /usr/bin/python3 "$REPO_ROOT/test/tokens/make_tokens.py" "$REPO_ROOT/test/sql/generated_tokens.sql"
}
