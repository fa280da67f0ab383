# Laurel — the two commands.  `make run` serves the demo; `make test` passes every test.
# Meson + Ninja do the building; this file only installs, configures and dispatches.

PORT ?= 8080
DATA ?= ./data
SEED ?= 2019

.PHONY: all deps run test bench clean fuzz

all: build/laurel

deps:
	@scripts/deps.sh build

build/build.ninja:
	@scripts/deps.sh build
	meson setup build --buildtype=release -Db_ndebug=true

build/laurel: build/build.ninja FORCE
	ninja -C build

run: build/laurel
	@test -d "$(DATA)" || build/laurel demo --data "$(DATA)" --seed $(SEED)
	build/laurel serve --data "$(DATA)" --listen 127.0.0.1:$(PORT)

test:
	@scripts/deps.sh test
	tests/run.sh

bench:
	@scripts/deps.sh bench
	$(MAKE) build/laurel
	bench/run.sh

clean:
	rm -rf build build-asan build-fuzz tests/browser/node_modules tests/browser/out

FORCE:
