# ota-hil virtual board: A/B boot with bootcount rollback.
# The environment is kept twice in U-Boot's redundant format (crc32, flag byte, data; 0x20000
# bytes each) at 0x260000 (sector 0x1300) and 0x280000 (sector 0x1400), where Linux's fw_setenv
# writes it (/etc/fw_env.config). A writer always rewrites the older copy with flag + 1, so a
# power cut mid-write leaves the other copy valid: take the valid copy, the newer if both are.
setenv copy1 0x48000000
setenv copy2 0x48100000
setenv envbuf 0x48200000
virtio read ${copy1} 0x1300 0x100
virtio read ${copy2} 0x1400 0x100

# env import -c wants crc32 then data: move the data down over the flag byte, then import
# (the import checks the crc). Sets ok1/ok2 and the flag bytes f1/f2.
setenv ok1 0
setenv ok2 0
for n in 1 2; do
  if test ${n} = 1; then setenv c ${copy1}; else setenv c ${copy2}; fi
  setexpr a ${c} + 4
  setexpr.b f *${a}
  setexpr a ${c} + 5
  setexpr b ${envbuf} + 4
  cp.b ${c} ${envbuf} 4
  cp.b ${a} ${b} 0x1fffb
  if env import -c ${envbuf} 0x1ffff; then
    if test ${n} = 1; then setenv ok1 1; setenv f1 ${f}; else setenv ok2 1; setenv f2 ${f}; fi
  fi
done

# Both valid: copy 1 unless copy 2's flag is ahead (mod 256, as libubootenv counts).
setenv use none
if test ${ok1} = 1; then setenv use 1; fi
if test ${ok2} = 1; then
  if test ${use} = none; then setenv use 2; else
    setexpr d ${f1} - ${f2}
    setexpr d ${d} \& ff
    setexpr behind ${d} \& 80
    if test ${d} != 0 && test ${behind} != 0; then setenv use 2; fi
  fi
fi
if test ${use} = none; then
  echo "ota-hil: no valid environment copy; booting partition 2"
  setenv boot_part 2
  setenv upgrade_available 0
else
  if test ${use} = 1; then setenv c ${copy1}; setenv f ${f1}; setenv other 0x1400; else setenv c ${copy2}; setenv f ${f2}; setenv other 0x1300; fi
  setexpr a ${c} + 5
  setexpr b ${envbuf} + 4
  cp.b ${c} ${envbuf} 4
  cp.b ${a} ${b} 0x1fffb
  env import -c ${envbuf} 0x1ffff
  echo "ota-hil: environment copy ${use} (flags ${f1}/${f2})"
fi

if test "${upgrade_available}" = "1"; then
  setexpr bootcount ${bootcount} + 1
  if test ${bootcount} -gt ${bootlimit}; then
    echo "ota-hil: boot_part ${boot_part} failed ${bootlimit} times: rolling back"
    if test "${boot_part}" = "2"; then setenv boot_part 3; else setenv boot_part 2; fi
    setenv upgrade_available 0
    setenv bootcount 0
  fi
  if test ${use} != none; then
    # Write the other copy, one flag ahead: the copy just read stays valid until this is done.
    env export -c -s 0x1ffff ${envbuf} boot_part bootcount bootlimit upgrade_available
    setexpr f ${f} + 1
    setexpr f ${f} \& ff
    setenv w 0x48300000
    cp.b ${envbuf} ${w} 4
    setexpr a ${w} + 4
    mw.b ${a} ${f}
    setexpr a ${w} + 5
    setexpr b ${envbuf} + 4
    cp.b ${b} ${a} 0x1fffb
    virtio write ${w} ${other} 0x100
  fi
fi
echo "ota-hil: booting slot on partition ${boot_part} (bootcount ${bootcount}, upgrade_available ${upgrade_available})"
setenv bootargs "console=ttyAMA0,115200 root=/dev/vda${boot_part} rootwait loglevel=6"
if load virtio 0:${boot_part} ${kernel_addr_r} /boot/vmlinuz && load virtio 0:${boot_part} ${ramdisk_addr_r} /boot/initrd.img; then
  bootz ${kernel_addr_r} ${ramdisk_addr_r}:${filesize} ${fdt_addr}
fi
echo "ota-hil: cannot boot partition ${boot_part}; resetting"
reset
