# Reprise: `make` builds build/reprise and build/reprise-log; `make check` builds and
# tests both the normal and the --disable-replay configuration; `make run` boots the
# default guest, recording it.
BUILD ?= build
BUILD_NOREPLAY ?= build-noreplay
NINJA ?= ninja

.PHONY: all deps check check-slow run bench install clean format

all: deps $(BUILD)/build.ninja
	$(NINJA) -C $(BUILD)

deps:
	@sh scripts/install-deps.sh

$(BUILD)/build.ninja:
	./configure --builddir=$(BUILD)

$(BUILD_NOREPLAY)/build.ninja:
	./configure --builddir=$(BUILD_NOREPLAY) --disable-replay

check: all $(BUILD_NOREPLAY)/build.ninja
	$(NINJA) -C $(BUILD_NOREPLAY)
	python3 tests/run-tests.py --build $(BUILD) --build-noreplay $(BUILD_NOREPLAY)

check-slow: all $(BUILD_NOREPLAY)/build.ninja
	$(NINJA) -C $(BUILD_NOREPLAY)
	python3 tests/run-tests.py --slow --build $(BUILD) --build-noreplay $(BUILD_NOREPLAY)

run: all
	sh scripts/run-default-guest.sh $(BUILD)

bench: all
	python3 tests/bench/run-bench.py --build $(BUILD)
	python3 tests/bench/bench-linux.py --build $(BUILD)
	python3 tests/bench/bench-reverse.py --build $(BUILD)

install: all
	meson install -C $(BUILD)

format:
	clang-format -i --style=file $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(BUILD_NOREPLAY)
