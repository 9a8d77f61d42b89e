#!/bin/bash
# `make demo`: a namespace whose aether0 (192.168.1.1/24) is the kernel's side
# of the link, aetherd serving 192.168.1.2 on the other side; ping it; then
# serve examples/www through Aether and fetch hello.html with curl from the
# kernel side. Everything is removed on exit.
#
# The web server is python3 -m http.server under LD_PRELOAD=build/libaether.so
# (every socket call goes to aetherd). When the preload library is not built
# or cannot serve yet, the demo says so and falls back to build/examples/httpd,
# which embeds the stack itself (no daemon, no preload).
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || { echo "demo: run as root (it creates a network namespace)" >&2; exit 1; }
[ -x "$B/aetherd" ] || { echo "demo: $B/aetherd is missing: run make first" >&2; exit 1; }
PY=$(command -v /usr/bin/python3 python3 | head -1)
URL=http://192.168.1.2/hello.html
if [ -t 1 ]; then
	say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
	say() { printf '\n== %s\n' "$*"; }
fi

say "lab: namespace $NS, aether0 = 192.168.1.1/24 (kernel), aetherd = 192.168.1.2"
if ! lab_up; then
	echo "demo: aetherd did not come up" >&2
	exit 1
fi
sed 's/^/   /' "$WORK/aetherd.log"

say "ping 192.168.1.2 from the kernel side"
nsx ping -n -c 5 -i 0.2 192.168.1.2 || { echo "demo: no ping replies" >&2; exit 1; }

# fetch: curl the page from the kernel side into $WORK/page
fetch() { nsx curl -s --max-time 3 -o "$WORK/page" "$URL"; }

# served_by PID: true once the page can be fetched; false after 10 s or as
# soon as the server PID has exited
served_by() {
	local end=$((SECONDS + 10))
	while kill -0 "$1" 2>/dev/null && [ $SECONDS -lt $end ]; do
		fetch && return 0
		sleep 0.2
	done
	return 1
}

served=
if [ -e "$B/libaether.so" ]; then
	say "LD_PRELOAD=$B/libaether.so $PY -m http.server 80 --directory examples/www"
	bg nsx env LD_PRELOAD="$B/libaether.so" AETHER_SOCKET="$AETHER_SOCKET" \
		"$PY" -m http.server 80 --bind 0.0.0.0 --directory "$TOP/examples/www" \
		>"$WORK/http.log" 2>&1
	if served_by "${PIDS[-1]}"; then
		served="python3 http.server through aetherd (LD_PRELOAD)"
	else
		echo "   the preload library could not serve yet; its output:"
		sed 's/^/   | /' "$WORK/http.log" | tail -5
		kill "${PIDS[-1]}" 2>/dev/null
	fi
else
	say "$B/libaether.so is not built yet: no LD_PRELOAD demo"
fi

if [ -z "$served" ] && [ -x "$B/examples/httpd" ]; then
	say "fallback: build/examples/httpd (the stack embedded, no daemon) on aether0"
	kill -TERM "$AETHERD_PID" 2>/dev/null
	wait "$AETHERD_PID" 2>/dev/null
	bg nsx "$B/examples/httpd" --tap aether0 --addr 192.168.1.2/24 \
		--root "$TOP/examples/www" >"$WORK/httpd.log" 2>&1
	if served_by "${PIDS[-1]}"; then
		served="build/examples/httpd (embedded stack)"
	else
		echo "   the embedded server could not serve either (is TCP built yet?):"
		sed 's/^/   | /' "$WORK/httpd.log" | tail -5
	fi
fi

if [ -z "$served" ]; then
	say "no web server could be reached; the demo stops after ping"
	exit 1
fi
say "curl $URL  (served by $served)"
cat "$WORK/page"
if ! cmp -s "$WORK/page" "$TOP/examples/www/hello.html"; then
	say "the page differs from examples/www/hello.html"
	exit 1
fi
say "the page arrived byte-identical to examples/www/hello.html"
if kill -0 "$AETHERD_PID" 2>/dev/null; then
	say "aetherd's counters (kill -USR1; the non-zero ones)"
	if command -v column >/dev/null; then
		aetherd_stats | awk '$2 != 0' | column -c 100
	else
		aetherd_stats | awk '$2 != 0'
	fi
fi
