# The README's commands. Each installs what is missing, configures, builds
# in build/ and runs.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all deps configure build test chaos demo bench bench-security clean

all: build

deps:
	@.ci/install-deps

$(BUILD)/CMakeCache.txt: CMakeLists.txt
	@$(MAKE) --no-print-directory deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

configure: $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 300

# The fault scenarios (tests/service/faults_test.cpp) in one run, ending
# with a table: scenario, sent, answered, stored, lost, verdict. They also
# run, one by one, in `make test`.
chaos: build
	$(BUILD)/tests/service/faults_test

demo: build
	@scripts/demo.sh $(BUILD)

bench: build
	@scripts/bench.sh $(BUILD)

# What the shipped security configuration costs: fraudd behind an open
# nats-server and behind deploy/nats/nats-server.conf, side by side.
bench-security: build
	@scripts/security_bench.sh $(BUILD)

clean:
	rm -rf $(BUILD)
