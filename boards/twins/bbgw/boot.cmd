# The BBGW twin's boot: as the BeagleBone's U-Boot with Afero's uEnv.txt on the boot partition,
# `bootpart` (0:3 or 0:4) names the partition of the root to boot, kernel and initrd included.
# No bootcount and no fallback: Afero's BBGW setup has none. A root that cannot be loaded resets
# the board (the real one would stop at U-Boot's prompt): it stays down until someone reflashes it.
setenv bootpart 0:3
setenv uenv 0x48000000
if load virtio 0:1 ${uenv} uEnv.txt; then
  env import -t ${uenv} ${filesize} bootpart
fi
if test "${bootpart}" = "0:4"; then setenv part 4; else setenv part 3; fi
echo "ota-hil: uEnv.txt bootpart=${bootpart}: booting /dev/mmcblk1p${part}"
setenv bootargs "console=ttyAMA0,115200 root=/dev/mmcblk1p${part} rootwait loglevel=6"
if load virtio 0:${part} ${kernel_addr_r} /boot/vmlinuz && load virtio 0:${part} ${ramdisk_addr_r} /boot/initrd.img; then
  bootz ${kernel_addr_r} ${ramdisk_addr_r}:${filesize} ${fdt_addr}
fi
echo "ota-hil: cannot boot bootpart ${bootpart}; resetting"
reset
