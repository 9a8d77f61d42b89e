#!/bin/bash
# The fast part of the CPython referee: test_socket, test_selectors,
# test_epoll and test_poll from Debian's libpython3.11-testsuite, run by
# /usr/bin/python3 on the kernel and under LD_PRELOAD on Aether, compared
# case by case (tests/conformance/cpython.sh; `make conformance` runs every
# module). One check a module: no case passes on the kernel and fails on
# Aether unless tests/conformance/cpython-known.txt lists it.
exec bash "$(dirname "$0")/../conformance/cpython.sh" --fast
