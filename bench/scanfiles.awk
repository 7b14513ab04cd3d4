# The files one steady-state scan read, from `strace -y -e
# trace=openat,pread64,newfstatat,getdents64` of pgscan: one path per line,
# relative to /proc, in the form `floor -R` replays ("PID/stat" read,
# "PID/fd" counted by fstatat, "PID/task/" listed). The last scan traced
# wins. Used by run.sh and ab.sh.

# a scan starts with the first non-empty chunk of the listing of the
# procfs root (a big /proc takes several getdents64 calls)
/^getdents64\([0-9]+<\/proc>,/ {
        if (/\/\* 0 entries/) listing = 0
        else if (!listing) { listing = 1; n = 0; delete seen }
        next }
/^openat\(/ && !/O_DIRECTORY|O_PATH/ && match($0, /= [0-9]+<\/proc\/[0-9][^>]*>$/) {
        p = substr($0, RSTART, RLENGTH); sub(/^= [0-9]+<\/proc\//, "", p); sub(/>$/, "", p)
        if (!(p in seen)) { seen[p] = 1; l[++n] = p }
        next }
# a file kept open from an earlier scan is only read
/^pread64\([0-9]+<\/proc\/[0-9][^>]*>,/ {
        p = $0; sub(/^pread64\([0-9]+<\/proc\//, "", p); sub(/>.*/, "", p)
        if (!(p in seen)) { seen[p] = 1; l[++n] = p }
        next }
# the fd count, under the pid's directory or named from the root
/^newfstatat\([0-9]+<\/proc\/[0-9]+>, "fd",/ && / = 0$/ {
        p = $0; sub(/^newfstatat\([0-9]+<\/proc\//, "", p); sub(/>.*/, "", p)
        l[++n] = p "/fd"; next }
/^newfstatat\([0-9]+<\/proc>, "[0-9]+\/fd",/ && / = 0$/ {
        p = $0; sub(/^newfstatat\([0-9]+<\/proc>, "/, "", p); sub(/".*/, "", p)
        l[++n] = p; next }
/^getdents64\([0-9]+<\/proc\/[0-9]+\/task>,/ && !/\/\* 0 entries/ {
        p = $0; sub(/^getdents64\([0-9]+<\/proc\//, "", p); sub(/>.*/, "", p)
        l[++n] = p "/"; next }
END { for (i = 1; i <= n; i++) print l[i] }
