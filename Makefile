# Build, run and test the async Raspberry Pi kernel. `make help` lists targets.
#
#   make qemu [BSP=rpi3|rpi4]   build and boot in QEMU (console on this terminal)
#   make test                   host tests + every QEMU test kernel on both boards
#
# Missing tools (Rust target/components, QEMU with raspi4b, gdb-multiarch) are
# installed by tools/setup.sh, which every target below calls first.

BSP     ?= rpi4
PROFILE ?= release
BOARDS  := rpi3 rpi4

ifeq ($(filter $(BSP),$(BOARDS)),)
$(error BSP must be one of: $(BOARDS) (got '$(BSP)'))
endif
ifeq ($(filter $(PROFILE),release dev),)
$(error PROFILE must be release or dev (got '$(PROFILE)'))
endif

CARGO        ?= cargo
TARGET       := aarch64-unknown-none
PROFILE_DIR  := $(if $(filter dev,$(PROFILE)),debug,release)
KERNEL_ELF   := target/$(BSP)/$(TARGET)/$(PROFILE_DIR)/kernel
KERNEL_IMG   := target/$(BSP)/kernel8.img
RUNNER       := target/tools/release/qemu-runner
CHAINBOOT    := target/tools/release/chainboot
LOADER_ELF   := target/$(BSP)/$(TARGET)/release/chainloader
LOADER_IMG   := target/$(BSP)/chainloader.img
SDCARD_IMG   := target/$(BSP)/sdcard.img
# What goes on the card as kernel8.img: the kernel, or with CHAINLOADER=1 the
# serial chainloader (then 'make chainboot' pushes each new kernel).
ifeq ($(CHAINLOADER),1)
SD_KERNEL       := $(LOADER_IMG)
SD_KERNEL_BUILD := chainloader
else
SD_KERNEL       := $(KERNEL_IMG)
SD_KERNEL_BUILD := kernel
endif
# Serial device of a real board for 'make chainboot' (a 3.3 V USB adapter).
DEV          ?= /dev/ttyUSB0
# Size budget of the release kernel8.img (the packed image: decompressor plus
# compressed kernel), checked by `make test` for both boards.
IMAGE_BUDGET := 65536
DECOMPRESSOR_ELF := target/$(BSP)/$(TARGET)/release/decompressor
SETUP        := tools/setup.sh

# cargo for the kernel crates of one board: $(call kernel_cargo,COMMAND,BOARD)
kernel_cargo = $(CARGO) $(1) -p kernel --target $(TARGET) --target-dir target/$(2) \
	--no-default-features --features bsp-$(2)

# LLVM tools shipped with the pinned toolchain (component llvm-tools); evaluated
# lazily, after tools/setup.sh has installed the toolchain.
SYSROOT   = $(shell rustc --print sysroot)
HOST      = $(shell rustc -vV | sed -n 's/^host: //p')
LLVM_BIN  = $(SYSROOT)/lib/rustlib/$(HOST)/bin
LLVM_ENV  = LD_LIBRARY_PATH=$(SYSROOT)/lib

.PHONY: bench sdcard sdcard-files sdcard-check setup-sdcard chainloader chainboot chainboot-qemu test-chainload all kernel qemu qemu-gdb gdb gdb-attach test test-host test-kernel check-image lint clippy loom miri fuzz \
	fmt fmt-check doc objdump nm clean help setup setup-rust setup-qemu setup-gdb runner

all: kernel ## Release build for BSP: writes target/<bsp>/kernel8.img

help: ## List targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 14

setup: setup-rust setup-qemu ## Install what is missing (Rust target, QEMU >= 9)
setup-rust:
	@$(SETUP) rust
setup-qemu:
	@$(SETUP) qemu
setup-gdb:
	@$(SETUP) gdb
setup-sdcard:
	@$(SETUP) sdcard

sdcard: setup-sdcard $(SD_KERNEL_BUILD) ## SD card image for BSP: target/<bsp>/sdcard.img (CHAINLOADER=1: with the chainloader)
	@tools/sdcard.sh image $(BSP) $(SD_KERNEL) $(SDCARD_IMG)

sdcard-files: setup-sdcard $(SD_KERNEL_BUILD) ## Copy the boot files into a mounted boot partition: DIR=/media/.../boot
	@test -n "$(DIR)" || { echo "usage: make sdcard-files DIR=<mounted boot partition> [BSP=rpi3|rpi4]"; exit 2; }
	@tools/sdcard.sh files $(BSP) $(SD_KERNEL) "$(DIR)"

sdcard-check: setup-sdcard $(SD_KERNEL_BUILD) ## Check target/<bsp>/sdcard.img: every file there, kernel8.img identical to the build
	@tools/sdcard.sh check $(BSP) $(SD_KERNEL) $(SDCARD_IMG)

runner: setup-rust
	@$(CARGO) build --quiet --release -p qemu-runner -p chainboot --target-dir target/tools

# cargo for the chainloader of one board (built on its own: sharing a cargo
# invocation with the kernel would unify driver-core's features and pull an
# allocator into the loader).
loader_cargo = $(CARGO) build --release -p chainloader --target $(TARGET) --target-dir target/$(1) \
	--no-default-features --features bsp-$(1)

# cargo for the decompressor at the start of kernel8.img (its own invocation
# for the same reason).
decompressor_cargo = $(CARGO) build --release -p decompressor --target $(TARGET) --target-dir target/$(1) \
	--no-default-features --features bsp-$(1)

chainloader: setup-rust runner ## Serial chainloader for BSP: target/<bsp>/chainloader.img (goes on the SD card as kernel8.img)
	$(call loader_cargo,$(BSP))
	@$(RUNNER) image $(LOADER_ELF) $(LOADER_IMG)

chainboot: kernel ## Push kernel8.img to a board running the chainloader (DEV=/dev/ttyUSB0), then a terminal (Ctrl-] leaves)
	$(CHAINBOOT) $(DEV) $(KERNEL_IMG)

chainboot-qemu: setup-qemu chainloader kernel ## The chainloader in QEMU on a socket, chainboot pushes kernel8.img to it
	@socket=$$(mktemp -u /tmp/chainboot-XXXXXX.sock); \
	qemu_machine=$$([ $(BSP) = rpi3 ] && echo raspi3b || echo raspi4b); \
	$${QEMU:-qemu-system-aarch64} -M $$qemu_machine -display none -monitor none \
	  -chardev socket,id=serial,server=on,wait=off,path=$$socket -serial chardev:serial \
	  -kernel $(LOADER_IMG) & qemu_pid=$$!; \
	while [ ! -S $$socket ]; do sleep 0.1; kill -0 $$qemu_pid 2>/dev/null || exit 1; done; \
	$(CHAINBOOT) unix:$$socket $(KERNEL_IMG); status=$$?; \
	kill $$qemu_pid 2>/dev/null; wait $$qemu_pid 2>/dev/null; rm -f $$socket; exit $$status

kernel: setup-rust runner
	$(call kernel_cargo,build,$(BSP)) $(if $(filter release,$(PROFILE)),--release)
	@$(call decompressor_cargo,$(BSP)) --quiet
	@$(RUNNER) image $(KERNEL_ELF) $(KERNEL_IMG) --packed $(DECOMPRESSOR_ELF)

qemu: setup-qemu kernel ## Boot kernel8.img in QEMU; Ctrl-A X quits
	@$(RUNNER) run --image $(KERNEL_IMG) $(KERNEL_ELF)

qemu-gdb: setup-qemu kernel ## Boot in QEMU halted, waiting for 'make gdb-attach'
	@$(RUNNER) run --gdb $(KERNEL_ELF)

gdb: setup-qemu setup-gdb kernel ## QEMU in the background (console: target/<bsp>/console.log) + gdb-multiarch
	@rm -f target/$(BSP)/console.log
	@$(RUNNER) run --gdb --console target/$(BSP)/console.log $(KERNEL_ELF) & \
	qemu_pid=$$!; \
	gdb-multiarch -q -ex 'target remote localhost:1234' $(KERNEL_ELF); \
	kill $$qemu_pid 2>/dev/null; wait $$qemu_pid 2>/dev/null; true

gdb-attach: setup-gdb ## Attach gdb-multiarch to a running 'make qemu-gdb'
	gdb-multiarch -q -ex 'target remote localhost:1234' $(KERNEL_ELF)

test: setup runner test-host ## Host tests, QEMU test kernels and the chainloader on both boards, image budget
	@$(MAKE) --no-print-directory test-kernel TEST_BOARDS="$(BOARDS)"
	@$(MAKE) --no-print-directory test-chainload TEST_BOARDS="$(BOARDS)"
	@$(MAKE) --no-print-directory check-image TEST_BOARDS="$(BOARDS)"

test-chainload: setup runner ## Chainloader in QEMU for TEST_BOARDS: refusals, then chainboot pushes the kernel
	@for board in $(TEST_BOARDS); do \
	  echo "==> chainloader test: $$board"; \
	  $(call loader_cargo,$$board) --quiet || exit 1; \
	  $(call kernel_cargo,build,$$board) --release --quiet || exit 1; \
	  $(call decompressor_cargo,$$board) --quiet || exit 1; \
	  $(RUNNER) image target/$$board/$(TARGET)/release/kernel target/$$board/kernel8.img \
	    --packed target/$$board/$(TARGET)/release/decompressor >/dev/null || exit 1; \
	  $(RUNNER) chainload target/$$board/$(TARGET)/release/chainloader target/$$board/kernel8.img \
	    --tool $(CHAINBOOT) || exit 1; \
	done

check-image: setup-qemu runner ## Release kernel8.img of TEST_BOARDS: packed within 64 KiB, boots, a damaged copy is refused
	@for board in $(TEST_BOARDS); do \
	  echo "==> kernel8.img: $$board"; \
	  $(call kernel_cargo,build,$$board) --release --quiet || exit 1; \
	  $(call decompressor_cargo,$$board) --quiet || exit 1; \
	  $(RUNNER) image target/$$board/$(TARGET)/release/kernel target/$$board/kernel8.img \
	    --packed target/$$board/$(TARGET)/release/decompressor --max-size $(IMAGE_BUDGET) || exit 1; \
	  $(RUNNER) boot-image target/$$board/$(TARGET)/release/kernel target/$$board/kernel8.img || exit 1; \
	done

test-host: setup-rust ## Unit tests of the portable crates on this machine
	$(CARGO) test

TEST_BOARDS ?= $(BSP)
# Each board's test kernels run three times: dev and release profiles with
# QEMU's 62.5 MHz generic timer, then dev with the board's own counter
# frequency (19.2 MHz on a Pi 3, 54 MHz on a Pi 4), so no time conversion can
# quietly assume QEMU's rate.
test-kernel: setup runner ## QEMU test kernels for TEST_BOARDS (default: BSP), debug and release, QEMU's and the board's timer rate
	@status=0; \
	for board in $(TEST_BOARDS); do \
	  for profile in dev release board-counter; do \
	    echo "==> QEMU tests: $$board, $$profile"; \
	    QEMU_COUNTER_HZ=$$( [ $$profile = board-counter ] && echo board || echo qemu ) \
	    $(call kernel_cargo,test,$$board) --no-fail-fast \
	      $$( [ $$profile = release ] && echo --release ) || status=1; \
	  done; \
	done; \
	if [ $$status -ne 0 ]; then echo "==> some QEMU tests FAILED (see above)"; fi; \
	exit $$status

BENCH_DIR := target/bench
# FIGURE lines (name value unit) of a run -> CSV rows for system kernel-BOARD.
figures_csv = awk -v sys=kernel-$(1) '$$1 == "FIGURE" { print $$2 "," sys "," $$3 "," $$4 }'
bench: setup-rust setup-qemu runner ## Host benchmarks vs tokio, smol, futures, embassy + in-kernel figures (QEMU icount): target/bench/results.csv, report.md, chart.svg
	@mkdir -p $(BENCH_DIR)
	$(CARGO) bench -p bench --bench executors
	$(CARGO) run --release -q -p bench --bin bytes_per_task > $(BENCH_DIR)/bytes_per_task.csv
	@for board in $(BOARDS); do \
	  echo "==> in-kernel figures: $$board"; \
	  QEMU_RUNNER_VERBOSE=1 $(call kernel_cargo,test,$$board) --release --test figures \
	    > $(BENCH_DIR)/figures-$$board.log 2>&1 || { cat $(BENCH_DIR)/figures-$$board.log; exit 1; }; \
	  $(call figures_csv,$$board) $(BENCH_DIR)/figures-$$board.log > $(BENCH_DIR)/kernel-$$board.csv; \
	  $(call kernel_cargo,build,$$board) --release --quiet || exit 1; \
	  $(call decompressor_cargo,$$board) --quiet || exit 1; \
	  $(RUNNER) image target/$$board/$(TARGET)/release/kernel target/$$board/kernel8.img \
	    --packed target/$$board/$(TARGET)/release/decompressor > /dev/null || exit 1; \
	  $(RUNNER) boot-image --figures target/$$board/$(TARGET)/release/kernel target/$$board/kernel8.img \
	    | $(call figures_csv,$$board) >> $(BENCH_DIR)/kernel-$$board.csv; \
	  test "$$(wc -l < $(BENCH_DIR)/kernel-$$board.csv)" -ge 10 || { echo "missing figures for $$board"; exit 1; }; \
	  cat $(BENCH_DIR)/kernel-$$board.csv; \
	done
	$(CARGO) run --release -q -p bench --bin report -- target/criterion $(BENCH_DIR) \
	  $(BENCH_DIR)/bytes_per_task.csv $(foreach board,$(BOARDS),$(BENCH_DIR)/kernel-$(board).csv)
	@echo "report: $(BENCH_DIR)/report.md"

loom: setup-rust ## Loom models of the executor's lock-free core and the sync primitives
	RUSTFLAGS="--cfg loom" $(CARGO) test -p async-core --lib --release --target-dir target/loom loom

miri: ## The portable test suites under Miri (nightly toolchain + miri component)
	@$(SETUP) miri
	MIRIFLAGS="-Zmiri-strict-provenance" $(CARGO) +nightly miri test -p async-core -p driver-core -p hw-formats -p shell-core \
		--target-dir target/miri

FUZZ_TIME    ?= 300
# crate directory (under lib/) : fuzz target
FUZZ_TARGETS := shell-core:editor shell-core:shell_input packed-image:inflate
fuzz: ## Fuzz the shell's editor and parser and the kernel decompressor's decoder, FUZZ_TIME seconds per target (nightly + cargo-fuzz)
	@$(SETUP) fuzz
	@for entry in $(FUZZ_TARGETS); do \
	  crate=$${entry%%:*}; target=$${entry#*:}; \
	  echo "==> fuzzing $$crate $$target for $(FUZZ_TIME) s"; \
	  (cd lib/$$crate/fuzz && $(CARGO) +nightly fuzz run $$target -- -max_total_time=$(FUZZ_TIME)) || exit 1; \
	done

lint: fmt-check clippy ## rustfmt check + clippy -D warnings

clippy: setup-rust ## clippy -D warnings: host crates and the kernel for both boards
	$(CARGO) clippy --all-targets -- -D warnings
	$(CARGO) clippy -p bench --all-targets -- -D warnings
	@for board in $(BOARDS); do \
	  $(call kernel_cargo,clippy,$$board) -p boot -p soc --all-targets -- -D warnings || exit 1; \
	  $(CARGO) clippy -p chainloader --target $(TARGET) --target-dir target/$$board \
	    --no-default-features --features bsp-$$board -- -D warnings || exit 1; \
	  $(CARGO) clippy -p decompressor --target $(TARGET) --target-dir target/$$board \
	    --no-default-features --features bsp-$$board -- -D warnings || exit 1; \
	done

fmt: setup-rust ## Format all code
	$(CARGO) fmt --all

fmt-check: setup-rust
	$(CARGO) fmt --all --check

doc: setup-rust ## API docs: target/<bsp>/aarch64-unknown-none/doc/kernel/index.html
	$(call kernel_cargo,doc,$(BSP)) -p boot -p soc --no-deps
	$(CARGO) doc --no-deps -p hw-formats -p qemu-runner
	@echo "kernel docs: target/$(BSP)/$(TARGET)/doc/kernel/index.html"
	@echo "host docs:   target/doc/hw_formats/index.html"

objdump: kernel ## Disassemble the kernel ELF
	@$(LLVM_ENV) $(LLVM_BIN)/llvm-objdump --disassemble --demangle --print-imm-hex \
		--section .text $(KERNEL_ELF)

nm: kernel ## Kernel symbols, sorted by address, with sizes
	@$(LLVM_ENV) $(LLVM_BIN)/llvm-nm --demangle --print-size --numeric-sort $(KERNEL_ELF)

clean: ## Remove every build output (target/)
	$(CARGO) clean
