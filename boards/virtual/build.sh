#!/usr/bin/env bash
# Builds the virtual board from Debian packages only (no chroot, no loop mounts, no root needed
# beyond what apt-get needs): an MBR disk with a boot FAT partition (boot.scr), rootfs slots A and
# B (ext4, each with its own kernel and initrd), a data partition (/afero_nv), and the U-Boot
# environment raw at 0x260000. The steps it shares with the board twins are in
# boards/twins/common.sh. Usage: build.sh OUT_DIR   (OUT_DIR gets disk.img, keys/ and payloads/)
set -euo pipefail
board=virtual
. "$(dirname "$0")/../twins/common.sh" "$1"

fetch_packages "$work/pkgs" linux-image-armmp,busybox-static,dropbear-bin,libubootenv-tool,openssh-sftp-server,openssl
# The modules that reach the root filesystem on a virtio disk, the network and the entropy source.
make_initrd "$work/pkgs" "$here/initrd/init" "$work/initrd.img" drivers/virtio/virtio_mmio drivers/block/virtio_blk drivers/net/virtio_net drivers/char/hw_random/virtio-rng crypto/crc32c_generic fs/ext4/ext4

rootfs=$work/rootfs
start_rootfs "$rootfs" "$work/pkgs" "$work/initrd.img" etc/init.d
cp -a "$here/guest/." "$rootfs/"
finish_rootfs "$rootfs" ota-hil-virtual

data=$work/data
data_files "$data" 0000000000000001

uboot_env_disk "$work/disk.img" 180M "$here/boot.cmd" 'ota-hil A/B boot' "$rootfs" "$data"
finish_build "$work/disk.img" "$rootfs"
