#!/usr/bin/env bash
# Runs a static program natively and under `kiln user` with the same arguments and stdin, and
# fails unless stdout and the exit status are identical.
# usage: compare_with_native.sh KILN STDIN_FILE PROGRAM [ARGS...]
# KILN_USER_FLAGS, when set, goes to `kiln user` before the program (e.g. "-cpu x86-64").
set -u
kiln="$1"; stdin_file="$2"; shift 2
native_out=$(mktemp); kiln_out=$(mktemp); kiln_err=$(mktemp)
trap 'rm -f "$native_out" "$kiln_out" "$kiln_err"' EXIT
"$@" < "$stdin_file" > "$native_out" 2>/dev/null; native_status=$?
# shellcheck disable=SC2086 # the flags are words
"$kiln" user ${KILN_USER_FLAGS:-} "$@" < "$stdin_file" > "$kiln_out" 2> "$kiln_err"; kiln_status=$?
if ! cmp -s "$native_out" "$kiln_out" || [ "$native_status" != "$kiln_status" ]; then
  echo "MISMATCH: $*"
  echo "  native: status $native_status, $(wc -c < "$native_out") bytes"
  echo "  kiln:   status $kiln_status, $(wc -c < "$kiln_out") bytes"
  diff <(head -c 2000 "$native_out") <(head -c 2000 "$kiln_out") | head -10
  grep -v "system call" "$kiln_err" | head -5
  exit 1
fi
echo "same output and status ($native_status): $*"
