#!/bin/sh
# Fresh-machine setup: installs what building, running and testing the kernel
# needs, or stops with a message that names what is missing.
#
#   tools/setup.sh rust   Rust toolchain from rust-toolchain.toml (target + components)
#   tools/setup.sh qemu   qemu-system-aarch64 >= 9.0 with the raspi3b and raspi4b machines
#   tools/setup.sh gdb    gdb-multiarch (for `make gdb`)
#   tools/setup.sh miri   nightly toolchain with the miri component (for `make miri`)
#   tools/setup.sh fuzz   nightly toolchain and cargo-fuzz (for `make fuzz`)
#   tools/setup.sh sdcard mtools, dosfstools, sfdisk and Debian's archive keyring (for `make sdcard`)
#   tools/setup.sh all    all of the above (what CI runs)
#
# Each step first checks and does nothing when the tool is already there, so the
# Makefile can call it before every run. Debian/Ubuntu packages are installed with
# apt-get (through sudo when not root); other systems get a message instead.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
MIN_QEMU_MAJOR=9

say() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else die "need root to run: $* (install sudo or run as root)"; fi
}

have_apt() { command -v apt-get >/dev/null 2>&1; }

os_field() { # os_field KEY -> value from /etc/os-release
    [ -r /etc/os-release ] || return 0
    sed -n "s/^$1=\"\{0,1\}\([^\"]*\)\"\{0,1\}$/\1/p" /etc/os-release | head -n1
}

apt_install() { # apt_install [-t SUITE] PKG...
    say "installing with apt-get: $*"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >&2
}

apt_updated=
apt_update() {
    [ -n "$apt_updated" ] && return 0
    say "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
    apt_updated=1
}

# ---------------------------------------------------------------- Rust
setup_rust() {
    if ! command -v rustup >/dev/null 2>&1; then
        die "rustup not found. Install it from https://rustup.rs (then rerun 'make'); \
the toolchain itself is pinned in rust-toolchain.toml and installed by this script."
    fi
    channel=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' "$ROOT/rust-toolchain.toml")
    [ -n "$channel" ] || die "no channel in rust-toolchain.toml"
    # RUSTUP_AUTO_INSTALL may be 0: then nothing listed in rust-toolchain.toml is
    # installed implicitly, so install the channel, target and components explicitly.
    if rustup run "$channel" rustc --print target-list >/dev/null 2>&1 &&
        [ -d "$(rustup run "$channel" rustc --print sysroot)/lib/rustlib/aarch64-unknown-none" ] &&
        rustup component list --toolchain "$channel" --installed 2>/dev/null | grep -q '^llvm-tools' &&
        rustup component list --toolchain "$channel" --installed 2>/dev/null | grep -q '^clippy' &&
        rustup component list --toolchain "$channel" --installed 2>/dev/null | grep -q '^rustfmt'; then
        return 0
    fi
    say "installing Rust $channel with target aarch64-unknown-none"
    rustup toolchain install "$channel" --profile minimal \
        --component rustfmt,clippy,llvm-tools,rust-src \
        --target aarch64-unknown-none >&2
}

# ---------------------------------------------------------------- QEMU
qemu_ok() {
    command -v qemu-system-aarch64 >/dev/null 2>&1 || return 1
    machines=$(qemu-system-aarch64 -M help 2>/dev/null) || return 1
    echo "$machines" | grep -q '^raspi4b ' && echo "$machines" | grep -q '^raspi3b '
}

setup_qemu() {
    qemu_ok && return 0
    if command -v qemu-system-aarch64 >/dev/null 2>&1; then
        say "found $(qemu-system-aarch64 --version | head -n1), which lacks the raspi4b machine (needs QEMU >= $MIN_QEMU_MAJOR.0)"
    fi
    have_apt || die "qemu-system-aarch64 >= $MIN_QEMU_MAJOR.0 (with machine raspi4b) is required; install it with your package manager"
    id=$(os_field ID); codename=$(os_field VERSION_CODENAME)
    if [ "$id" = debian ] && [ "$codename" = bookworm ]; then
        # bookworm ships QEMU 7.2 (no raspi4b); bookworm-backports has 10.x.
        add_bookworm_backports
        apt_update
        apt_install -t bookworm-backports qemu-system-arm
    else
        apt_update
        apt_install qemu-system-arm
    fi
    qemu_ok || die "installed qemu-system-arm but it has no raspi4b machine \
($(qemu-system-aarch64 --version | head -n1)). Install QEMU >= $MIN_QEMU_MAJOR.0 \
(e.g. from your distribution's backports or from source) and rerun."
}

add_bookworm_backports() {
    if grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
        return 0
    fi
    # Reuse the URI of the machine's own Debian source (a mirror may be configured).
    uri=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | grep -v security | head -n1 | awk '{print $2}')
    if [ -z "$uri" ]; then
        uri=$(grep -hs '^deb ' /etc/apt/sources.list | grep -v security | head -n1 | awk '{print $2}')
    fi
    [ -n "$uri" ] || uri=http://deb.debian.org/debian
    say "adding bookworm-backports from $uri"
    printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$uri" |
        as_root tee /etc/apt/sources.list.d/bookworm-backports.sources >/dev/null
    apt_updated=
}

# ---------------------------------------------------------------- Miri
setup_miri() {
    command -v rustup >/dev/null 2>&1 || die "rustup not found; install it from https://rustup.rs"
    if rustup component list --toolchain nightly --installed 2>/dev/null | grep -q '^miri'; then
        return 0
    fi
    say "installing the nightly toolchain with miri and rust-src (for make miri only)"
    rustup toolchain install nightly --profile minimal --component miri,rust-src >&2 ||
        die "could not install nightly + miri; 'make miri' needs them (the kernel itself builds on stable)"
}

# ---------------------------------------------------------------- fuzz
setup_fuzz() {
    command -v rustup >/dev/null 2>&1 || die "rustup not found; install it from https://rustup.rs"
    if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
        say "installing the nightly toolchain (for make fuzz only: libFuzzer needs -Z sanitizer)"
        rustup toolchain install nightly --profile minimal >&2 ||
            die "could not install the nightly toolchain; 'make fuzz' needs it"
    fi
    if ! cargo fuzz --version >/dev/null 2>&1; then
        say "installing cargo-fuzz (cargo install cargo-fuzz --locked)"
        cargo install cargo-fuzz --locked >&2 || die "could not install cargo-fuzz; 'make fuzz' needs it"
    fi
}

# ---------------------------------------------------------------- gdb
setup_gdb() {
    command -v gdb-multiarch >/dev/null 2>&1 && return 0
    have_apt || die "gdb-multiarch is required for 'make gdb'; install a gdb that supports aarch64"
    apt_update
    apt_install gdb-multiarch
}

# ---------------------------------------------------------------- SD card
setup_sdcard() {
    PATH=$PATH:/usr/sbin:/sbin
    missing=
    command -v mcopy >/dev/null 2>&1 || missing="$missing mtools"
    command -v mkfs.vfat >/dev/null 2>&1 || missing="$missing dosfstools"
    command -v sfdisk >/dev/null 2>&1 || missing="$missing fdisk"
    if [ -z "${FIRMWARE_DIR:-}" ] && [ ! -r /usr/share/keyrings/debian-archive-keyring.gpg ]; then
        missing="$missing debian-archive-keyring"
    fi
    [ -z "$missing" ] && return 0
    have_apt || die "'make sdcard' needs:$missing (mtools, dosfstools, sfdisk; and apt-get + \
Debian's archive keyring to fetch the firmware, or FIRMWARE_DIR=<folder with the firmware files>)"
    apt_update
    # shellcheck disable=SC2086 # a list of package names
    apt_install $missing
}

[ $# -gt 0 ] || set -- all
for what in "$@"; do
    case $what in
        rust) setup_rust ;;
        qemu) setup_qemu ;;
        gdb) setup_gdb ;;
        miri) setup_miri ;;
        fuzz) setup_fuzz ;;
        sdcard) setup_sdcard ;;
        all) setup_rust; setup_qemu; setup_gdb ;;
        *) die "unknown step '$what' (rust, qemu, gdb, miri, fuzz, sdcard, all)" ;;
    esac
done
