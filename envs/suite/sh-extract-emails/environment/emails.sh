#!/bin/bash
grep -o '[a-z]*@[a-z]*\.com' "$1" | sort
