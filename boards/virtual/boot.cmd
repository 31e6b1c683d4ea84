# ota-hil virtual board: A/B boot with bootcount rollback. The environment lives raw on the disk
# at 0x260000 (sector 0x1300, 0x100 sectors), where fw_printenv/fw_setenv find it from Linux.
setenv envaddr 0x48000000
virtio read ${envaddr} 0x1300 0x100
env import -c ${envaddr} 0x20000
if test "${upgrade_available}" = "1"; then
  setexpr bootcount ${bootcount} + 1
  if test ${bootcount} -gt ${bootlimit}; then
    echo "ota-hil: boot_part ${boot_part} failed ${bootlimit} times: rolling back"
    if test "${boot_part}" = "2"; then setenv boot_part 3; else setenv boot_part 2; fi
    setenv upgrade_available 0
    setenv bootcount 0
  fi
  env export -c -s 0x20000 ${envaddr} boot_part bootcount bootlimit upgrade_available
  virtio write ${envaddr} 0x1300 0x100
fi
echo "ota-hil: booting slot on partition ${boot_part} (bootcount ${bootcount}, upgrade_available ${upgrade_available})"
setenv bootargs "console=ttyAMA0,115200 root=/dev/vda${boot_part} rootwait loglevel=6"
if load virtio 0:${boot_part} ${kernel_addr_r} /boot/vmlinuz && load virtio 0:${boot_part} ${ramdisk_addr_r} /boot/initrd.img; then
  bootz ${kernel_addr_r} ${ramdisk_addr_r}:${filesize} ${fdt_addr}
fi
echo "ota-hil: cannot boot partition ${boot_part}; resetting"
reset
