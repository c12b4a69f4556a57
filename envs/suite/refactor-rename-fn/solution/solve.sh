#!/bin/bash
# Reference solution: run in the workspace; never shown to the agent.
set -e
sed -i 's/\bcalc\b/computeTotal/g' cart.js report.js
