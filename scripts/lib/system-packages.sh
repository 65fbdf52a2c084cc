# Sourced by scripts/demo and scripts/test (bash): makes sure the machine has what they need
# before anything is built.
#
#   require_system_packages PACKAGE...
#
# checks that `swift` is on PATH and that the Debian packages are installed (dpkg-query).
# Missing packages are installed when running as root (apt-get, non-interactive, as in CI);
# otherwise it prints the one apt-get line to run and exits with status 69 (EX_UNAVAILABLE).
# It never prompts: apt-get reads no standard input. Without dpkg-query (not Debian or
# Ubuntu) it checks nothing but `swift`.

# The calling script's name, as the README spells it (scripts/demo, scripts/test).
system_packages_caller="scripts/${0##*/}"

require_swift() {
    if ! command -v swift >/dev/null 2>&1; then
        echo "$system_packages_caller needs the Swift 6.1+ toolchain: swift is not on PATH (https://www.swift.org/install/)" >&2
        exit 69
    fi
}

require_system_packages() {
    require_swift
    if ! command -v dpkg-query >/dev/null 2>&1; then
        echo "$system_packages_caller: no dpkg-query here, so not checking for the packages $*" >&2
        return 0
    fi
    local package status missing=()
    for package in "$@"; do
        status=$(dpkg-query -W -f='${Status}\n' "$package" 2>/dev/null || true)
        [[ $status == *"install ok installed"* ]] || missing+=("$package")
    done
    [ ${#missing[@]} -gt 0 ] || return 0
    if [ "$(id -u)" != 0 ]; then
        echo "$system_packages_caller needs system packages: run  sudo apt-get install -y ${missing[*]}  (or run this script as root)" >&2
        exit 69
    fi
    echo "$system_packages_caller: installing system packages: ${missing[*]}"
    apt-get update -q </dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" </dev/null
}
