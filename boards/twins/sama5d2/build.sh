#!/usr/bin/env bash
# The SAMA5D2 twin: the plain virtual board's userland (busybox init, syslogd writing
# /var/log/messages, the hubby/attrd/otamgr stand-ins, dropbear) with the real board's layout:
# the eMMC as /dev/mmcblk0 (p1 boot, p2/p3 rootfs slots, p4 /afero_nv), U-Boot A/B through
# boot_part with the redundant environment at 0x260000/0x280000 and bootcount rollback, a root
# password on the console, host name sama5d2. Usage: build.sh OUT_DIR (gets disk.img, keys/, payloads/)
set -euo pipefail
out=$(realpath -m "$1")
here=$(cd "$(dirname "$0")" && pwd)
twin=sama5d2
work=$out/work
rm -rf "$work"
mkdir -p "$work" "$out/keys"
. "$here/../common.sh"

fetch_packages "$work/pkgs" "$(cat "$here/packages")"
echo "[twin] initrd for kernel $kver"
make_initrd "$work/pkgs" "$twins/initrd-init" "$work/initrd.img" "${sd_modules[@]}"

echo "[twin] rootfs"
rootfs=$work/rootfs
cp -a "$work/pkgs" "$rootfs"
trim_rootfs "$rootfs"
mkdir -p "$rootfs"/{proc,sys,dev,run,tmp,root/.ssh,afero_nv,var/log,etc/init.d}
mv "$rootfs/boot/vmlinuz-$kver" "$rootfs/boot/vmlinuz"
cp "$work/initrd.img" "$rootfs/boot/initrd.img"
busybox_links "$rootfs"
# The plain virtual board's guest files (the daemons' stand-ins unchanged), then this board's own.
cp -a "$virtual/guest/." "$rootfs/"
cp -a "$here/guest/." "$rootfs/"
ln -sf /afero_nv/ssh/authorized_keys "$rootfs/root/.ssh/authorized_keys"
signing_key "$rootfs"
root_password "$rootfs"
payloads "$rootfs"
printf '{\n  "name": "ota-hil-sama5d2-twin",\n  "version": "factory",\n  "versionNumber": "0",\n  "type": 5\n}\n' > "$rootfs/etc/full_ota_record.json"

data=$work/data
mkdir -p "$data/hubby"
echo 0000000000005d02 | tee "$out/device-id" > "$data/device_id"
ssh_keys "$data"

# ---- disk (a power of two, as QEMU's SD card needs): MBR, boot FAT, rootfs A, rootfs B, data;
# the environment twice in the gap. The boot script is the plain virtual board's, with the root
# on the eMMC as Linux names it.
echo "[twin] disk image"
sed 's#root=/dev/vda${boot_part}#root=/dev/mmcblk0p${boot_part}#' "$virtual/boot.cmd" > "$work/boot.cmd"
grep -q 'root=/dev/mmcblk0p${boot_part}' "$work/boot.cmd" || { echo "[twin] boards/virtual/boot.cmd no longer sets root=/dev/vda\${boot_part}" >&2; exit 1; }
mkimage -q -A arm -T script -C none -n 'ota-hil sama5d2 twin A/B boot' -d "$work/boot.cmd" "$work/boot.scr" > /dev/null
mkfs.vfat -n BOOT -C "$work/boot.img" 16384 > /dev/null
mcopy -i "$work/boot.img" "$work/boot.scr" ::boot.scr
mke2fs -q -t ext4 -L rootA -d "$rootfs" "$work/rootA.img" 64M
mke2fs -q -t ext4 -L rootB -d "$rootfs" "$work/rootB.img" 64M
mke2fs -q -t ext4 -L afero_nv -d "$data" "$work/data.img" 32M
printf 'boot_part=2\nbootcount=0\nbootlimit=2\nupgrade_available=0\n' > "$work/env.txt"
mkenvimage -r -s 0x20000 -o "$work/env.bin" "$work/env.txt"
disk=$work/disk.img
truncate -s 256M "$disk"
sfdisk --quiet "$disk" <<PARTS
label: dos
start=8192, size=32768, type=c, bootable
start=40960, size=131072, type=83
start=172032, size=131072, type=83
start=303104, size=65536, type=83
PARTS
lay "$work/env.bin" "$disk" $((0x260000 / 512))
lay "$work/env.bin" "$disk" $((0x280000 / 512))
lay "$work/boot.img" "$disk" 8192
lay "$work/rootA.img" "$disk" 40960
lay "$work/rootB.img" "$disk" 172032
lay "$work/data.img" "$disk" 303104
du -sh "$rootfs" | sed "s/^/[twin] rootfs size /"
mv "$disk" "$out/disk.img"
echo "$kver" > "$out/kernel-version"
rm -rf "$work"
echo "[twin] done: $out/disk.img"
