# Shared by scripts/test, scripts/demo and scripts/bench: install what is missing,
# build and install the extension.
# The PostgreSQL major versions the extension supports (SPEC: every major Debian ships), and
# the one this machine's Debian ships (scripts/test runs the others in Debian roots).
SUPPORTED_MAJORS=(15 17 18)
host_major() {
    case $(. /etc/os-release && echo "${VERSION_CODENAME:-}") in
        bookworm) echo 15 ;;
        trixie) echo 17 ;;
        forky) echo 18 ;;
    esac
}
PG_MAJOR=${PG_MAJOR:-$(host_major)}
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

BASE_PACKAGES=(postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR make g++ cmake
               libgtest-dev postgresql-common libssl-dev python3-jwt python3-cryptography
               pgbouncer python3-psycopg2 python3-psycopg)

# What one version's suites need (scripts/test --pg N --here).
VERSION_PACKAGES=(postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR postgresql-common make g++
                  libssl-dev python3-jwt python3-cryptography pgbouncer python3-psycopg2
                  python3-psycopg libipc-run-perl)

# Everything scripts/test needs for one PostgreSQL version inside a Debian root made by
# scripts/root (@MAJOR@ is the version): the server, the suites' tools, the package build,
# what Citus's build needs, bison and flex for the psql scripts/pg-regress builds from a
# source without generated parsers (18), and valgrind (scripts/bench and bench/rows_cost.sh
# count instructions per row with callgrind). The root has no network while the suites run.
ROOT_PACKAGES=(postgresql-@MAJOR@ postgresql-server-dev-@MAJOR@ postgresql-server-dev-all
               postgresql-common make g++ libssl-dev python3 python3-jwt python3-cryptography
               pgbouncer python3-psycopg2 python3-psycopg libipc-run-perl perl debhelper
               build-essential fakeroot dpkg-dev git iproute2 procps
               liblz4-dev libzstd-dev libkrb5-dev libpam0g-dev libselinux1-dev libxslt1-dev
               libreadline-dev libcurl4-openssl-dev libicu-dev bison flex
               valgrind)

# Debian's source package of PostgreSQL MAJOR (scripts/pg-regress builds its regression suite
# from it), downloaded into DIR with apt-get source: the installed server's version when the
# mirror has it, else the newest of that major it has (a point release's source may be
# missing from the mirror). Without deb-src lines in the system's apt sources (this machine),
# a private list is kept in DIR/.apt. scripts/root calls it, with network, when it makes a
# root; it must stay self-contained (it runs there through `declare -f`).
fetch_pg_source() {  # major dir
    local major=$1 dir=$2 apt=() versions v installed codename mirror
    mkdir -p "$dir"
    if ! apt-cache showsrc "postgresql-$major" 2>/dev/null | grep -q '^Version:'; then
        codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
        mirror=${CUSTOMER_ACCESS_MIRROR:-http://deb.debian.org/debian}
        mkdir -p "$dir/.apt/lists/partial"
        {
            echo "deb-src $mirror $codename main"
            echo "deb-src $mirror $codename-updates main"
            echo "deb-src ${mirror%/debian}/debian-security $codename-security main"
        } > "$dir/.apt/sources.list"
        apt=(-o "Dir::Etc::SourceList=$dir/.apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
             -o "Dir::State::Lists=$dir/.apt/lists")
        apt-get "${apt[@]}" update -qq || true
    fi
    installed=$("/usr/lib/postgresql/$major/bin/pg_config" --version 2>/dev/null | awk '{print $2}')
    versions=$(apt-cache "${apt[@]}" showsrc "postgresql-$major" | sed -n 's/^Version: //p' | sort -Vru)
    # The installed upstream version first, then newest first.
    for v in $(printf '%s\n' $versions | grep "^${installed:-none}-"; printf '%s\n' $versions | grep -v "^${installed:-none}-"); do
        if (cd "$dir" && apt-get "${apt[@]}" source -qq --download-only "postgresql-$major=$v"); then
            echo "fetched postgresql-$major $v into $dir"
            return 0
        fi
    done
    echo "no source package of postgresql-$major could be fetched" >&2
    return 1
}

# Citus 13.2 supports PostgreSQL 15, 16 and 17.
CITUS_RELEASE=13.2
citus_supports() {
    case $1 in 15 | 16 | 17) return 0 ;; *) return 1 ;; esac
}

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

# pg_regress's line for each suite: "test x ... ok" up to 15, TAP ("ok 1 - x", "not ok 2 - y")
# since 16. The lines of a log, and how many passed.
suite_result_lines() { grep -E '\.\.\. (ok|FAILED|failed)|^(not )?ok [0-9]+ ' "$1"; }
count_passed_suites() { grep -cE '\.\.\. ok|^ok [0-9]+ ' "$1"; }

# An older PostgreSQL major installed beside PG_MAJOR (the 17 root carries 15, scripts/root),
# for the move across majors (test/tap/007_major_upgrade.pl); nothing when there is none.
older_major_beside() {
    local bin v
    for bin in /usr/lib/postgresql/*/bin/postgres; do
        v=${bin#/usr/lib/postgresql/}
        v=${v%%/*}
        [ -x "$bin" ] && [ "$v" -lt "$PG_MAJOR" ] && echo "$v" && return
    done
    return 0
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
