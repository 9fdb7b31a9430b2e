# The README's commands. Each installs what is missing, configures, builds
# in build/ and runs.
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all deps configure build test test-asan chaos demo cluster-demo bench bench-security bench-cluster clean

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
	@$(MAKE) --no-print-directory test-asan

# The hostile-input run (tests/service/hostile_input_test.cpp, label
# "hostile") with AddressSanitizer and UBSan, in $(ASAN_BUILD): only fraudd,
# fraudctl and the test are built. Any report fails it: fraudd's exit code
# (LeakSanitizer's at exit) and its output are checked by the test. No
# leak is suppressed: none was found, in our code or the libraries.
SANITIZER_ENV = \
  ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:print_stacktrace=1 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

$(ASAN_BUILD)/CMakeCache.txt: CMakeLists.txt
	@$(MAKE) --no-print-directory deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DFRAUD_SANITIZE=address,undefined -DFRAUD_BUILD_BENCH=OFF

test-asan: $(ASAN_BUILD)/CMakeCache.txt
	cmake --build $(ASAN_BUILD) -j $(JOBS) --target hostile_input_test
	cd $(ASAN_BUILD) && $(SANITIZER_ENV) ctest -L hostile -V --timeout 300

# The fault scenarios (tests/service/faults_test.cpp) in one run, ending
# with a table: scenario, sent, answered, stored, lost, verdict. They also
# run, one by one, in `make test`.
chaos: build
	$(BUILD)/tests/service/faults_test

demo: build
	@scripts/demo.sh $(BUILD)

# Three nats-servers (deploy/nats/cluster, ports 4222-4224 and 6222-6224)
# and three fraudd on loopback; fraud-sim at a steady rate while one fraudd
# is killed with kill -9 and started again (README: Cluster demo).
cluster-demo: build
	@scripts/cluster_demo.sh $(BUILD)

bench: build
	@scripts/bench.sh $(BUILD)

# What the shipped security configuration costs: fraudd behind an open
# nats-server and behind deploy/nats/nats-server.conf, side by side.
bench-security: build
	@scripts/security_bench.sh $(BUILD)

# Issue 14's figures: failover gap over five kill -9, a rolling restart,
# 1/2/3 instances (scripts/cluster_bench.sh; BENCHMARKS.md).
bench-cluster: build
	scripts/cluster_bench.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
