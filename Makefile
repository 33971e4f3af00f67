# leadd: the two commands a fresh machine needs are `make run` and `make test`.
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEBIAN_PACKAGES := libyaml-dev libsqlite3-dev pkg-config
# What the tests use besides: a real systemd, and util-linux and procps to boot it in namespaces.
TEST_PACKAGES := systemd util-linux procps python3-junitparser chromium

.PHONY: all deps build release release-flags run test bench lint format clean install install-files uninstall

# Where `make install` puts things (DESTDIR for staging, as usual).
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
SYSCONFDIR ?= /etc
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
DOCDIR ?= $(PREFIX)/share/doc/leadd
# The binary to install; `make install` builds it first.
BIN ?= .build/release/leadd
# Release builds link Swift's runtime and Foundation into the binary: it runs on a machine without a Swift
# toolchain, and calls the runtime (reference counts, allocation) directly rather than through a shared library's
# stubs, which makes the daemon about 5% cheaper per lead (bench/RESULTS.md, 2026-12-03).
RELEASE := -c release --static-swift-stdlib
# They are also profile-guided (LLVM's IR-level PGO): an instrumented build in .build/pgo/instrumented runs a training
# workload (bench/pgo-train.sh: the daemon, replay, scoring and parsing on synthetic leads), and the release build is
# optimized with the execution counts it wrote, in .build/pgo/leadd.profdata (branch layout, inlining, hot and cold
# code). Evaluation runs about a quarter faster (bench/RESULTS.md, 2026-12-03). It costs a second build, about four
# minutes on two cores. PGO=0 builds without it, as does a toolchain without LLVM's profile runtime.
PGO ?= 1
SWIFT_BIN := $(shell dirname "$$(readlink -f "$$(command -v $(SWIFT))")")
LLVM_PROFDATA ?= $(SWIFT_BIN)/llvm-profdata
PROFILE_RUNTIME ?= $(firstword $(wildcard $(SWIFT_BIN)/../lib/clang/*/lib/linux/libclang_rt.profile-$(shell uname -m).a))
PROFILE := .build/pgo/leadd.profdata
INSTRUMENTED := -c release --scratch-path .build/pgo/instrumented -Xswiftc -Xfrontend -Xswiftc -ir-profile-generate \
	-Xlinker $(PROFILE_RUNTIME) -Xlinker -u__llvm_profile_runtime
ifeq ($(PROFILE_RUNTIME),)
PGO := 0
endif
ifeq ($(wildcard $(LLVM_PROFDATA)),)
PGO := 0
endif
# With the profile, LLVM lays each function's blocks out by the ext-TSP model of its measured branch counts rather than
# by its default's chains: about 10% more for evaluation in alternating runs (bench/RESULTS.md).
ifeq ($(PGO),1)
RELEASE += -Xswiftc -Xfrontend -Xswiftc -ir-profile-use=$(abspath $(PROFILE)) \
	-Xswiftc -Xllvm -Xswiftc -enable-ext-tsp-block-placement
RELEASE_PROFILE := $(PROFILE)
endif
# What the profile is made from: it is made again when any of them changes (not when the rules do: an operator's
# edit changes which rules fire, not which code is hot).
PROFILE_INPUTS := Package.swift bench/pgo-train.sh $(shell find Sources bench/Sources -type f)

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
run: deps release-flags
	$(SWIFT) build $(RELEASE) --product leadd
	.build/release/leadd run --spool var/spool --state var/state --rules rules

# Builds and runs the whole test suite (Swift Testing).
test: deps
	@if [ ! -x /lib/systemd/systemd ] || ! command -v nsenter unshare prlimit setpriv pgrep chromium >/dev/null \
		|| ! /usr/bin/python3 -c 'import junitparser' 2>/dev/null; then \
		echo "make: installing $(TEST_PACKAGES)"; \
		$(SUDO) apt-get update && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends $(TEST_PACKAGES); \
	fi
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-xctest

# Release build, then every speed and memory figure (see bench/README.md). Valgrind counts assignment's instructions.
bench: deps release-flags
	@if ! command -v valgrind >/dev/null || ! command -v objcopy >/dev/null; then \
		echo "make: installing valgrind and binutils (the bench's instruction counts)"; \
		$(SUDO) apt-get update && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends valgrind binutils; \
	fi
	$(SWIFT) build $(RELEASE) --product leadd-bench
	$(SWIFT) build $(RELEASE) --product leadd
	cc -O2 -Wall -o .build/file-cycle bench/c/file-cycle.c
	.build/release/leadd-bench --leadd .build/release/leadd --file-cycle .build/file-cycle

release: deps release-flags
	$(SWIFT) build $(RELEASE) --product leadd

# The profile of the profile-guided release build: the instrumented build, then its training run.
$(PROFILE): $(PROFILE_INPUTS) | deps
	$(SWIFT) build $(INSTRUMENTED) --product leadd-bench
	$(SWIFT) build $(INSTRUMENTED) --product leadd
	bench/pgo-train.sh .build/pgo/instrumented/release $(LLVM_PROFDATA) $@

# SwiftPM compiles a module again when its sources change, not when its flags or the profile do: objects compiled
# with an older profile, or without one (PGO=0), would stay beside the new ones. So the optimized build is removed
# whenever the flags differ from the last release build's (kept in .build/release-flags) or the profile is newer.
release-flags: $(RELEASE_PROFILE)
	@mkdir -p .build
	@if [ "$$(cat .build/release-flags 2>/dev/null)" != "$(RELEASE)" ] \
		|| { [ -n "$(RELEASE_PROFILE)" ] && [ "$(RELEASE_PROFILE)" -nt .build/release-flags ]; }; then \
		echo "make: the release build's flags or profile changed: compiling all of it again"; \
		rm -rf .build/$(shell uname -m)-unknown-linux-gnu/release; \
		echo "$(RELEASE)" > .build/release-flags; \
	fi

# Installs the release binary, the systemd unit, sysusers and tmpfiles files, a default /etc/leadd/leadd.yaml and the
# shipped rules (an admin's existing copies are never overwritten), and the docs. Then: systemctl daemon-reload,
# systemd-sysusers, systemd-tmpfiles --create, systemctl enable --now leadd (README.md, "Operations").
install: release install-files

install-files:
	install -D -m 755 $(BIN) $(DESTDIR)$(BINDIR)/leadd
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(DOCDIR)/docs
	sed -e 's|/usr/local/bin/leadd|$(BINDIR)/leadd|g' -e 's|/usr/local/share/doc/leadd|$(DOCDIR)|g' \
		-e 's|/etc/leadd|$(SYSCONFDIR)/leadd|g' systemd/leadd.service > $(DESTDIR)$(UNITDIR)/leadd.service
	chmod 644 $(DESTDIR)$(UNITDIR)/leadd.service
	install -m 644 systemd/leadd.sysusers $(DESTDIR)$(SYSUSERSDIR)/leadd.conf
	install -m 644 systemd/leadd.tmpfiles $(DESTDIR)$(TMPFILESDIR)/leadd.conf
	install -m 644 README.md $(DESTDIR)$(DOCDIR)/README.md
	install -m 644 docs/*.md $(DESTDIR)$(DOCDIR)/docs/
	install -d $(DESTDIR)$(SYSCONFDIR)/leadd
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/leadd/leadd.yaml ]; then \
		install -m 644 systemd/leadd.yaml $(DESTDIR)$(SYSCONFDIR)/leadd/leadd.yaml.dist; \
		echo "make: kept your $(SYSCONFDIR)/leadd/leadd.yaml; the shipped one is leadd.yaml.dist beside it"; \
	else install -m 644 systemd/leadd.yaml $(DESTDIR)$(SYSCONFDIR)/leadd/leadd.yaml; fi
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/leadd/rules ]; then \
		rm -rf $(DESTDIR)$(SYSCONFDIR)/leadd/rules.dist && cp -R rules $(DESTDIR)$(SYSCONFDIR)/leadd/rules.dist; \
		echo "make: kept your $(SYSCONFDIR)/leadd/rules; the shipped rules are in rules.dist beside them"; \
	else cp -R rules $(DESTDIR)$(SYSCONFDIR)/leadd/rules; fi
	chmod -R u=rwX,go=rX $(DESTDIR)$(SYSCONFDIR)/leadd

# Removes what `make install` put in place, except the configuration, the rules, the state and the spool: data.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/leadd $(DESTDIR)$(UNITDIR)/leadd.service $(DESTDIR)$(SYSUSERSDIR)/leadd.conf \
		$(DESTDIR)$(TMPFILESDIR)/leadd.conf
	rm -rf $(DESTDIR)$(DOCDIR) $(DESTDIR)$(SYSCONFDIR)/leadd/rules.dist $(DESTDIR)$(SYSCONFDIR)/leadd/leadd.yaml.dist
	@echo "make: left $(SYSCONFDIR)/leadd, /var/lib/leadd and /var/spool/leadd in place (your settings, rules and data)"

lint:
	$(SWIFT) format lint --strict --recursive Package.swift Sources Tests bench

format:
	$(SWIFT) format --in-place --recursive Package.swift Sources Tests bench

clean:
	rm -rf .build
