# Sourced by the plain virtual board's build (boards/virtual/build.sh) and each twin's
# (boards/twins/<twin>/build.sh): the build steps they share, from Debian's armhf packages, no
# chroot, no loop mounts. Usage, first thing in a build script:
#   board=NAME; . "<path>/common.sh" OUT_DIR
# sets out (OUT_DIR, with keys/), here (the calling script's folder), work (a fresh scratch folder),
# twins and virtual (the two board folders); each step below says what else it sets or reads.
set -euo pipefail
out=$(realpath -m "$1")
here=$(cd "$(dirname "$0")" && pwd)
twins=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
virtual=$(cd "$twins/../virtual" && pwd)
work=$out/work
rm -rf "$work"
mkdir -p "$work" "$out/keys"
suite=bookworm
mirror=http://deb.debian.org/debian

# fetch_packages DIR PACKAGES(comma-separated): the packages' files, unpacked (no maintainer scripts); sets kver
fetch_packages() {
  echo "[$board] extracting armhf packages ($2)"
  mmdebstrap --quiet --variant=extract --arch=armhf --include="$2" "$suite" "$1" "$mirror"
  kver=$(ls "$1/lib/modules")
  depmod -b "$1" "$kver"
}

# make_initrd PKGS INIT OUT MODULE...: busybox + the modules (dependencies first) + INIT as /init
make_initrd() {
  local pkgs=$1 init=$2 img=$3 ird=$work/initrd m d
  shift 3
  echo "[$board] initrd for kernel $kver"
  local moddir=$pkgs/lib/modules/$kver
  rm -rf "$ird"
  mkdir -p "$ird"/{bin,dev,proc,sys,newroot,lib/modules}
  cp "$pkgs/bin/busybox" "$ird/bin/busybox"
  declare -A loaded=()
  local order=()
  load() {
    local m=$1 d
    [ -n "${loaded[$m]:-}" ] && return
    loaded[$m]=1
    for d in $(sed -n "s#^$m: *##p" "$moddir/modules.dep"); do load "$d"; done
    order+=("$m")
  }
  for m in "$@"; do
    local rel=$(sed -n "s#^\(kernel/$m.ko\(\.xz\)\{0,1\}\):.*#\1#p" "$moddir/modules.dep")
    [ -n "$rel" ] || { echo "[$board] no module $m in kernel $kver" >&2; exit 1; }
    load "$rel"
  done
  for m in "${order[@]}"; do
    cp "$moddir/$m" "$ird/lib/modules/$(basename "$m")"
    basename "$m" >> "$ird/modules.order"
  done
  install -m 0755 "$init" "$ird/init"
  (cd "$ird" && find . | LC_ALL=C sort | cpio --quiet -o -H newc | gzip -9) > "$img"
}

# The modules that reach an SD card's ext4 root, the network and the entropy source on `virt`.
sd_modules=(drivers/virtio/virtio_mmio drivers/net/virtio_net drivers/char/hw_random/virtio-rng crypto/crc32c_generic fs/ext4/ext4 drivers/mmc/host/cqhci drivers/mmc/host/sdhci drivers/mmc/host/sdhci-pci)

# busybox_links ROOTFS: busybox applets as links where no real program is (host busybox-static: same Debian version)
busybox_links() {
  busybox --list-full | while read -r applet; do
    [ -e "$1/$applet" ] || [ -L "$1/$applet" ] || ln -s /bin/busybox "$1/$applet"
  done
}

# start_rootfs ROOTFS PKGS INITRD DIR...: the packages' files less what a device image does not
# carry, the base folders and DIR... (relative), the kernel and initrd in /boot, busybox's applets
start_rootfs() {
  local rootfs=$1 pkgs=$2 initrd=$3 d
  shift 3
  echo "[$board] rootfs"
  cp -a "$pkgs" "$rootfs"
  rm -rf "$rootfs"/lib/modules "$rootfs"/usr/share/{doc,man,info,locale,lintian,bug} "$rootfs"/var/cache/* "$rootfs"/boot/System.map-* "$rootfs"/boot/config-* "$rootfs"/usr/lib/linux-image-*
  mkdir -p "$rootfs"/{proc,sys,dev,run,tmp,root/.ssh,afero_nv,var/log}
  for d in "$@"; do mkdir -p "$rootfs/$d"; done
  mv "$rootfs/boot/vmlinuz-$kver" "$rootfs/boot/vmlinuz"
  cp "$initrd" "$rootfs/boot/initrd.img"
  busybox_links "$rootfs"
}

# signing_key ROOTFS: hubby checks OTA headers with the lab service's public key
signing_key() {
  [ -f "$out/keys/ota-signing.pem" ] || openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$out/keys/ota-signing.pem"
  mkdir -p "$1/etc/ota-hil"
  openssl pkey -in "$out/keys/ota-signing.pem" -pubout -out "$1/etc/ota-hil/ota-signing.pub.pem"
}

# root_password ROOTFS: a random console password for root (kept in keys/root-password, 0600), hashed into /etc/shadow
root_password() {
  [ -f "$out/keys/root-password" ] || (umask 077 && openssl rand -hex 12 > "$out/keys/root-password")
  local hash
  hash=$(openssl passwd -6 -stdin < "$out/keys/root-password")
  sed -i "s#^root:[^:]*:#root:${hash}:#" "$1/etc/shadow"
}

# payloads ROOTFS: the OTA payloads (tar.gz, as sysupgrade takes them) without a record:
# harness/vboard/rootfs-image.ts or make-image.sh puts one in front for each OTA record
payloads() {
  echo "[$board] OTA payloads"
  mkdir -p "$out/payloads"
  tarit() { tar --numeric-owner --owner=0 --group=0 --sort=name -C "$1" -cf - "${@:3}" . | gzip -6 > "$2"; }
  tarit "$1" "$out/payloads/rootfs.tar.gz"
  tarit "$1" "$out/payloads/rootfs-no-init.tar.gz" --exclude=./sbin/init
  local junk=$work/junk
  mkdir -p "$junk/boot" "$junk/etc"
  head -c 4M /dev/urandom > "$junk/boot/vmlinuz"
  head -c 1M /dev/urandom > "$junk/boot/initrd.img"
  tarit "$junk" "$out/payloads/rootfs-random-kernel.tar.gz"
}

# finish_rootfs ROOTFS NAME: the client key's link, the signing key, the payloads, then the
# factory image's own record (versionNumber 0: any record the OTA service makes is newer)
finish_rootfs() {
  ln -sf /afero_nv/ssh/authorized_keys "$1/root/.ssh/authorized_keys"
  signing_key "$1"
  payloads "$1"
  printf '{\n  "name": "%s",\n  "version": "factory",\n  "versionNumber": "0",\n  "type": 5\n}\n' "$2" > "$1/etc/full_ota_record.json"
}

# data_files DATA DEVICE_ID: the data partition's files: the device id, hubby's folder, the
# harness's client key (authorized) and dropbear's host key
data_files() {
  mkdir -p "$1/ssh" "$1/dropbear" "$1/hubby"
  echo "$2" > "$1/device_id"
  [ -f "$out/keys/id_ecdsa" ] || ssh-keygen -q -t ecdsa -N '' -C "ota-hil-$board" -f "$out/keys/id_ecdsa"
  # dropbear reads only its own key format: made by the host's dropbearkey (same Debian version).
  [ -f "$out/keys/host_ecdsa.dropbear" ] || dropbearkey -t ecdsa -s 256 -f "$out/keys/host_ecdsa.dropbear" > /dev/null
  dropbearkey -y -f "$out/keys/host_ecdsa.dropbear" | grep '^ecdsa-' > "$out/keys/host_ecdsa.pub"
  cp "$out/keys/id_ecdsa.pub" "$1/ssh/authorized_keys"
  cp "$out/keys/host_ecdsa.dropbear" "$1/dropbear/host_ecdsa"
  ssh-keygen -l -E sha256 -f "$out/keys/host_ecdsa.pub" | awk '{print $2}' > "$out/keys/host_ecdsa.fingerprint"
}

# uboot_env_disk DISK SIZE BOOT_SCRIPT SCRIPT_NAME ROOTFS DATA: the U-Boot A/B layout of the plain virtual
# board and the SAMA5D2 twin: MBR, boot FAT (16 MiB, boot.scr), rootfs A and B (64 MiB ext4
# each), data (32 MiB ext4), the environment twice in the gap (0x260000, 0x280000), boot_part=2
uboot_env_disk() {
  local disk=$1 size=$2 script=$3 name=$4 rootfs=$5 data=$6
  echo "[$board] disk image"
  mkimage -q -A arm -T script -C none -n "$name" -d "$script" "$work/boot.scr" > /dev/null
  mkfs.vfat -n BOOT -C "$work/boot.img" 16384 > /dev/null
  mcopy -i "$work/boot.img" "$work/boot.scr" ::boot.scr
  mke2fs -q -t ext4 -L rootA -d "$rootfs" "$work/rootA.img" 64M
  mke2fs -q -t ext4 -L rootB -d "$rootfs" "$work/rootB.img" 64M
  mke2fs -q -t ext4 -L afero_nv -d "$data" "$work/data.img" 32M
  printf 'boot_part=2\nbootcount=0\nbootlimit=2\nupgrade_available=0\n' > "$work/env.txt"
  mkenvimage -r -s 0x20000 -o "$work/env.bin" "$work/env.txt"
  truncate -s "$size" "$disk"
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
}

# lay IMAGE DISK START_SECTOR: writes a filesystem image into the disk at a sector
lay() { dd if="$1" of="$2" bs=512 seek="$3" conv=notrunc status=none; }

# finish_build DISK ROOTFS: the disk and the kernel version into OUT_DIR, the scratch folder gone
finish_build() {
  du -sh "$2" | sed "s/^/[$board] rootfs size /"
  mv "$1" "$out/disk.img"
  echo "$kver" > "$out/kernel-version"
  rm -rf "$work"
  echo "[$board] done: $out/disk.img"
}
