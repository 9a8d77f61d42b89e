#!/bin/bash
# A real browser against Aether: headless Firefox (firefox-esr) on the kernel
# side of the lab loads pages from python3 http.server running unmodified on
# Aether through LD_PRELOAD. Firefox opens several connections at once
# (speculative preconnects, favicon, parallel subresources), so this covers
# concurrent passive opens that curl alone does not. The server runs in an
# empty namespace of its own, so a call the shim failed to take would find no
# network rather than the host's.
. "$(dirname "$0")/lib.sh"

SO=${AETHER_SO:-$B/libaether.so}
WWW=$TOP/examples/www
PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null || echo /usr/bin/python3)
FF=$(command -v firefox-esr || command -v firefox)
APPNS=${NS}app
NSUB=20

if [ -z "$FF" ]; then
	log "firefox-esr is not installed (tests/deps.sh installs it)"
	check "firefox-esr installed" false
	finish; exit 1
fi

if ! lab_up || ! ns_add "$APPNS"; then
	check "lab up" false
	finish; exit 1
fi

# stop PID: stop one process we started (SIGTERM, then SIGKILL after 3 s)
stop() {
	local i
	kill "$1" 2>/dev/null
	for ((i = 0; i < 30; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# a document root: examples/www plus a page with NSUB subresources (half
# stylesheets, half images) so Firefox fetches over parallel connections
mkdir -p "$WORK/www"
cp -r "$WWW/." "$WORK/www/"
"$PY" - "$WORK/www" "$NSUB" <<'PYEOF' || check "generate many.html" false
import base64, sys
root, n = sys.argv[1], int(sys.argv[2])
png = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
head, body = [], []
for i in range(n):
    if i % 2 == 0:
        open(f"{root}/s{i}.css", "w").write(f".c{i} {{ margin: {i}px; }}\n")
        head.append(f'<link rel="stylesheet" href="/s{i}.css">')
    else:
        open(f"{root}/i{i}.png", "wb").write(png)
        body.append(f'<img src="/i{i}.png" width="8" height="8" alt="{i}">')
open(f"{root}/many.html", "w").write(
    "<!DOCTYPE html><html><head><title>many</title>" + "".join(head) +
    "</head><body><p>many</p>" + "".join(body) + "</body></html>\n")
PYEOF

# a fresh profile with the network chatter (updates, telemetry, captive
# portal and connectivity probes, safe browsing, prefetch) turned off, so
# every connection Firefox opens is one a page asked for
mkdir -p "$WORK/profile"
cat >"$WORK/profile/user.js" <<'PREFS'
user_pref("app.update.enabled", false);
user_pref("app.update.auto", false);
user_pref("app.normandy.enabled", false);
user_pref("network.captive-portal-service.enabled", false);
user_pref("network.connectivity-service.enabled", false);
user_pref("network.dns.disablePrefetch", true);
user_pref("network.prefetch-next", false);
user_pref("network.proxy.type", 0);
user_pref("browser.safebrowsing.malware.enabled", false);
user_pref("browser.safebrowsing.phishing.enabled", false);
user_pref("browser.safebrowsing.downloads.enabled", false);
user_pref("browser.safebrowsing.blockedURIs.enabled", false);
user_pref("browser.safebrowsing.downloads.remote.enabled", false);
user_pref("browser.shell.checkDefaultBrowser", false);
user_pref("browser.startup.homepage_override.mstone", "ignore");
user_pref("browser.aboutwelcome.enabled", false);
user_pref("browser.newtabpage.enabled", false);
user_pref("browser.search.update", false);
user_pref("extensions.update.enabled", false);
user_pref("extensions.getAddons.cache.enabled", false);
user_pref("extensions.blocklist.enabled", false);
user_pref("datareporting.healthreport.uploadEnabled", false);
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("toolkit.telemetry.enabled", false);
user_pref("toolkit.telemetry.unified", false);
user_pref("toolkit.telemetry.server", "");
user_pref("services.settings.server", "");
user_pref("network.trr.mode", 5);
PREFS

# --- python3 -m http.server on Aether ------------------------------------------
bg ip netns exec "$APPNS" env LD_PRELOAD="$SO" AETHER_SOCKET="$AETHER_SOCKET" \
	"$PY" -m http.server 80 --directory "$WORK/www" >"$WORK/python.log" 2>&1
PYPID=${PIDS[-1]}
up() { nsx curl -s -f --max-time 5 -o /dev/null http://192.168.1.2/hello.html; }
if ! wait_for 15 up; then
	check "python http.server on Aether answers curl" false
	sed 's/^/#   /' "$WORK/python.log" | tail -20
	stop "$PYPID"
	finish; exit 1
fi

# firefox NAME URL: headless screenshot of URL into $WORK/NAME.png, bounded
# by 60 s, in the lab namespace; its output goes to $WORK/NAME.ff.log
firefox() {
	HOME=$WORK MOZ_CRASHREPORTER_DISABLE=1 MOZ_DISABLE_AUTO_SAFE_MODE=1 \
		nsx timeout 60 "$FF" --headless -no-remote -profile "$WORK/profile" \
		--screenshot "$WORK/$1.png" "$2" >"$WORK/$1.ff.log" 2>&1
	local rc=$?
	[ $rc -eq 0 ] || { log "firefox $2 exit $rc; its output:"; tail -20 "$WORK/$1.ff.log" | sed 's/^/#   /'; }
	return $rc
}

# png NAME: the screenshot exists, is not empty and is a PNG
png() { [ -s "$WORK/$1.png" ] && file "$WORK/$1.png" | grep -q 'PNG image data'; }

# got PATH: the access log shows "GET PATH" answered 200
got() { grep -q "\"GET $1 HTTP/1\\.[01]\" 200 " "$WORK/python.log"; }

# all_subresources: every one of the NSUB stylesheets and images was a 200
all_subresources() {
	local i p n=0
	for ((i = 0; i < NSUB; i++)); do
		if ((i % 2 == 0)); then p=/s$i.css; else p=/i$i.png; fi
		got "$p" && n=$((n + 1)) || log "no 200 for GET $p"
	done
	log "$n of $NSUB subresources served with 200"
	[ $n -eq $NSUB ]
}

# ge A B: A >= B (both integers)
ge() { [ "$1" -ge "$2" ]; }

opens0=$(stat_of tcp.passive_opens)
check "firefox --headless --screenshot hello.html exits 0 within 60 s" \
	firefox hello http://192.168.1.2/hello.html
check "firefox: screenshot of hello.html is a non-empty PNG" png hello
check "python access log: GET /hello.html 200" got /hello.html
opens1=$(stat_of tcp.passive_opens)
log "tcp.passive_opens $opens0 -> $opens1"
check "aetherd: firefox's load added >= 1 tcp.passive_opens" ge "$opens1" $((opens0 + 1))

check "firefox --headless --screenshot many.html ($NSUB subresources) exits 0" \
	firefox many http://192.168.1.2/many.html
check "firefox: screenshot of many.html is a non-empty PNG" png many
check "python access log: GET /many.html 200" got /many.html
check "python access log: all $NSUB subresources GET ... 200" all_subresources
# max_overlap: the most TCP connections to port 80 open at one time in the
# daemon's capture (each connection spans its first to its last frame)
max_overlap() {
	tshark -r "$WORK/aether.pcap" -Y 'tcp.port == 80' -T fields \
		-e tcp.stream -e frame.time_relative 2>/dev/null | awk '
		!($1 in first) { first[$1] = $2 } { last[$1] = $2 }
		END {
			for (s in first) { print first[s], 1; print last[s], -1 }
		}' | sort -k1,1g -k2,2n | awk '
		{ n += $2; if (n > m) m = n } END { print m + 0 }'
}
# parallel: Firefox had several connections open at once
parallel() {
	local m
	m=$(max_overlap)
	log "at most $m connections to port 80 open at once"
	[ "$m" -ge 2 ]
}
check "aetherd capture: firefox held >= 2 connections open at once" parallel
opens2=$(stat_of tcp.passive_opens)
log "tcp.passive_opens $opens1 -> $opens2"
check "aetherd: many.html load added >= 1 tcp.passive_opens" ge "$opens2" $((opens1 + 1))

stop "$PYPID"
finish
