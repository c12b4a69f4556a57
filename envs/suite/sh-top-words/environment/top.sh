#!/bin/bash
tr -cs 'A-Za-z' '\n' < "$1" | tr 'A-Z' 'a-z' | uniq -c | sort -rn | head -3 | awk '{print $1, $2}'
