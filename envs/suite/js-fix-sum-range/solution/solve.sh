#!/bin/bash
# Reference solution: run in the workspace; never shown to the agent.
set -e
sed -i 's/i < b/i <= b/' range.js
