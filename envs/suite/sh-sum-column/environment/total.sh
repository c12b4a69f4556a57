#!/bin/bash
awk '{ s += $2 } END { print s }' sales.tsv
