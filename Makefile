# leadd: the two commands a fresh machine needs are `make run` and `make test`.
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEBIAN_PACKAGES := libyaml-dev libsqlite3-dev pkg-config

.PHONY: all deps build run test bench lint format clean

all: build

# Installs the system C libraries with apt-get when pkg-config cannot find them.
deps:
	@if ! pkg-config --exists yaml-0.1 sqlite3 2>/dev/null; then \
		echo "make: installing $(DEBIAN_PACKAGES)"; \
		$(SUDO) apt-get update && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends $(DEBIAN_PACKAGES); \
	fi

build: deps
	$(SWIFT) build

# Builds and runs the daemon on ./var with the shipped rules: drop lead files into var/spool/inbox.
run: deps
	$(SWIFT) build -c release --product leadd
	.build/release/leadd run --spool var/spool --state var/state --rules rules

# Builds and runs the whole test suite (Swift Testing).
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-xctest

# Release build, then every speed and memory figure (see bench/README.md).
bench: deps
	$(SWIFT) build -c release --product leadd-bench
	$(SWIFT) build -c release --product leadd
	cc -O2 -Wall -o .build/file-cycle bench/c/file-cycle.c
	.build/release/leadd-bench --leadd .build/release/leadd --file-cycle .build/file-cycle

lint:
	$(SWIFT) format lint --strict --recursive Package.swift Sources Tests bench

format:
	$(SWIFT) format --in-place --recursive Package.swift Sources Tests bench

clean:
	rm -rf .build
