#!/bin/bash
# Set-up: generates the log files the task works on.
mkdir -p logs
printf '2024-01-01 ERROR api timeout\n2024-01-01 INFO api ok\n2024-01-02 ERROR db down\n' > logs/a.log
printf '2024-01-03 ERROR api crash\n2024-01-03 WARN db slow\n2024-01-04 ERROR web 500\n' > logs/b.log
