# Laurel — the two commands.  `make run` serves the demo; `make test` passes every test.
# Meson + Ninja do the building; this file only installs, configures and dispatches.

PORT ?= 8080
DATA ?= ./data
SEED ?= 2019
BUILD ?= build

.PHONY: all deps run test bench clean

all: $(BUILD)/laurel

deps:
	@scripts/deps.sh build

$(BUILD)/build.ninja:
	@scripts/deps.sh build
	meson setup $(BUILD) --buildtype=release -Db_ndebug=true

$(BUILD)/laurel: $(BUILD)/build.ninja FORCE
	ninja -C $(BUILD)

run: $(BUILD)/laurel
	@test -d "$(DATA)" || $(BUILD)/laurel demo --data "$(DATA)" --seed $(SEED)
	$(BUILD)/laurel serve --data "$(DATA)" --listen 127.0.0.1:$(PORT)

test:
	@scripts/deps.sh test
	tests/run.sh

bench:
	@scripts/deps.sh bench
	$(MAKE) $(BUILD)/laurel
	bench/run.sh

clean:
	rm -rf build build-asan build-fuzz tests/browser/node_modules tests/browser/out

FORCE:
