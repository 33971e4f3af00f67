#!/bin/bash
# service-test.sh REPO BINARY: leadd as a systemd service, under a real systemd (run as root; util-linux + systemd).
#
# Checks the shipped unit (systemd-analyze verify and security), then boots the host's own systemd as PID 1 in
# throw-away pid/mount/cgroup/uts/ipc/net namespaces whose root is a tmpfs overlay over the host's "/" (the host's
# files, /tmp, sysctls and cgroups are untouched), installs leadd there with `make install-files` (the commands of
# the README's operations section), and drives the service: start (active only after READY=1), files in and
# decisions out under the leadd user with the hardening in force, reload after a rule edit, a broken edit, stop.
# Everything is torn down at the end, also on failure. Prints PASS or FAIL: reason.
set -euo pipefail
REPO=$1 BIN=$2 U=leadd.service
if [ "${3:-}" = _init ]; then            # ---- runs as PID 1 of the new namespaces ----
  W=$4; mount --make-rprivate /
  mount -t tmpfs -o mode=755 tmpfs "$W"; mkdir "$W/u" "$W/w" "$W/r"; R=$W/r
  mount -t overlay overlay -o "lowerdir=/,upperdir=$W/u,workdir=$W/w" "$R"
  mount -t proc proc "$R/proc"; mount --bind "$R/proc/sys" "$R/proc/sys"; mount -o remount,bind,ro "$R/proc/sys"
  mount -t sysfs -o ro sysfs "$R/sys"; mount -t cgroup2 cgroup2 "$R/sys/fs/cgroup"
  mount -t tmpfs -o mode=755,nosuid tmpfs "$R/dev"; mkdir "$R/dev/pts" "$R/dev/shm"
  for d in null zero full random urandom tty; do touch "$R/dev/$d"; mount --bind "/dev/$d" "$R/dev/$d"; done
  touch "$R/dev/console"; mount --bind /dev/null "$R/dev/console"; ln -s /proc/self/fd "$R/dev/fd"
  mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$R/dev/pts"; ln -s pts/ptmx "$R/dev/ptmx"
  for m in dev/shm:1777 run:755 tmp:1777; do mount -t tmpfs -o "mode=${m#*:},nosuid" tmpfs "$R/${m%:*}"; done
  E=$R/etc/systemd/system; rm -rf "$E"/*.wants; : > "$R/etc/machine-id"     # skip the host's enabled units
  rm -rf "$R/etc/leadd" "$R/var/lib/leadd" "$R/var/spool/leadd"             # a clean machine, whatever the host has
  printf '[Unit]\nRequires=basic.target\nAfter=basic.target\n' > "$E/ci.target"
  make -s -C "$REPO" install-files DESTDIR="$R" PREFIX=/usr/local BIN="$BIN"  # as the README says
  mkdir -p "$R/root/leads"; cp "$REPO"/examples/leads/* "$R/root/leads/"    # the container's /tmp is its own
  cd "$R"; mkdir -p .old; pivot_root . .old; umount -l /.old
  exec env -i container=sdns /lib/systemd/systemd --system --unit=ci.target --show-status=no
fi

fail() { echo "FAIL: $*" >&2; [ -n "${P:-}" ] && sx systemctl status --no-pager "$U" >&2; exit 1; }

# The shipped unit: valid (on a copy that runs this build), and hardened to an exposure of 1.5 or better.
V=$(mktemp -d "${TMPDIR:-/tmp}/leadd-verify.XXXXXX")
sed "s|/usr/local/bin/leadd|$BIN|g" "$REPO/systemd/leadd.service" > "$V/leadd.service"
systemd-analyze verify --man=no "$V/leadd.service" || { rm -rf "$V"; fail "systemd-analyze verify"; }
rm -rf "$V"
SECURITY=$(systemd-analyze security --offline=yes --threshold=15 "$REPO/systemd/leadd.service") \
  || fail "systemd-analyze security: exposure over 1.5"
echo "$SECURITY" | tail -n 1

W=$(mktemp -d "${TMPDIR:-/tmp}/leadd-sdns.XXXXXX"); CG=$(findmnt -n -o TARGET -t cgroup2 | head -n1)/leadd-sdns-${W##*.}
P= UPID= OK=
cleanup() {                              # ---- teardown, also on failure ----
  set +e; [ -n "$P" ] && [ -z "$OK" ] && sx journalctl -b --no-pager -n 60 >&2
  [ -n "$P" ] && sx systemctl poweroff 2>/dev/null
  for _ in $(seq 50); do [ -n "$UPID" ] && kill -0 "$UPID" 2>/dev/null || break; sleep 0.1; done
  [ -n "$UPID" ] && kill -KILL "$UPID" 2>/dev/null; sleep 0.2
  [ -d "$CG" ] && find "$CG" -depth -type d -exec rmdir {} +; rm -rf "$W" "$W.log"
  [ ! -e "$W" ] && [ ! -e "$CG" ] || echo "FAIL: left behind: $W $CG" >&2; }
sx() { nsenter -t "$P" -a "$@"; }        # a command inside the container
prop() { sx systemctl show -p "$1" --value "$U"; }
# Drops a lead file the way producers should (a dot-name, then a rename), as root, into the service's inbox.
drop() { sx sh -c "cp '/root/leads/$1' /var/spool/leadd/inbox/.$2.tmp && mv /var/spool/leadd/inbox/.$2.tmp /var/spool/leadd/inbox/$2"; }
# Waits for the decisions of input NAME in the outbox; prints their rules versions.
decided() {
  for _ in $(seq 200); do
    out=$(sx sh -c "cat /var/spool/leadd/outbox/*/*--${1%.*}.ndjson 2>/dev/null" || true)
    [ -n "$out" ] && { echo "$out" | sed -n 's/.*"rules_version":"\([0-9a-f]*\)".*/\1/p' | sort -u; return 0; }
    sleep 0.05
  done
  return 1
}
T0=$(date +%s%N); mkdir "$CG"; trap cleanup EXIT
bash -c 'echo $$ > "$0/cgroup.procs"; exec unshare --cgroup --pid --mount --uts --ipc --net --fork bash "$@"' \
  "$CG" "$0" "$REPO" "$BIN" _init "$W" </dev/null >"$W.log" 2>&1 & UPID=$!
for _ in $(seq 300); do kill -0 "$UPID" 2>/dev/null || break; P=$(pgrep -P "$UPID" || true); [ -n "$P" ] && grep -qx systemd /proc/$P/comm && [ -S /proc/$P/root/run/systemd/private ] && break; P=; sleep 0.1; done
[ -n "$P" ] || { cat "$W.log" >&2; fail "systemd did not come up"; }
timeout 60 nsenter -t "$P" -a systemctl is-system-running --wait >/dev/null || { sx systemctl --failed --no-pager; fail "boot not clean"; }
echo "systemd up after $(( ($(date +%s%N) - T0) / 1000000 )) ms"

# The README's commands: users and spool from sysusers and tmpfiles, then enable and start.
sx systemd-sysusers >/dev/null; sx systemd-tmpfiles --create >/dev/null 2>&1 || true
sx systemctl daemon-reload
sx systemctl enable --now "$U" >/dev/null 2>&1 || fail "enable --now"   # Type=notify: returns after READY=1
[ "$(prop ActiveState)/$(prop SubState)" = active/running ] || fail "not active after READY=1"
PID=$(prop MainPID); V1=$(sx leadd check --rules /etc/leadd/rules | sed -n 's/.*version \([0-9a-f]*\)$/\1/p')
echo "active, MainPID=$PID, STATUS='$(prop StatusText)'"
case "$(prop StatusText)" in *"rules $V1"*) ;; *) fail "STATUS does not name the rules version $V1";; esac

# Under its own user, with the hardening in force.
[ "$(sx stat -c %U /proc/$PID)" = leadd ] || fail "the daemon does not run as leadd"
STATUS=$(sx cat /proc/$PID/status)
echo "$STATUS" | grep -q '^NoNewPrivs:[[:space:]]*1' || fail "NoNewPrivs not set"
echo "$STATUS" | grep -q '^Seccomp:[[:space:]]*2' || fail "no seccomp filter"
echo "$STATUS" | grep -q '^CapEff:[[:space:]]*0000000000000000' || fail "capabilities left"
[ "$(sx readlink /proc/$PID/ns/net)" != "$(sx readlink /proc/1/ns/net)" ] || fail "no private network"

# Files in, decisions out, owned by leadd.
drop web-form.json first.json
[ "$(decided first.json)" = "$V1" ] || fail "no decision for first.json with rules $V1"
[ "$(sx sh -c 'stat -c %U /var/spool/leadd/outbox/*/*--first.ndjson' | sort -u)" = leadd ] || fail "outputs not owned by leadd"
sx sh -c 'ls /var/spool/leadd/archive' | grep -q -- '--first.json$' || fail "input not archived"
echo "decided first.json with rules $V1"

# A rule edit, then systemctl reload: the new version in STATUS and in later decisions.
sx sh -c 'printf "\n# reviewed by the revops team\n" >> /etc/leadd/rules/behavior.yaml'
V2=$(sx leadd check --rules /etc/leadd/rules | sed -n 's/.*version \([0-9a-f]*\)$/\1/p')
[ "$V2" != "$V1" ] || fail "the edit did not change the rules version"
sx systemctl reload "$U" || fail "reload after a good edit"
case "$(prop StatusText)" in *"rules $V2"*) ;; *) fail "STATUS after reload: $(prop StatusText)";; esac
drop web-form.json second.json
[ "$(decided second.json)" = "$V2" ] || fail "second.json not decided with the new rules $V2"
echo "reloaded: STATUS='$(prop StatusText)'"

# A broken edit: the reload job fails, the service stays active on the old rules, and STATUS says so.
sx sh -c 'printf "rules: [\n" >> /etc/leadd/rules/behavior.yaml'
if sx systemctl reload "$U" 2>/dev/null; then fail "reload of broken rules succeeded"; fi
[ "$(prop ActiveState)" = active ] && [ "$(prop MainPID)" = "$PID" ] && [ "$(prop NRestarts)" = 0 ] \
  || fail "the service did not survive a broken edit"
case "$(prop StatusText)" in *"reload FAILED"*"still running rules $V2"*) ;; *) fail "STATUS after a broken edit: $(prop StatusText)";; esac
drop web-form.json third.json
[ "$(decided third.json)" = "$V2" ] || fail "third.json not decided with the last good rules $V2"
sx journalctl -u "$U" -p err -o cat --no-pager | grep -q 'rules reload failed, keeping the running rules' \
  || fail "the failed reload is not in the journal at priority err"
echo "broken edit kept: STATUS='$(prop StatusText)'"

# The sandbox denies the daemon nothing it needs: no denial in its journal. (libdispatch's "Failed to set thread
# priority for worker thread ... errno=13" is not one: Swift's runtime asks to renice a worker thread for a
# quality-of-service class, which no unprivileged process may do; it changes nothing. README, "Operations".)
if sx journalctl _PID="$PID" -o cat --no-pager | grep -v 'Failed to set thread priority for worker thread' \
  | grep -i -E 'operation not permitted|permission denied|bad system call|denied'; then
  fail "something was denied in the sandbox"
fi

sx systemctl stop "$U" || fail "stop"
[ "$(prop ActiveState)/$(prop Result)" = inactive/success ] || fail "unclean stop: $(prop Result)"
OK=1; echo "PASS ($(( ($(date +%s%N) - T0) / 1000000 )) ms before teardown)"
