#!/bin/sh
# Sitting s2: s1 with holdconn as landed (492454e). Under the machine lock.
HC=./holdconn.492454e TAG=s2 exec sh "$(dirname "$0")/s1.sh"
