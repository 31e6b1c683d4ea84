#!/usr/bin/env bash
# The BBGW twin: Debian's systemd (journald; the hubby/attrd/otamgr stand-ins as services logging
# to the journal, restarted every 5 s), the BeagleBone's eMMC as /dev/mmcblk1 (the card on the
# second SD controller): p1 boot (vfat, uEnv.txt with bootpart=0:3|0:4), p2 AferoNV (ext3,
# /afero_nv), p3/p4 the two roots; Afero's BBGW sysupgrade (no rollback), host name beaglebone,
# a root password on the console. Usage: build.sh OUT_DIR (gets disk.img, keys/, payloads/)
set -euo pipefail
board=bbgw
. "$(dirname "$0")/../common.sh" "$1"

fetch_packages "$work/pkgs" "$(cat "$here/packages")"
# vfat too: sysupgrade and the harness mount the boot partition (the root has no modules).
make_initrd "$work/pkgs" "$twins/initrd-init" "$work/initrd.img" "${sd_modules[@]}" fs/fat/fat fs/fat/vfat fs/nls/nls_cp437 fs/nls/nls_ascii

rootfs=$work/rootfs
start_rootfs "$rootfs" "$work/pkgs" "$work/initrd.img" mnt
rm -rf "$rootfs"/usr/share/{zoneinfo,i18n,locale,common-licenses} "$rootfs"/var/lib/apt "$rootfs"/var/lib/dpkg
# The plain virtual board's guest files (the daemons' stand-ins unchanged) less its sysvinit and
# U-Boot environment parts, then this board's own (units, PAM, log.sh to the journal, sysupgrade).
cp -a "$virtual/guest/." "$rootfs/"
rm -rf "$rootfs"/etc/inittab "$rootfs"/etc/init.d/rcS "$rootfs"/etc/init.d/rcK "$rootfs"/etc/fw_env.config
cp -a "$here/guest/." "$rootfs/"
# What dpkg's maintainer scripts and `systemctl enable` would have done.
wants=$rootfs/etc/systemd/system/multi-user.target.wants
mkdir -p "$wants"
for u in ota-hil-network attrd otamgr hubby dropbear; do ln -sf "/etc/systemd/system/$u.service" "$wants/$u.service"; done
ln -sf /lib/systemd/system/multi-user.target "$rootfs/etc/systemd/system/default.target"
# No first-boot questions on the console; no logind (it needs D-Bus, which a board like this lacks); no VT.
for u in systemd-firstboot.service systemd-logind.service getty@tty1.service; do ln -sf /dev/null "$rootfs/etc/systemd/system/$u"; done
openssl rand -hex 16 > "$rootfs/etc/machine-id"
root_password "$rootfs"
finish_rootfs "$rootfs" ota-hil-bbgw-twin

data=$work/data
echo 000000000000bb61 > "$out/device-id"
data_files "$data" "$(cat "$out/device-id")"

# ---- disk (1 GiB: a power of two, as QEMU's SD card needs): MBR, boot 32 MiB vfat, AferoNV
# 16 MiB ext3, root1 and root2 256 MiB ext4 ----
echo "[$board] disk image"
mkimage -q -A arm -T script -C none -n 'ota-hil bbgw twin uEnv boot' -d "$here/boot.cmd" "$work/boot.scr" > /dev/null
printf '# Afero sysupgrade rewrites bootpart: 0:3 boots root1 (p3), 0:4 root2 (p4)\nbootpart=0:3\n' > "$work/uEnv.txt"
mkfs.vfat -n BOOT -C "$work/boot.img" 32768 > /dev/null
mcopy -i "$work/boot.img" "$work/boot.scr" "$work/uEnv.txt" ::
mke2fs -q -t ext3 -L AferoNV -d "$data" "$work/data.img" 16M
mke2fs -q -t ext4 -L root1 -d "$rootfs" "$work/root1.img" 256M
mke2fs -q -t ext4 -L root2 -d "$rootfs" "$work/root2.img" 256M
disk=$work/disk.img
truncate -s 1G "$disk"
sfdisk --quiet "$disk" <<PARTS
label: dos
start=8192, size=65536, type=c, bootable
start=73728, size=32768, type=83
start=106496, size=524288, type=83
start=630784, size=524288, type=83
PARTS
lay "$work/boot.img" "$disk" 8192
lay "$work/data.img" "$disk" 73728
lay "$work/root1.img" "$disk" 106496
lay "$work/root2.img" "$disk" 630784
finish_build "$disk" "$rootfs"
