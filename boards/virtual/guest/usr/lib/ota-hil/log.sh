# Sourced by the virtual board's daemons. Real Afero boards log `Mon DD HH:MM:SS host prog[pid]: msg`;
# busybox syslogd runs with -S (no facility.priority), so the host name goes into the tag to give
# the same form. Levels are af-util's prefixes (I, N, W, E, C, debug 1..4), written by the caller.
log_tag="$(hostname) ${0##*/}[$$]"
log() { logger -t "$log_tag" -- "$*"; }
# A line that must reach the console even when the board goes down right after (syslog and the
# console's log follower may not get to print it before a reboot).
log_console() { logger -s -t "$log_tag" -- "$*" 2>/dev/console; }
