# Thin wrapper over CMake (STYLE.md): run, data, test, bench. See README.md.
SHELL := /bin/bash
BUILD ?= build
ASAN_BUILD ?= build-asan
DB ?= var/yanan.sqlite
PORT ?= 8080
JOBS ?= $(shell nproc)

# Debian 12 packages the build, the demo and the tests need.
DEPS := cmake pkg-config gcc make clang libclang-rt-14-dev \
        libsqlite3-dev libspatialite-dev libsqlite3-mod-spatialite \
        libgdal-dev gdal-bin libproj-dev proj-bin libmicrohttpd-dev libcjson-dev \
        libcmocka-dev zlib1g-dev libglpk-dev python3 python3-gdal python3-owslib python3-pyproj curl \
        clang-format pmccabe
DEPS += libsodium-dev
# Only the tests' clients need these (a headless browser for MapLibre; node and the npm
# clients below): `make run` goes without them.
TEST_DEPS := chromium

.PHONY: all deps test-deps build data run test test-unit test-asan lint fuzz bench format clean

all: build

# Installs the Debian packages in $(1) that are missing.
define apt_install
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
	    | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "installing:" $$missing; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

deps:
	$(call apt_install,$(DEPS))

test-deps:
	$(call apt_install,$(TEST_DEPS))
	@command -v npm >/dev/null || (apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm)
	@cmp -s tests/js/package-lock.json tests/js/node_modules/.civgis-lock || \
	    (npm ci --prefix tests/js --no-audit --no-fund && \
	     cp tests/js/package-lock.json tests/js/node_modules/.civgis-lock)

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

$(DB): $(BUILD)/civgis data/load.sh $(wildcard data/shapefiles/*)
	mkdir -p $(dir $(DB))
	rm -f $(DB).tmp $(DB).tmp-wal $(DB).tmp-shm
	data/load.sh $(BUILD)/civgis $(DB).tmp
	mv $(DB).tmp $(DB)
	rm -f $(DB)-wal $(DB)-shm

data: build
	@$(MAKE) --no-print-directory $(DB)

run: data
	$(BUILD)/civgis serve --db $(DB) --port $(PORT)

test: build test-deps
	@$(MAKE) --no-print-directory lint
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)
	@$(MAKE) --no-print-directory test-asan

test-asan: deps test-deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=gcc \
	    -DGIS_SANITIZE=address,undefined >/dev/null
	cmake --build $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    ctest --output-on-failure -j$(JOBS)

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -L unit

# libFuzzer (clang) over each harness for FUZZ_SECONDS, starting from the checked-in
# corpus; new inputs land in build-fuzz/corpus/ (copy the interesting ones into tests/).
FUZZ_SECONDS ?= 60
fuzz: deps
	cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
	    -DGIS_FUZZ=ON -DGIS_SANITIZE=address,undefined >/dev/null
	cmake --build build-fuzz -j$(JOBS)
	for t in division_code json_escape import cql2_text cql2_json wkb params tile site_input; do \
	    mkdir -p build-fuzz/corpus/$$t; \
	    ASAN_OPTIONS=detect_leaks=1 \
	    LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	    build-fuzz/tests/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	        build-fuzz/corpus/$$t tests/fuzz/corpus/$$t || exit 1; \
	done

# House-style gates (STYLE.md): formatting, complexity <= 15, no unbounded string calls.
C_SOURCES = $$(git ls-files '*.c' '*.h')
lint: deps
	clang-format --dry-run -Werror $(C_SOURCES)
	@pmccabe $$(git ls-files '*.c') | awk '$$1 > 15 { print "complexity " $$1 ": " $$6; bad = 1 } \
	    END { exit bad }'
	@! git grep -nE '\b(sprintf|strcpy|strcat|gets|strtok|atoi|atof)\s*\(' -- '*.c' '*.h' \
	    || (echo "unbounded or unchecked string calls (STYLE.md section 8)"; exit 1)
	@echo "lint: ok"

bench: build
	bash bench/run.sh $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz
