#!/bin/sh
# SD card boot files and image for a real Raspberry Pi, built without root.
#
#   tools/sdcard.sh firmware                 fetch the GPU firmware into target/firmware (cached)
#   tools/sdcard.sh image BSP KERNEL OUT     write OUT: an MBR disk image with one FAT32 boot
#                                            partition holding the firmware, config.txt, KERNEL
#                                            (as kernel8.img) and the firmware's licence
#   tools/sdcard.sh files BSP KERNEL DIR     copy the same files into DIR (a mounted boot partition)
#   tools/sdcard.sh check BSP KERNEL IMAGE   fail unless IMAGE has every file, its kernel8.img is
#                                            byte-identical to KERNEL and its layout is bootable
#
# The firmware comes from Debian's raspi-firmware package (non-free-firmware
# component): `apt-get download` with a private apt configuration (no root, the
# machine's apt sources untouched), then `dpkg-deb -x`. It is cached in
# target/firmware and never committed. FIRMWARE_DIR=... uses a folder holding
# the files instead (e.g. the boot/ folder of github.com/raspberrypi/firmware).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PATH=$PATH:/usr/sbin:/sbin          # mkfs.vfat and sfdisk live there
export MTOOLS_SKIP_CHECK=1          # plain image files have no real geometry

FIRMWARE_SUITE=${FIRMWARE_SUITE:-bookworm}
# The machine's own Debian mirror if it has one (it may be the only one
# reachable), else Debian's CDN.
machine_debian_mirror() {
    { grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}'
      grep -hs '^deb ' /etc/apt/sources.list | awk '{print $2}'; } |
        grep -i 'debian' | grep -vi 'security' | head -n1
}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-$(machine_debian_mirror)}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
DEBIAN_KEYRING=${DEBIAN_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}
CACHE=$ROOT/target/firmware

IMAGE_MIB=64                        # whole image: a power of two (QEMU's -sd insists)
PARTITION_START=2048                # sectors: the partition starts at 1 MiB
VOLUME_ID=6173796e                  # fixed FAT serial number, so images are reproducible

say() { printf 'sdcard: %s\n' "$*" >&2; }
die() { printf 'sdcard: error: %s\n' "$*" >&2; exit 1; }

# The firmware files each board's boot ROM and bootloader load from the card.
firmware_files() {
    case $1 in
        rpi3) echo "bootcode.bin start.elf fixup.dat" ;;
        rpi4) echo "start4.elf fixup4.dat" ;;
        *) die "unknown board '$1' (rpi3 or rpi4)" ;;
    esac
}

# Every file the boot partition holds for board $1.
boot_files() { echo "$(firmware_files "$1") config.txt kernel8.img LICENCE.broadcom"; }

need() { # need COMMAND PACKAGE
    command -v "$1" >/dev/null 2>&1 ||
        die "$1 not found: install the $2 package (tools/setup.sh sdcard does it on Debian/Ubuntu)"
}

# ------------------------------------------------------------------ firmware
firmware_dir() {
    if [ -n "${FIRMWARE_DIR:-}" ]; then echo "$FIRMWARE_DIR"; else echo "$CACHE/files"; fi
}

fetch_firmware() {
    if [ -n "${FIRMWARE_DIR:-}" ]; then
        for file in bootcode.bin start.elf fixup.dat start4.elf fixup4.dat; do
            [ -f "$FIRMWARE_DIR/$file" ] || die "FIRMWARE_DIR=$FIRMWARE_DIR has no $file"
        done
        [ -f "$FIRMWARE_DIR/LICENCE.broadcom" ] || die "FIRMWARE_DIR=$FIRMWARE_DIR has no LICENCE.broadcom"
        return 0
    fi
    [ -f "$CACHE/files/.complete" ] && return 0
    need apt-get apt
    need dpkg-deb dpkg
    [ -r "$DEBIAN_KEYRING" ] ||
        die "$DEBIAN_KEYRING not found: install the debian-archive-keyring package (tools/setup.sh sdcard does it)"
    say "fetching Debian's raspi-firmware ($FIRMWARE_SUITE, non-free-firmware) into $CACHE"
    apt_dir=$CACHE/apt
    rm -rf "$apt_dir" "$CACHE/files" "$CACHE/extracted"
    mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$CACHE/files"
    printf 'deb [signed-by=%s] %s %s non-free-firmware\n' \
        "$DEBIAN_KEYRING" "$DEBIAN_MIRROR" "$FIRMWARE_SUITE" >"$apt_dir/sources.list"
    # A private apt: its own source list, package lists and cache; no lock, no root.
    set -- -q -o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/nonexistent \
        -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" \
        -o Debug::NoLocking=1 -o "APT::Sandbox::User=$(id -un)"
    apt-get "$@" update >&2 || die "apt-get update of $DEBIAN_MIRROR $FIRMWARE_SUITE failed (network? set DEBIAN_MIRROR)"
    (cd "$apt_dir" && apt-get "$@" download raspi-firmware >&2) || die "apt-get download raspi-firmware failed"
    deb=$(ls "$apt_dir"/raspi-firmware_*.deb)
    dpkg-deb -x "$deb" "$CACHE/extracted"
    for file in bootcode.bin start.elf fixup.dat start4.elf fixup4.dat; do
        cp "$CACHE/extracted/usr/lib/raspi-firmware/$file" "$CACHE/files/$file" ||
            die "$(basename "$deb") has no $file"
    done
    cp "$CACHE/extracted/usr/share/doc/raspi-firmware/copyright" "$CACHE/files/LICENCE.broadcom"
    basename "$deb" >"$CACHE/files/VERSION"
    rm -rf "$CACHE/extracted"
    touch "$CACHE/files/.complete"
    say "firmware from $(cat "$CACHE/files/VERSION")"
}

# ------------------------------------------------------------------ config.txt
# The firmware's parser takes a comment only on a line of its own and no
# spaces around '='; a setting it cannot parse is dropped without a word.
check_config() { # check_config FILE
    bad=$(grep -nvE '^(#.*|\[[a-z0-9]+\]|[a-z_0-9]+=[^ #]+|)$' "$1" || true)
    [ -z "$bad" ] || die "$1: lines the firmware would not parse (comments on their own line, no spaces):
$bad"
    for setting in arm_64bit=1 kernel=kernel8.img kernel_address=0x80000 enable_uart=1 \
        init_uart_clock=48000000 enable_gic=1; do
        grep -qx "$setting" "$1" || die "$1 lacks the line '$setting'"
    done
}

# ------------------------------------------------------------------ staging
stage() { # stage BSP KERNEL DIR: every boot file for BSP in DIR
    bsp=$1 kernel=$2 dir=$3
    [ -f "$kernel" ] || die "no kernel image $kernel (run 'make' first)"
    fetch_firmware
    check_config "$ROOT/boot/config.txt"
    mkdir -p "$dir"
    for file in $(firmware_files "$bsp") LICENCE.broadcom; do
        cp "$(firmware_dir)/$file" "$dir/$file"
    done
    cp "$ROOT/boot/config.txt" "$dir/config.txt"
    cp "$kernel" "$dir/kernel8.img"
}

make_image() { # make_image BSP KERNEL OUT
    need sfdisk fdisk
    need mkfs.vfat dosfstools
    need mcopy mtools
    bsp=$1 kernel=$2 out=$3
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    stage "$bsp" "$kernel" "$work/files"
    mkdir -p "$(dirname "$out")"
    rm -f "$out"
    truncate -s "${IMAGE_MIB}M" "$out"
    # One primary partition from 1 MiB to the end: FAT32 (LBA), bootable.
    printf 'label: dos\nlabel-id: 0x%s\nstart=%s, type=c, bootable\n' "$VOLUME_ID" "$PARTITION_START" |
        sfdisk --quiet "$out" >/dev/null
    partition_kib=$(((IMAGE_MIB * 1024) - (PARTITION_START / 2)))
    # FAT32 with 512-byte clusters (enough clusters for FAT32 on 63 MiB).
    mkfs.vfat -C -F 32 -s 1 -n ASYNCPI -i "$VOLUME_ID" "$work/partition" "$partition_kib" >/dev/null
    mcopy -i "$work/partition" -m "$work/files"/* ::/
    dd if="$work/partition" of="$out" bs=512 seek="$PARTITION_START" conv=notrunc status=none
    say "$out: $IMAGE_MIB MiB, FAT32 boot partition with: $(cd "$work/files" && echo *)"
}

check_image() { # check_image BSP KERNEL IMAGE
    need mdir mtools
    need sfdisk fdisk
    bsp=$1 kernel=$2 image=$3
    [ -f "$image" ] || die "no image $image (run 'make sdcard BSP=$bsp' first)"
    [ -f "$kernel" ] || die "no kernel image $kernel"
    size=$(wc -c <"$image")
    [ $((size & (size - 1))) -eq 0 ] || die "$image is $size bytes, not a power of two (QEMU's -sd refuses it)"
    # sfdisk --dump: "<image>1 : start=2048, size=..., type=c, bootable"
    table=$(sfdisk --dump "$image")
    echo "$table" | grep -q 'label: dos' || die "$image has no MBR partition table"
    partition=$(echo "$table" | grep 'start=' | head -n1)
    echo "$partition" | grep -q "start= *$PARTITION_START," || die "first partition does not start at sector $PARTITION_START: $partition"
    echo "$partition" | grep -q 'type=c' || die "first partition is not FAT32 LBA (type c): $partition"
    echo "$partition" | grep -q 'bootable' || die "first partition is not marked bootable: $partition"
    at="$image@@$((PARTITION_START * 512))"
    listing=$(mdir -i "$at" -b ::/) || die "no FAT file system in the first partition of $image"
    say "$image:"
    mdir -i "$at" ::/ >&2
    missing=
    for file in $(boot_files "$bsp"); do
        echo "$listing" | grep -qx "::/$file" || missing="$missing $file"
    done
    [ -z "$missing" ] || die "$image lacks:$missing"
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    mcopy -i "$at" ::/kernel8.img "$work/kernel8.img"
    cmp -s "$work/kernel8.img" "$kernel" || die "kernel8.img in $image differs from $kernel (rebuild with 'make sdcard')"
    mcopy -i "$at" ::/config.txt "$work/config.txt"
    check_config "$work/config.txt"
    say "ok: $(boot_files "$bsp" | wc -w) files for $bsp, kernel8.img identical to $kernel"
}

case ${1:-} in
    firmware) fetch_firmware ;;
    image) [ $# -eq 4 ] || die "usage: $0 image BSP KERNEL OUT"; make_image "$2" "$3" "$4" ;;
    files)
        [ $# -eq 4 ] || die "usage: $0 files BSP KERNEL DIR"
        [ -d "$4" ] || die "$4 is not a directory (mount the card's boot partition and give its path)"
        stage "$2" "$3" "$4"
        say "copied to $4: $(boot_files "$2")"
        ;;
    check) [ $# -eq 4 ] || die "usage: $0 check BSP KERNEL IMAGE"; check_image "$2" "$3" "$4" ;;
    *) die "usage: $0 firmware | image BSP KERNEL OUT | files BSP KERNEL DIR | check BSP KERNEL IMAGE" ;;
esac
