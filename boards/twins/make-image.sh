#!/bin/sh
# HIL_OTA_BUILD for a board twin (harness/suite/lab.ts partnerLab): builds the release image for
# the OTA record $RECORD into $OUT, as the real build bakes the record into the image: the twin's
# rootfs payload with the record as /etc/full_ota_record.json in front, as a gzip member of its own
# holding one tar entry without an end-of-archive marker (as harness/vboard/rootfs-image.ts does).
# Usage: RECORD=... OUT=... [VARIANT=...] make-image.sh TWIN_BUILD_DIR [PAYLOAD]
# PAYLOAD (or VARIANT): rootfs (default), rootfs-no-init or rootfs-random-kernel (harness/suite/lab.ts ImageVariant).
set -eu
dir=${1:?usage: make-image.sh TWIN_BUILD_DIR [PAYLOAD]}
payload=$dir/payloads/${2:-${VARIANT:-rootfs}}.tar.gz
[ -f "$payload" ] || { echo "make-image.sh: no payload $payload" >&2; exit 2; }
: "${RECORD:?RECORD: the OTA record file}" "${OUT:?OUT: the image to write}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/etc"
cp "$RECORD" "$tmp/etc/full_ota_record.json"
size=$(wc -c < "$RECORD")
entry=$((512 + (size + 511) / 512 * 512))
tar --numeric-owner --owner=0 --group=0 --mode=0644 -C "$tmp" -cf - ./etc/full_ota_record.json | head -c "$entry" | gzip -6 > "$OUT.part"
cat "$payload" >> "$OUT.part"
mv "$OUT.part" "$OUT"
