# Sourced by the daemons' stand-ins on the BBGW twin, where they run as systemd services and log to
# the journal, as Afero's daemons do there: the tag is the program and its pid, so
# `journalctl -o short` prints `Mon DD HH:MM:SS beaglebone hubby[pid]: msg` (journald adds the host).
log_tag="${0##*/}[$$]"
log() { logger -t "$log_tag" -- "$*"; }
# A line that must reach the console even when the board goes down right after.
log_console() { logger -s -t "$log_tag" -- "$*" 2>/dev/console; }
