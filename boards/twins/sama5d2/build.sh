#!/usr/bin/env bash
# The SAMA5D2 twin: the plain virtual board's userland (busybox init, syslogd writing
# /var/log/messages, the hubby/attrd/otamgr stand-ins, dropbear) with the real board's layout:
# the eMMC as /dev/mmcblk0 (p1 boot, p2/p3 rootfs slots, p4 /afero_nv), U-Boot A/B through
# boot_part with the redundant environment at 0x260000/0x280000 and bootcount rollback, a root
# password on the console, host name sama5d2. Usage: build.sh OUT_DIR (gets disk.img, keys/, payloads/)
set -euo pipefail
board=sama5d2
. "$(dirname "$0")/../common.sh" "$1"

fetch_packages "$work/pkgs" "$(cat "$here/packages")"
make_initrd "$work/pkgs" "$twins/initrd-init" "$work/initrd.img" "${sd_modules[@]}"

rootfs=$work/rootfs
start_rootfs "$rootfs" "$work/pkgs" "$work/initrd.img" etc/init.d
# The plain virtual board's guest files (the daemons' stand-ins unchanged), then this board's own.
cp -a "$virtual/guest/." "$rootfs/"
cp -a "$here/guest/." "$rootfs/"
root_password "$rootfs"
finish_rootfs "$rootfs" ota-hil-sama5d2-twin

data=$work/data
echo 0000000000005d02 > "$out/device-id"
data_files "$data" "$(cat "$out/device-id")"

# The disk (a power of two, as QEMU's SD card needs) as the plain virtual board's; its boot script
# with the root on the eMMC as Linux names it.
sed 's#root=/dev/vda${boot_part}#root=/dev/mmcblk0p${boot_part}#' "$virtual/boot.cmd" > "$work/boot.cmd"
grep -q 'root=/dev/mmcblk0p${boot_part}' "$work/boot.cmd" || { echo "[$board] boards/virtual/boot.cmd no longer sets root=/dev/vda\${boot_part}" >&2; exit 1; }
uboot_env_disk "$work/disk.img" 256M "$work/boot.cmd" 'ota-hil sama5d2 twin A/B boot' "$rootfs" "$data"
finish_build "$work/disk.img" "$rootfs"
