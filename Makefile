# gooddata-flight-server for C — build.
#
#   make                 library, CLI, examples            (build/)
#   make test            unit + integration suite          (tests/run.sh)
#   make SAN=asan test   ASan+UBSan build of the suite      (build-asan/)
#   make SAN=tsan test   TSan build of the suite            (build-tsan/)
#   make fuzz            libFuzzer targets (clang)          (build-fuzz/)
#   make bench           benchmarks (prints figures)
#
# Every module under src/ becomes one static archive; the shared library and
# the CLI are linked from all of them. Files added to a module directory are
# picked up automatically.

SAN ?=
ifeq ($(SAN),asan)
  B ?= build-asan
  SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else ifeq ($(SAN),tsan)
  B ?= build-tsan
  SANFLAGS := -fsanitize=thread -fno-omit-frame-pointer
else ifeq ($(SAN),fuzz)
  B ?= build-fuzz
  CC := clang
  SANFLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -Wno-unknown-warning-option
else
  B ?= build
  SANFLAGS :=
endif

CC ?= cc
OPT ?= -O2
CFLAGS ?= $(OPT) -g
WARN := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
  -Wno-missing-field-initializers -Wno-format-truncation
ifneq ($(findstring clang,$(CC)),)
  WARN += -Wno-unknown-warning-option
endif
# Programs and plugins built on the public API only (CLI, terminal client,
# examples, test plugins) see include/ and nothing else.
PUB_CFLAGS := -std=c11 -D_GNU_SOURCE -fPIC $(WARN) $(CFLAGS) $(SANFLAGS) -Iinclude -pthread
ALL_CFLAGS := $(PUB_CFLAGS) -Isrc -I$(B)/gen
# The library exports only what include/ marks GF_API (gf_*).
LIB_CFLAGS := $(ALL_CFLAGS) -fvisibility=hidden
SYS_LIBS := -lnghttp2 -lprotobuf-c -llz4 -lzstd -lssl -lcrypto -ljansson -ldl -lm -pthread
LDFLAGS_ALL := $(SANFLAGS) $(LDFLAGS)

# Modules in dependency order, highest first (a module may use only those
# after it; rpc and client are siblings and do not use each other). The map
# with the arrows is at the top of docs/internals.md; scripts/check-layers.sh
# enforces it on the #include lines.
MODULES := flexconnect server tasks tracing metrics admin auth config \
  client rpc flight transport ipc arrow log common

# Protobuf messages (protoc-c): Flight.proto (and the Timestamp it imports)
# belong to the flight module, the OTLP trace messages to tracing.
PROTOS := proto/Flight.proto
GEN_C := $(B)/gen/Flight.pb-c.c $(B)/gen/google/protobuf/timestamp.pb-c.c $(B)/gen/otlp_trace.pb-c.c
GEN_H := $(GEN_C:.c=.h)

define module_objs
$(patsubst src/%.c,$(B)/obj/%.o,$(wildcard src/$(1)/*.c))
endef

OBJS_flight_gen := $(B)/obj/gen/Flight.pb-c.o $(B)/obj/gen/google/protobuf/timestamp.pb-c.o
OBJS_tracing_gen := $(B)/obj/gen/otlp_trace.pb-c.o
$(foreach m,$(MODULES),$(eval OBJS_$(m) := $(call module_objs,$(m))))
OBJS_flight += $(OBJS_flight_gen)
OBJS_tracing += $(OBJS_tracing_gen)
ARCHIVES := $(foreach m,$(MODULES),$(B)/lib/libgf_$(m).a)

# The shared library carries the SONAME libgooddata_flight_server.so.<major>
# (the file programs load), <major> being GF_VERSION_MAJOR of common.h;
# libgooddata_flight_server.so is the link-time symlink.
VERSION_H := include/gooddata_flight_server/common.h
GF_MAJOR := $(shell sed -n 's/^\#define GF_VERSION_MAJOR \([0-9]*\)$$/\1/p' $(VERSION_H))
GF_VERSION := $(shell sed -n 's/^\#define GF_VERSION_STRING "\(.*\)"$$/\1/p' $(VERSION_H))
SONAME := libgooddata_flight_server.so.$(GF_MAJOR)
LIB_SO := $(B)/lib/libgooddata_flight_server.so
LIB_REAL := $(B)/lib/$(SONAME)
CLI := $(B)/bin/gooddata-flight-server
CLI_SRCS := $(wildcard cli/*.c)
EXAMPLES := $(sort $(notdir $(patsubst %/,%,$(dir $(wildcard examples/*/*.c)))))
# examples/flexconnect holds FlexConnect functions, not a methods plugin: it is
# built as libflexconnect_sample.so so that the name `flexconnect` stays the
# built-in methods provider.
EXAMPLE_SOS := $(foreach e,$(filter-out flexconnect,$(EXAMPLES)),$(B)/examples/lib$(e).so) \
  $(if $(filter flexconnect,$(EXAMPLES)),$(B)/examples/libflexconnect_sample.so)

# Tests: tests/<dir>/test_*.c, each its own binary. Which archives a test dir
# links is decided by the lowest module it needs.
TEST_SRCS := $(wildcard tests/*/test_*.c)
TEST_BINS := $(patsubst tests/%.c,$(B)/tests/%,$(TEST_SRCS))
TEST_SUPPORT := $(wildcard tests/support/*.c)
TEST_LIBS_common := common
TEST_LIBS_log := log common
TEST_LIBS_arrow := arrow common
TEST_LIBS_ipc := ipc arrow common
TEST_LIBS_flight := rpc flight transport ipc arrow log common

FUZZ_SRCS := $(wildcard fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRCS))

BENCH_SRCS := $(wildcard bench/*.c)
# The bench's two gRPC C core reference programs (grpc_*.c) build only where
# Debian's libgrpc-dev is installed (the test set-up installs it); nothing
# else needs it.
ifeq ($(wildcard /usr/include/grpc/grpc.h),)
BENCH_SRCS := $(filter-out bench/grpc_%.c,$(BENCH_SRCS))
endif
BENCH_BINS := $(patsubst bench/%.c,$(B)/bench/%,$(BENCH_SRCS))


.SECONDEXPANSION:
.PHONY: all lib cli examples tests test fuzz fuzz-run bench clean format
all: lib cli examples tests

lib: $(LIB_SO) $(ARCHIVES)
cli: $(CLI)
examples: $(EXAMPLE_SOS)
tests: $(TEST_BINS) $(BENCH_BINS)

# ---- generated protobuf code ------------------------------------------------
# Grouped targets (&:): one protoc-c run makes both files, also under -j.
$(B)/gen/Flight.pb-c.c $(B)/gen/Flight.pb-c.h &: proto/Flight.proto
	@mkdir -p $(B)/gen
	protoc-c --c_out=$(B)/gen -Iproto -I/usr/include proto/Flight.proto

$(B)/gen/otlp_trace.pb-c.c $(B)/gen/otlp_trace.pb-c.h &: proto/otlp_trace.proto
	@mkdir -p $(B)/gen
	protoc-c --c_out=$(B)/gen -Iproto proto/otlp_trace.proto

$(B)/gen/google/protobuf/timestamp.pb-c.c $(B)/gen/google/protobuf/timestamp.pb-c.h &:
	@mkdir -p $(B)/gen
	protoc-c --c_out=$(B)/gen -I/usr/include /usr/include/google/protobuf/timestamp.proto

$(B)/obj/gen/%.o: $(B)/gen/%.c $(GEN_H)
	@mkdir -p $(dir $@)
	$(CC) $(filter-out -Werror,$(LIB_CFLAGS)) -Wno-unused-parameter -Wno-missing-prototypes -MMD -MP -c $< -o $@

# ---- library ----------------------------------------------------------------
$(B)/obj/%.o: src/%.c | $(GEN_H)
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) -MMD -MP -c $< -o $@

$(B)/lib/libgf_%.a: $$(OBJS_$$*)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $(filter %.o,$^)

$(LIB_REAL): $(foreach m,$(MODULES),$(OBJS_$(m)))
	@mkdir -p $(dir $@)
	$(CC) -shared -Wl,-soname,$(SONAME) -o $@ $(filter %.o,$^) $(LDFLAGS_ALL) $(SYS_LIBS)

$(LIB_SO): $(LIB_REAL)
	ln -sfn $(SONAME) $@

# ---- CLI ----------------------------------------------------------------------
$(CLI): $(CLI_SRCS) $(LIB_SO)
	@mkdir -p $(dir $@)
	$(CC) $(PUB_CFLAGS) -o $@ $(CLI_SRCS) -L$(B)/lib -lgooddata_flight_server \
	  -Wl,-rpath,'$$ORIGIN/../lib' $(LDFLAGS_ALL)

# ---- terminal client: cli/client/*.c -> bin/gooddata-flight (public library only) ----
CLIENT_CLI := $(B)/bin/gooddata-flight
CLIENT_CLI_SRCS := $(wildcard cli/client/*.c)
cli: $(CLIENT_CLI)
$(CLIENT_CLI): $(CLIENT_CLI_SRCS) $(wildcard cli/client/*.h) $(LIB_SO)
	@mkdir -p $(dir $@)
	$(CC) $(PUB_CFLAGS) -o $@ $(CLIENT_CLI_SRCS) -L$(B)/lib -lgooddata_flight_server \
	  -Wl,-rpath,'$$ORIGIN/../lib' $(LDFLAGS_ALL) -lm -pthread

# ---- examples: examples/<name>/*.c -> lib<name>.so ----------------------------
$(B)/examples/lib%.so: $$(wildcard examples/$$*/*.c) $(LIB_SO)
	@mkdir -p $(dir $@)
	$(CC) $(PUB_CFLAGS) -shared -o $@ $(wildcard examples/$*/*.c) -L$(B)/lib \
	  -lgooddata_flight_server -Wl,-rpath,'$$ORIGIN/../lib' $(LDFLAGS_ALL)

$(B)/examples/libflexconnect_sample.so: $(wildcard examples/flexconnect/*.c) $(LIB_SO)
	@mkdir -p $(dir $@)
	$(CC) $(PUB_CFLAGS) -shared -o $@ $(wildcard examples/flexconnect/*.c) -L$(B)/lib \
	  -lgooddata_flight_server -Wl,-rpath,'$$ORIGIN/../lib' $(LDFLAGS_ALL)

# ---- tests --------------------------------------------------------------------
test_dir = $(firstword $(subst /, ,$(1)))
# Archives a test links: TEST_LIBS_<dir> when set, else every module.
test_libs = $(or $(TEST_LIBS_$(call test_dir,$(1))),$(MODULES))
$(B)/tests/%: tests/%.c $(TEST_SUPPORT) tests/test.h $$(wildcard tests/$$(dir $$*)*.h) $$(foreach m,$$(call test_libs,$$*),$(B)/lib/libgf_$$(m).a)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests -o $@ $< $(TEST_SUPPORT) \
	  -Wl,--start-group $(foreach m,$(call test_libs,$*),$(B)/lib/libgf_$(m).a) -Wl,--end-group \
	  $(LDFLAGS_ALL) $(SYS_LIBS)

# Plugins used only by tests: tests/<dir>/plugins/<name>.c -> $(B)/tests/plugins/lib<name>.so
TEST_PLUGIN_SRCS := $(wildcard tests/*/plugins/*.c)
TEST_PLUGINS := $(foreach p,$(TEST_PLUGIN_SRCS),$(B)/tests/plugins/lib$(basename $(notdir $(p))).so)
tests: $(TEST_PLUGINS)
# Plugins under tests/abi/ are compiled against the frozen v1 headers.
plugin_inc = $(if $(filter tests/abi/%,$(1)),-Itests/abi/v1/include)
$(B)/tests/plugins/lib%.so: $$(wildcard tests/*/plugins/$$*.c) $$(wildcard tests/abi/v1/include/*/*.h) $(LIB_SO)
	@mkdir -p $(dir $@)
	$(CC) $(call plugin_inc,$(wildcard tests/*/plugins/$*.c)) $(PUB_CFLAGS) -shared -o $@ \
	  $(wildcard tests/*/plugins/$*.c) -L$(B)/lib \
	  -lgooddata_flight_server -Wl,-rpath,'$$ORIGIN/../../lib' $(LDFLAGS_ALL)

test: all
	B=$(B) SAN=$(SAN) tests/run.sh

# ---- fuzzing (use: make SAN=fuzz fuzz) ------------------------------------------
$(B)/fuzz/%: fuzz/%.c $(ARCHIVES)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -o $@ $< -Wl,--start-group $(ARCHIVES) -Wl,--end-group \
	  $(LDFLAGS_ALL) $(SYS_LIBS)

fuzz: $(FUZZ_BINS)

# ---- benchmarks ----------------------------------------------------------------
$(B)/bench/%: bench/%.c $(wildcard bench/*.h) $(ARCHIVES)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests -o $@ $< -Wl,--start-group $(ARCHIVES) -Wl,--end-group \
	  $(LDFLAGS_ALL) $(SYS_LIBS) $(if $(filter grpc_%,$(notdir $@)),-lgrpc -lgpr)

bench: all
	B=$(B) bench/run.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h' ':!tests/abi/v1')

clean:
	rm -rf build build-asan build-tsan build-fuzz

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)

# ---- install (PREFIX=/usr/local; DESTDIR for staging) ---------------------------
# Installing into the live system (no DESTDIR) as root refreshes the dynamic
# linker's cache, so programs linked against the library start at once.
PREFIX ?= /usr/local
LIBDIR := $(DESTDIR)$(PREFIX)/lib
.PHONY: install
install: lib cli
	install -d $(DESTDIR)$(PREFIX)/include/gooddata_flight_server $(LIBDIR) \
	  $(DESTDIR)$(PREFIX)/bin $(LIBDIR)/pkgconfig
	install -m 644 include/gooddata_flight_server.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 include/gooddata_flight_server/*.h $(DESTDIR)$(PREFIX)/include/gooddata_flight_server/
	install -m 755 $(LIB_REAL) $(LIBDIR)/
	ln -sfn $(SONAME) $(LIBDIR)/libgooddata_flight_server.so
	install -m 755 $(CLI) $(DESTDIR)$(PREFIX)/bin/
	install -m 755 $(CLIENT_CLI) $(DESTDIR)$(PREFIX)/bin/
	printf 'prefix=%s\nName: gooddata_flight_server\nDescription: Arrow Flight server framework for C\nVersion: $(GF_VERSION)\nLibs: -L$${prefix}/lib -lgooddata_flight_server\nCflags: -I$${prefix}/include\n' \
	  '$(PREFIX)' > $(LIBDIR)/pkgconfig/gooddata_flight_server.pc
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then \
	  echo "ldconfig"; PATH="$$PATH:/usr/sbin:/sbin" ldconfig; \
	elif [ -z "$(DESTDIR)" ]; then \
	  echo "install: not root, ldconfig not run; run it as root (or set LD_LIBRARY_PATH=$(PREFIX)/lib)"; fi
