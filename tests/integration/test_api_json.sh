#!/usr/bin/env bash
# xpan-ctrld's JSON API (docs/api.md) with a raw client on its socket:
# results are what `xpan ... -j` prints; an unknown verb, bad JSON, an
# unknown member, an argument to a verb that takes none, an over-long and
# a slow request each get an error object with their code, the slow one
# holds up no other client, and nothing changes (no reload ran: the
# running config stays); the previous release's line form still answers.
. "$(dirname "$0")/../lib/netns.sh"

# api_raw WHAT: sends WHAT (printf %b) and prints the whole answer.
api_raw()
{
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
out = b""
while True:
    try:
        b = s.recv(65536)
    except ConnectionResetError:
        break
    if not b:
        break
    out += b
sys.stdout.write(out.decode(errors="replace"))
' "$XIT_SOCK" "$1"
}

code_of()
{
	jq -r 'if .ok == false then .error.code else "ok" end' 2>/dev/null <<<"$1"
}

xit_platform_up tc
serial0=$(xit_xpan status -j | jq -r '.ctrld.status' | sed -n 's/^serial: *//p')

out=$(api_raw '{"verb":"show nodes"}\n')
xit_expect_eq "show nodes: the raw result is what xpan show nodes -j prints" \
	"$(jq -c .result <<<"$out")" "$(xit_xpan show nodes -j)"
xit_expect_eq "show vlans: ok" "$(code_of "$(api_raw '{"verb":"show vlans","args":{}}\n')")" ok

# A config that would change the platform: a request that slips through
# as reload would apply it.
sed -i "s/serial: $serial0/serial: $((serial0 + 1))/" "$XIT_CFG"
xit_expect_eq "unknown verb" "$(code_of "$(api_raw '{"verb":"show clusters"}\n')")" unknown_verb
xit_expect_eq "bad JSON" "$(code_of "$(api_raw '{"verb":"reload"\n')")" bad_request
xit_expect_eq "unknown member" "$(code_of "$(api_raw '{"verb":"reload","now":true}\n')")" bad_request
xit_expect_eq "argument to a verb without any" \
	"$(code_of "$(api_raw '{"verb":"reload","args":{"force":true}}\n')")" bad_request
long=$(printf '{"verb":"reload"}%*s' 4200 '')
xit_expect_eq "over-long (a valid reload within its first 4096 bytes)" \
	"$(code_of "$(api_raw "$long\\n")")" too_long
api_raw '{"verb":"rel' >"$XIT_TMP/slow.out" &
slow=$!
sleep 0.3
t0=$(date +%s%N)
xit_expect_eq "another client meanwhile" "$(code_of "$(api_raw '{"verb":"status"}\n')")" ok
xit_expect_gt "...answered before the slow one's limit (ms left of 2000)" \
	$((2000 - ($(date +%s%N) - t0) / 1000000)) 1000
wait "$slow"
xit_expect_eq "slow" "$(code_of "$(cat "$XIT_TMP/slow.out")")" timeout
xit_expect_eq "nothing reloaded: the serial is the one ctrld started with" \
	"$(xit_xpan status -j | jq -r '.ctrld.status' | sed -n 's/^serial: *//p')" "$serial0"

# the line form of the previous release
out=$(api_raw 'show vlans -j\n')
xit_expect_eq "line form: ok and the same JSON" "$out" "ok
$(xit_xpan show vlans -j)"
xit_expect_eq "line form, text: what xpan prints" "$(api_raw 'show vlans\n')" "ok
$(xit_xpan show vlans)"
xit_expect_ok "reload through the JSON API applies the new serial" xit_xpan reload
xit_expect_eq "...and status shows it" \
	"$(xit_xpan status -j | jq -r '.ctrld.status' | sed -n 's/^serial: *//p')" "$((serial0 + 1))"
xit_summary
