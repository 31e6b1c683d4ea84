#!/usr/bin/env bash
# Builds the virtual board from Debian packages only (no chroot, no loop mounts, no root needed
# beyond what apt-get needs): an MBR disk with a boot FAT partition (boot.scr), rootfs slots A and
# B (ext4, each with its own kernel and initrd), a data partition (/afero_nv), and the U-Boot
# environment raw at 0x260000. Usage: build.sh OUT_DIR   (OUT_DIR gets disk.img and keys/)
set -euo pipefail
out=$(realpath -m "$1")
here=$(cd "$(dirname "$0")" && pwd)
work=$out/work
rm -rf "$work"
mkdir -p "$work" "$out/keys"

suite=bookworm
mirror=http://deb.debian.org/debian
packages=linux-image-armmp,busybox-static,dropbear-bin,libubootenv-tool,openssh-sftp-server,openssl

echo "[vboard] extracting armhf packages ($packages)"
mmdebstrap --quiet --variant=extract --arch=armhf --include="$packages" "$suite" "$work/pkgs" "$mirror"
kver=$(ls "$work/pkgs/lib/modules")
depmod -b "$work/pkgs" "$kver"

# ---- initrd: busybox + the modules that reach the root filesystem ----
echo "[vboard] initrd for kernel $kver"
ird=$work/initrd
mkdir -p "$ird"/{bin,dev,proc,sys,newroot,lib/modules}
cp "$work/pkgs/bin/busybox" "$ird/bin/busybox"
moddir=$work/pkgs/lib/modules/$kver
declare -A loaded=()
order=()
load() { # $1: module path relative to $moddir; dependencies first
  local m=$1 d
  [ -n "${loaded[$m]:-}" ] && return
  loaded[$m]=1
  for d in $(sed -n "s#^$m: *##p" "$moddir/modules.dep"); do load "$d"; done
  order+=("$m")
}
for m in drivers/virtio/virtio_mmio drivers/block/virtio_blk drivers/net/virtio_net drivers/char/hw_random/virtio-rng crypto/crc32c_generic fs/ext4/ext4; do
  load "kernel/$m.ko"
done
for m in "${order[@]}"; do
  cp "$moddir/$m" "$ird/lib/modules/$(basename "$m")"
  basename "$m" >> "$ird/modules.order"
done
install -m 0755 "$here/initrd/init" "$ird/init"
(cd "$ird" && find . | LC_ALL=C sort | cpio --quiet -o -H newc | gzip -9) > "$work/initrd.img"

# ---- rootfs: the packages' files, trimmed, with the guest files on top ----
echo "[vboard] rootfs"
rootfs=$work/rootfs
cp -a "$work/pkgs" "$rootfs"
rm -rf "$rootfs"/lib/modules "$rootfs"/usr/share/{doc,man,info,locale,lintian,bug} "$rootfs"/var/cache/* "$rootfs"/boot/System.map-* "$rootfs"/boot/config-* "$rootfs"/usr/lib/linux-image-*
mkdir -p "$rootfs"/{proc,sys,dev,run,tmp,root/.ssh,afero_nv,var/log,etc/init.d}
mv "$rootfs/boot/vmlinuz-$kver" "$rootfs/boot/vmlinuz"
cp "$work/initrd.img" "$rootfs/boot/initrd.img"
# busybox applets as links (the host's busybox-static is the same Debian version: same applets)
busybox --list-full | while read -r applet; do
  [ -e "$rootfs/$applet" ] || ln -s /bin/busybox "$rootfs/$applet"
done
cp -a "$here/guest/." "$rootfs/"
ln -sf /afero_nv/ssh/authorized_keys "$rootfs/root/.ssh/authorized_keys"
# hubby checks OTA headers with the lab OTA service's public key (the service signs with keys/ota-signing.pem)
[ -f "$out/keys/ota-signing.pem" ] || openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$out/keys/ota-signing.pem"
openssl pkey -in "$out/keys/ota-signing.pem" -pubout -out "$rootfs/etc/ota-hil/ota-signing.pub.pem"

# ---- OTA payloads (tar.gz, as sysupgrade takes them) without /etc/full_ota_record.json: the
# harness puts a record in front for each OTA record it makes (harness/vboard/rootfs-image.ts) ----
echo "[vboard] OTA payloads"
mkdir -p "$out/payloads"
tarit() { tar --numeric-owner --owner=0 --group=0 --sort=name -C "$1" -cf - "${@:3}" . | gzip -6 > "$2"; }
tarit "$rootfs" "$out/payloads/rootfs.tar.gz"
tarit "$rootfs" "$out/payloads/rootfs-no-init.tar.gz" --exclude=./sbin/init
junk=$work/junk
mkdir -p "$junk/boot" "$junk/etc"
head -c 4M /dev/urandom > "$junk/boot/vmlinuz"
head -c 1M /dev/urandom > "$junk/boot/initrd.img"
tarit "$junk" "$out/payloads/rootfs-random-kernel.tar.gz"
# The factory image's own record (versionNumber 0: any record the OTA service makes is newer).
printf '{\n  "name": "ota-hil-virtual",\n  "version": "factory",\n  "versionNumber": "0",\n  "type": 5\n}\n' > "$rootfs/etc/full_ota_record.json"

# ---- keys kept on the data partition: the harness's client key, dropbear's host key ----
data=$work/data
mkdir -p "$data/ssh" "$data/dropbear" "$data/hubby"
echo 0000000000000001 > "$data/device_id"
[ -f "$out/keys/id_ecdsa" ] || ssh-keygen -q -t ecdsa -N '' -C ota-hil-virtual -f "$out/keys/id_ecdsa"
# dropbear reads only its own key format: made by the host's dropbearkey (same Debian version).
[ -f "$out/keys/host_ecdsa.dropbear" ] || dropbearkey -t ecdsa -s 256 -f "$out/keys/host_ecdsa.dropbear" > /dev/null
dropbearkey -y -f "$out/keys/host_ecdsa.dropbear" | grep '^ecdsa-' > "$out/keys/host_ecdsa.pub"
cp "$out/keys/id_ecdsa.pub" "$data/ssh/authorized_keys"
cp "$out/keys/host_ecdsa.dropbear" "$data/dropbear/host_ecdsa"
ssh-keygen -l -E sha256 -f "$out/keys/host_ecdsa.pub" | awk '{print $2}' > "$out/keys/host_ecdsa.fingerprint"

# ---- disk: MBR, boot FAT (4 MiB), rootfs A, rootfs B, data; env in the gap at 0x260000 ----
echo "[vboard] disk image"
mkimage -q -A arm -T script -C none -n 'ota-hil A/B boot' -d "$here/boot.cmd" "$work/boot.scr" > /dev/null
mkfs.vfat -n BOOT -C "$work/boot.img" 16384 > /dev/null
mcopy -i "$work/boot.img" "$work/boot.scr" ::boot.scr
mke2fs -q -t ext4 -L rootA -d "$rootfs" "$work/rootA.img" 64M
mke2fs -q -t ext4 -L rootB -d "$rootfs" "$work/rootB.img" 64M
mke2fs -q -t ext4 -L afero_nv -d "$data" "$work/data.img" 32M
printf 'boot_part=2\nbootcount=0\nbootlimit=2\nupgrade_available=0\n' > "$work/env.txt"
mkenvimage -r -s 0x20000 -o "$work/env.bin" "$work/env.txt"

disk=$work/disk.img
truncate -s 180M "$disk"
sfdisk --quiet "$disk" <<PARTS
label: dos
start=8192, size=32768, type=c, bootable
start=40960, size=131072, type=83
start=172032, size=131072, type=83
start=303104, size=65536, type=83
PARTS
dd if="$work/env.bin" of="$disk" bs=512 seek=$((0x260000 / 512)) conv=notrunc status=none
dd if="$work/env.bin" of="$disk" bs=512 seek=$((0x280000 / 512)) conv=notrunc status=none
dd if="$work/boot.img" of="$disk" bs=512 seek=8192 conv=notrunc status=none
dd if="$work/rootA.img" of="$disk" bs=512 seek=40960 conv=notrunc status=none
dd if="$work/rootB.img" of="$disk" bs=512 seek=172032 conv=notrunc status=none
dd if="$work/data.img" of="$disk" bs=512 seek=303104 conv=notrunc status=none
du -sh "$rootfs" | sed "s/^/[vboard] rootfs size /"
mv "$disk" "$out/disk.img"
echo "$kver" > "$out/kernel-version"
rm -rf "$work"
echo "[vboard] done: $out/disk.img"
