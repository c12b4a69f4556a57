#!/bin/bash
# Reference solution: run in the workspace; never shown to the agent.
set -e
sed -i 's/\[\.\.\.new Set(list)\]\.sort()/[...new Set(list)]/' list.js
