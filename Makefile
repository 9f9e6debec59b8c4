# Thin wrapper over CMake (STYLE.md): run, data, test, bench. See README.md.
SHELL := /bin/bash
BUILD ?= build
ASAN_BUILD ?= build-asan
DB ?= var/yanan.sqlite
PORT ?= 8080
JOBS ?= $(shell nproc)
PREFIX ?= /usr/local
LOG := var/log
# (a variable: the comma would split a $(call) argument)
ASAN_CMAKE := -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=gcc -DGIS_SANITIZE=address,undefined

# Debian 12 packages the build, the demo and the tests need.
DEPS := cmake pkg-config gcc make clang libclang-rt-14-dev \
        libsqlite3-dev libspatialite-dev libsqlite3-mod-spatialite \
        libgdal-dev gdal-bin libproj-dev proj-bin libmicrohttpd-dev libcjson-dev \
        libcmocka-dev zlib1g-dev libglpk-dev libsodium-dev python3 python3-gdal python3-owslib \
        python3-pyproj curl clang-format pmccabe libicu-dev libgeos-dev $(if $(shell command -v npm),,nodejs npm)
# Only the tests' clients need these (a headless browser for MapLibre; node and the npm
# clients below): `make run` goes without them. Debian's nodejs and npm come only when no
# npm is on PATH (a Node.js from elsewhere provides npm and conflicts with Debian's).
TEST_DEPS := chromium sqlite3
# a CJK font, so the web map's screenshots show its Chinese labels
TEST_DEPS += fonts-wqy-microhei
NODE_DEPS = $(if $(shell command -v npm),,nodejs npm)

.PHONY: all deps test-deps build install data run test test-unit test-asan lint fuzz bench format \
        clean

all: build

# Installs the Debian packages in $(1) that are missing; apt's output goes to
# $(LOG)/apt.log and is shown only when apt fails.
define apt_install
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
	    | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    mkdir -p $(LOG); \
	    echo "installing $$(echo $$missing | wc -w) Debian packages (log: $(LOG)/apt.log) ..."; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    { apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; } \
	        >>$(LOG)/apt.log 2>&1 || { tail -n 30 $(LOG)/apt.log; \
	        echo "apt-get failed; see $(LOG)/apt.log"; exit 1; }; \
	fi
endef

# Runs the command $(2) with its output in the log $(1), shown (the end of it) only when
# the command fails.
define quietly
	@mkdir -p $(LOG); { $(2); } >$(1) 2>&1 || { tail -n 80 $(1); \
	    echo "failed: see $(1)"; exit 1; }
endef

deps:
	$(call apt_install,$(DEPS))

# The tests' JavaScript clients, exactly as tests/js/package-lock.json pins them (from the
# npm registry; engine-strict: each must run on Debian 12's Node.js 18).
test-deps:
	$(call apt_install,$(TEST_DEPS) $(NODE_DEPS))
	@cmp -s tests/js/package-lock.json tests/js/node_modules/.civgis-lock || { \
	    echo "installing the tests' npm clients (log: $(LOG)/npm.log) ..."; }
	@cmp -s tests/js/package-lock.json tests/js/node_modules/.civgis-lock || { \
	    mkdir -p $(LOG); (cd tests/js && npm ci) >$(LOG)/npm.log 2>&1 || { \
	        tail -n 40 $(LOG)/npm.log; echo "npm ci failed; see $(LOG)/npm.log"; exit 1; }; \
	    cp tests/js/package-lock.json tests/js/node_modules/.civgis-lock; }

build: deps
	@echo "building civgis in $(BUILD)/ (log: $(LOG)/build.log) ..."
	$(call quietly,$(LOG)/build.log,cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo && \
	    cmake --build $(BUILD) -j$(JOBS))

# civgis on PATH ($(PREFIX)/bin/civgis).
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

# The demo database. It depends on the shipped data and its loader, not on the binary: a
# rebuilt civgis migrates the file forward. data/build_db.sh refuses to replace a file
# that holds changes made after the shipped import (REBUILD=1 keeps it aside instead).
$(DB): data/load.sh data/build_db.sh $(wildcard data/shapefiles/*)
	@mkdir -p $(dir $(DB)) $(LOG)
	@REBUILD=$(REBUILD) data/build_db.sh $(BUILD)/civgis $(DB) $(LOG)/data.log

data: build
	@$(MAKE) --no-print-directory -s $(DB)

run: data
	@$(BUILD)/civgis serve --db $(DB) --port $(PORT) --log $(LOG)/serve.log

test: build test-deps
	@$(MAKE) --no-print-directory lint
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)
	@$(MAKE) --no-print-directory test-asan

test-asan: deps test-deps
	@echo "building civgis with ASan+UBSan in $(ASAN_BUILD)/ (log: $(LOG)/build-asan.log) ..."
	$(call quietly,$(LOG)/build-asan.log,cmake -S . -B $(ASAN_BUILD) $(ASAN_CMAKE) && \
	    cmake --build $(ASAN_BUILD) -j$(JOBS))
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
	for t in division_code json_escape import cql2_text cql2_json wkb params tile site_input site_solve; do \
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
	@! git grep -nE 'MHD_|microhttpd|cJSON|cjson|sqlite3' -- 'app/*.c' 'app/*.h' \
	    || (echo "app/ knows no HTTP, no JSON library and no SQL (STYLE.md section 1)"; exit 1)
	@echo "lint: ok"

bench: build
	bash bench/run.sh $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz
