#!/bin/bash
# Verifier: runs in the workspace after the agent has stopped; the reward stays 0 unless
# every check below passes (set -e stops at the first failing one).
mkdir -p /logs/verifier
echo 0 >/logs/verifier/reward.txt
set -e
printf 'mail bob.smith@example.org or ann@x.com\nann@x.com again; Zed_9@Mail.co.uk.\n' > /tmp/e.txt
test "$(bash emails.sh /tmp/e.txt)" = "$(printf 'Zed_9@Mail.co.uk\nann@x.com\nbob.smith@example.org')"
echo 1 >/logs/verifier/reward.txt
