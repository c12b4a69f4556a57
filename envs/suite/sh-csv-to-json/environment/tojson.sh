#!/bin/bash
awk -F, '{ printf "{\"name\":%s,\"age\":\"%s\"}\n", $1, $2 }' people.csv
