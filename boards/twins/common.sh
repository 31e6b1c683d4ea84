# Sourced by each twin's build.sh: the steps every board twin shares with the plain virtual board
# (boards/virtual/build.sh), from Debian's armhf packages, no chroot, no loop mounts.
# The twins run on QEMU `virt,highmem=off` with the disk as an SD card (sdhci-pci + sd-card), so
# Linux sees /dev/mmcblkN as the real boards do; U-Boot (u-boot-qemu has no MMC driver) reads the
# same image file through a virtio disk. Callers set: out, here, work.
set -euo pipefail
twins=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
virtual=$twins/../virtual
suite=bookworm
mirror=http://deb.debian.org/debian

# fetch_packages DIR PACKAGES(comma-separated): the packages' files, unpacked (no maintainer scripts)
fetch_packages() {
  echo "[twin] extracting armhf packages ($2)"
  mmdebstrap --quiet --variant=extract --arch=armhf --include="$2" "$suite" "$1" "$mirror"
  kver=$(ls "$1/lib/modules")
  depmod -b "$1" "$kver"
}

# make_initrd PKGS INIT OUT MODULE...: busybox + the modules (dependencies first) + INIT as /init
make_initrd() {
  local pkgs=$1 init=$2 img=$3 ird=$work/initrd m d
  shift 3
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
    [ -n "$rel" ] || { echo "[twin] no module $m in kernel $kver" >&2; exit 1; }
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

# trim_rootfs ROOTFS: what a device image does not carry
trim_rootfs() {
  rm -rf "$1"/lib/modules "$1"/usr/share/{doc,man,info,locale,lintian,bug} "$1"/var/cache/* "$1"/boot/System.map-* "$1"/boot/config-* "$1"/usr/lib/linux-image-*
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

# payloads ROOTFS: the OTA payloads, as the plain virtual board's (harness/vboard/rootfs-image.ts puts the record in front)
payloads() {
  echo "[twin] OTA payloads"
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

# ssh_keys DATA_DIR: the harness's client key (authorized) and dropbear's host key, on the data partition
ssh_keys() {
  mkdir -p "$1/ssh" "$1/dropbear"
  [ -f "$out/keys/id_ecdsa" ] || ssh-keygen -q -t ecdsa -N '' -C "ota-hil-$twin" -f "$out/keys/id_ecdsa"
  [ -f "$out/keys/host_ecdsa.dropbear" ] || dropbearkey -t ecdsa -s 256 -f "$out/keys/host_ecdsa.dropbear" > /dev/null
  dropbearkey -y -f "$out/keys/host_ecdsa.dropbear" | grep '^ecdsa-' > "$out/keys/host_ecdsa.pub"
  cp "$out/keys/id_ecdsa.pub" "$1/ssh/authorized_keys"
  cp "$out/keys/host_ecdsa.dropbear" "$1/dropbear/host_ecdsa"
  ssh-keygen -l -E sha256 -f "$out/keys/host_ecdsa.pub" | awk '{print $2}' > "$out/keys/host_ecdsa.fingerprint"
}

# lay IMAGE DISK START_SECTOR: writes a filesystem image into the disk at a sector
lay() { dd if="$1" of="$2" bs=512 seek="$3" conv=notrunc status=none; }
