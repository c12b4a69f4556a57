#!/bin/bash
cat logs/a.log | grep ERROR | awk '{print $2}' | uniq -c
