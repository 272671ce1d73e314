# holdconn - how many idle TCP connections can this box hold?
#   make          build ./holdconn
#   make run      install deps, build, run the main job (holdconn bench)
#   make test     install deps, build, check the layers, run unit + integration tests
#   make check    the same tests built with ASan + UBSan
#   make bench    bench/run.sh: 1M and max, results in bench/results/ (builds the floor too)
#   make floor    bench/floor/floor, the least that holds bench's pairs (bench/ratio.sh)
#   make fuzz     run each fuzz harness for FUZZ_SECONDS (default 60)
#   make install  holdconn, holdconn.1 and its bash completion under PREFIX (and DESTDIR)

CC      ?= cc
PREFIX  ?= /usr/local
MANDIR  ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
PKGS    := liburing jemalloc libmicrohttpd libssl libcrypto
CFLAGS  ?= -O2 -g
# override: `make CFLAGS=...` (as check does) still gets these appended.
override CFLAGS += -std=gnu11 -Wall -Wextra -Wshadow -Wno-missing-field-initializers \
           -D_GNU_SOURCE -iquote src $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -luring -ljemalloc -lmicrohttpd -lssl -lcrypto) -lpthread -lm
ifneq ($(CI),)
override CFLAGS += -Werror
endif

BUILD   ?= build
BIN     ?= holdconn
LIB_SRC := $(filter-out src/cmd/main.c,$(wildcard src/*/*.c))
LIB_OBJ := $(LIB_SRC:src/%.c=$(BUILD)/%.o)
UNIT    := $(wildcard tests/unit/*.c)
INTEG   := $(wildcard tests/integration/*.c)
CRIT    := $(shell pkg-config --cflags --libs criterion 2>/dev/null || echo -lcriterion)

all: $(BIN) holdconn.1

$(BIN): $(BUILD)/cmd/main.o $(LIB_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: src/%.c $(wildcard src/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<


# The floor under bench (bench/floor/floor.c): bench's own set-up modules, nothing else.
FLOOR_OBJ := $(addprefix $(BUILD)/,base/addr.o base/cpus.o hold/plan.o measure/meter.o measure/netns.o \
	       measure/sysinfo.o)

FLOOR_BIN ?= bench/floor/floor

floor: $(FLOOR_BIN)
$(FLOOR_BIN): bench/floor/floor.c bench/floor/beat.c bench/floor/floor.h $(FLOOR_OBJ) $(wildcard src/*/*.h)
	$(CC) $(CFLAGS) -o $@ bench/floor/floor.c bench/floor/beat.c $(FLOOR_OBJ) $(LDLIBS)
# The integration tests run it (tests/integration/test_floor.c).
test: floor

$(BUILD)/unit_tests: $(UNIT) $(LIB_OBJ) $(wildcard tests/*.h)
	$(CC) $(CFLAGS) -Itests -o $@ $(UNIT) $(LIB_OBJ) $(CRIT) $(LDLIBS)

$(BUILD)/integration_tests: $(INTEG) $(wildcard tests/*.h)
	$(CC) $(CFLAGS) -Itests -o $@ $(INTEG) $(CRIT) $(LDLIBS)

deps:
	@sh tools/deps.sh

run: deps holdconn
	./holdconn bench || [ $$? -eq 3 ] # 3: stopped short of 1M by a limit here, which it names

test: deps $(BIN) $(BUILD)/unit_tests $(BUILD)/integration_tests
	sh tools/layers.sh
	$(BUILD)/unit_tests --jobs 2
	HOLDCONN=$(CURDIR)/$(BIN) FLOOR=$(CURDIR)/$(FLOOR_BIN) UNIT_TESTS=$(CURDIR)/$(BUILD)/unit_tests \
	  $(BUILD)/integration_tests --jobs 1

# jemalloc stays linked under ASan: the executable's malloc/free (ASan's
# interceptors) win over libjemalloc's, so every ordinary allocation is
# checked, while the conn arena's mallocx/dallocx still go to jemalloc,
# unseen by ASan. No ASAN_OPTIONS needed.
check: deps
	$(MAKE) BUILD=build-san BIN=build-san/holdconn FLOOR_BIN=build-san/floor CC=clang \
	  CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined" \
	  test

bench: deps holdconn floor
	sh bench/run.sh

# libFuzzer harnesses (tests/fuzz/fuzz_*.c) linked with the sources built as for check,
# plus coverage instrumentation; tests/fuzz/run.sh runs each on a copy of its corpus.
FUZZ_SECONDS ?= 60
FUZZ_BIN := $(patsubst tests/fuzz/%.c,build-fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))

$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(LIB_OBJ)
	$(CC) $(CFLAGS) -fsanitize=fuzzer -Itests/fuzz -o $@ $< $(LIB_OBJ) $(LDLIBS)

fuzz: deps
	$(MAKE) BUILD=build-fuzz CC=clang \
	  CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
	  $(FUZZ_BIN)
	sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BIN)

# The man page is made from the binary's own --help texts (generated from the option tables).
holdconn.1: $(BIN) tools/manpage.py
	python3 tools/manpage.py ./$(BIN) > $@.tmp && mv $@.tmp $@

man: holdconn.1

#   make install [PREFIX=/usr/local] [DESTDIR=staging]: binary, man page, bash completion.
install: $(BIN) holdconn.1
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/holdconn
	install -D -m 0644 holdconn.1 $(DESTDIR)$(MANDIR)/man1/holdconn.1
	install -D -m 0644 completion/holdconn.bash $(DESTDIR)$(BASHCOMPDIR)/holdconn

clean:
	rm -rf build build-san build-fuzz holdconn holdconn.1 bench/floor/floor

.PHONY: all deps run test check bench floor fuzz install clean man
