#!/bin/bash
# Reference solution: run in the workspace; never shown to the agent.
set -e
sed -i 's/(\\d)(\[hms\])/(\\d+)([hms])/' duration.js
