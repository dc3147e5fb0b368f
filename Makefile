# Fangkong -- the two commands of the README, and the rest.
#
#   make          build the release binary at build/fangkong
#   make run      set up, build, create fangkong.db with demo data if absent, serve
#   make test     set up, build, run every test (release, then ASan+UBSan)
#   make bench    build release and measure (results in docs/bench.md)

DB ?= fangkong.db
LISTEN ?= 127.0.0.1:8080

.PHONY: all deps run test test-release test-asan test-fuzz debug asan fuzz bench format clean

all: deps
	cmake --preset release >/dev/null
	cmake --build --preset release

deps:
	@scripts/deps.sh build

run: all
	@if [ ! -e "$(DB)" ]; then build/fangkong init --db "$(DB)" --demo --demo-series; \
	 else echo "using existing $(DB) (delete it for a fresh demo)"; \
	      build/fangkong init --db "$(DB)" >/dev/null; fi
	@echo
	@echo "Fangkong: open http://$(LISTEN)/ and sign in with a demo login:"
	@echo "  admin / admin-demo-2020      office / office-demo-2020     head / head-demo-2020"
	@echo "  staff / staff-demo-2020      official / official-demo-2020 analyst / analyst-demo-2020"
	@echo
	build/fangkong serve --db "$(DB)" --listen "$(LISTEN)"

test:
	@scripts/deps.sh test
	$(MAKE) --no-print-directory test-release
	$(MAKE) --no-print-directory test-asan
	$(MAKE) --no-print-directory test-fuzz

test-release:
	cmake --preset release >/dev/null
	cmake --build --preset release
	ctest --preset release --output-on-failure

test-asan:
	cmake --preset asan >/dev/null
	cmake --build --preset asan
	ctest --preset asan --output-on-failure -LE e2e

# libFuzzer targets built with clang, each run briefly over its seeds
test-fuzz:
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz
	ctest --test-dir build-fuzz --output-on-failure -L fuzz

debug: deps
	cmake --preset debug >/dev/null
	cmake --build --preset debug

asan: deps
	cmake --preset asan >/dev/null
	cmake --build --preset asan

fuzz: deps
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz

bench: all
	@scripts/deps.sh bench
	cmake --build --preset release --target fk_bench_trace fk_bench_grade fk_bench_rt fk_bench_detect
	bash bench/run.sh
	bash bench/writes.sh
	bash bench/trace.sh
	bash bench/grade.sh
	bash bench/rt.sh
	bash bench/detect.sh

format:
	clang-format -i src/*/*.[ch] tests/unit/*.c tests/fuzz/*.c tools/*.c

clean:
	rm -rf build build-debug build-asan build-fuzz
