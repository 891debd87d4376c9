#!/usr/bin/env bash
# The daemons' JSON API (docs/api.md) on xpan-iod's control socket, with a
# raw client: results as `xpan ... -j` prints them; an unknown verb, bad
# JSON, a bad argument, an over-long and a slow request each get an error
# object with their code and change nothing; the line form of the
# previous release still works; `xpan`'s text comes from the same JSON.
. "$(dirname "$0")/iod_lib.sh"
XPAN=$ROOT/build/xpan
need python3 jq "$IOD" "$XPAN"
write_config
iod_start "$T/xpan.yaml"

# jreq JSON: one raw request, prints the reply
jreq()
{
	printf '%s\n' "$1" | ctl_raw
}

# code_is WHAT REPLY CODE
code_is()
{
	local got
	got=$(jq -r 'select(.ok == false) | .error.code' <<<"$2" 2>/dev/null)
	[ "$got" = "$3" ] || fail "$1: want error $3, got: $2"
	echo "$1: $3: $(jq -r .error.message <<<"$2")"
}

out=$(jreq '{"verb":"storage luns"}')
[ "$(jq -c .result <<<"$out")" = "$("$XPAN" storage luns -j -S "$T/iod.sock")" ] ||
	fail "raw result and xpan storage luns -j differ: $out"
jq -e '.ok == true and (.result.luns | length) == 5' <<<"$out" >/dev/null ||
	fail "storage luns: $out"

code_is "unknown verb" "$(jreq '{"verb":"show clusters"}')" unknown_verb
code_is "bad JSON" "$(jreq '{"verb":"storage luns"')" bad_request
code_is "not an object" "$(jreq '{"verb":["storage luns"]}')" bad_request
code_is "missing argument" "$(jreq '{"verb":"storage move","args":{"node":"n2"}}')" bad_request
code_is "unknown argument" \
	"$(jreq '{"verb":"storage move","args":{"node":"n2","initiator":"'$IQN':spare","now":true}}')" bad_request
req='{"verb":"storage move","args":{"node":"n2","initiator":"'$IQN':spare"}}'
out=$({ printf '%s' "$req"; printf '%*s' 4200 ''; printf '\n'; } | ctl_raw)
code_is "over-long" "$out" too_long
printf '{"verb":"stor' | ctl_raw sent >"$T/slow.out" 2>&1 &
SLOW=$!
bg_track $SLOW
wait_until 50 grep -qs '^sent' "$T/slow.out" || fail "slow client did not start"
jreq '{"verb":"storage stats"}' | jq -e .ok >/dev/null ||
	fail "another client waited for the slow one"
wait "$SLOW"
code_is "slow" "$(tail -n +2 "$T/slow.out")" timeout
jq -e '.luns[] | select(.node == "n2") | .initiators == ["'$IQN':n2"]' \
	<<<"$("$XPAN" storage luns -j -S "$T/iod.sock")" >/dev/null ||
	fail "a refused request changed n2's initiators"

# the line form of the previous release
out=$(ctl "storage luns -j")
[ "${out%%$'\n'*}" = ok ] || fail "line form: $out"
[ "$(tail -n +2 <<<"$out")" = "$("$XPAN" storage luns -j -S "$T/iod.sock")" ] ||
	fail "line form -j and xpan -j differ: $out"
[ "$(ctl "storage luns" | tail -n +2)" = "$("$XPAN" storage luns -S "$T/iod.sock")" ] ||
	fail "line form text and xpan's text differ"

# xpan's text from the JSON, and a move through the JSON form
"$XPAN" storage luns -S "$T/iod.sock" | grep -Eq "^n2 +0 +$T/san/disk1.img" ||
	fail "xpan storage luns text: $("$XPAN" storage luns -S "$T/iod.sock")"
out=$(jreq "$req")
jq -e '.result == {"node":"n2","initiator":"'$IQN':spare","closed":0}' <<<"$out" >/dev/null ||
	fail "move: $out"
echo ok
