/*
 * async_util.h: the small harness of the async C tests (plain C11 + pthreads, no framework).
 *
 * - CHECK* record a failure (file:line, expression, status code/details) and go on; REQUIRE*
 *   also `return` from the current test function. All of them are thread-safe: completion
 *   callbacks run on library threads and may check things too.
 * - RUN_TEST(fn) runs one test; au_summary() prints the final "N passed, N failed" line (tests)
 *   and returns the exit code (non-zero when any check failed, including checks made outside a
 *   test or by a late callback).
 * - A watchdog thread ends the process with a failure when one test runs longer than its budget,
 *   so a hang (a lost callback, a leaked slot, a deadlock) fails the run instead of stalling it.
 * - Waits are bounded: au_counter_wait() gives up when the awaited counter makes no progress for
 *   AU_STALL_SECONDS (60 s; 4x that with OVMS_TEST_SCALE=small, for valgrind) and reports false.
 * - OVMS_TEST_SCALE=small (set by the valgrind runs) shrinks iteration counts: au_scaled().
 * - OVMS_TEST_ONLY=<part of a test name> runs only the matching tests.
 * - Shared by both executables: the global `server`, never_cb (a callback that must never run:
 *   it records a failure), dummy_ctx/dummy_cb (one dummy request's outcome, values checked in
 *   the callback), sync_dummy() and async_dummy_roundtrip().
 * - au_async_batch(): many async requests submitted at once, each checked to call back exactly
 *   once and right, with the model's slots at rest afterwards (the pipeline tests use it).
 *
 * Paths come from the build: OVMS_ASYNC_CONFIG_DIR (this folder's configs/).
 */
#ifndef OVMS_C_TESTS_ASYNC_UTIL_H
#define OVMS_C_TESTS_ASYNC_UTIL_H

#include "ovms.h"

#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef OVMS_ASYNC_CONFIG_DIR
#error "OVMS_ASYNC_CONFIG_DIR must be defined by the build"
#endif

#if defined(__GNUC__)
#define AU_UNUSED __attribute__((unused))
#else
#define AU_UNUSED
#endif

/* ---- OVMS status codes used here (v2026.3 numbering) --------------------------------------- */
enum {
    AU_MODEL_VERSION_MISSING = 47,
    AU_INVALID_SHAPE = 57,
    AU_INVALID_PRECISION = 58,
    AU_OV_INTERNAL_DESERIALIZATION_ERROR = 68,
    AU_OV_INTERNAL_INFERENCE_ERROR = 69,
    AU_PIPELINE_DEFINITION_NAME_MISSING = 144,
    AU_SERVER_NOT_READY = 256
};

/* ---- time ----------------------------------------------------------------------------------- */
static AU_UNUSED double au_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static AU_UNUSED void au_sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* ---- scale ------------------------------------------------------------------------------------ */
static AU_UNUSED bool au_small(void) {
    const char *scale = getenv("OVMS_TEST_SCALE");
    return scale != NULL && strcmp(scale, "small") == 0;
}

/* `full` normally, `small` with OVMS_TEST_SCALE=small. */
static AU_UNUSED long au_scaled(long full, long small) { return au_small() ? small : full; }

#define AU_STALL_SECONDS (au_small() ? 240.0 : 60.0)

/* ---- bookkeeping ------------------------------------------------------------------------------ */
static atomic_int au_failed_checks = 0;      /* every failed check of the process */
static atomic_int au_current_failed = 0;     /* failed checks of the running test */
static int au_tests_passed = 0;
static int au_tests_failed = 0;
static const char *_Atomic au_current_test = "(setup)";
static _Atomic double au_deadline = 0.0;     /* watchdog: the running test must end by then */
static pthread_mutex_t au_print_lock = PTHREAD_MUTEX_INITIALIZER;

static AU_UNUSED void au_fail(const char *file, int line, const char *message) {
    atomic_fetch_add(&au_failed_checks, 1);
    atomic_fetch_add(&au_current_failed, 1);
    pthread_mutex_lock(&au_print_lock);
    fprintf(stderr, "%s:%d: FAILED in %s: %s\n", file, line, atomic_load(&au_current_test), message);
    fflush(stderr);
    pthread_mutex_unlock(&au_print_lock);
}

static AU_UNUSED void au_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static AU_UNUSED void au_log(const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    pthread_mutex_lock(&au_print_lock);
    printf("    ");
    vprintf(fmt, args);
    printf("\n");
    fflush(stdout);
    pthread_mutex_unlock(&au_print_lock);
    va_end(args);
}

/* The code of a status (UINT32_MAX if the accessor fails); does not delete it. */
static AU_UNUSED uint32_t au_code(OVMS_Status *status) {
    uint32_t code = UINT32_MAX;
    OVMS_Status *s = OVMS_StatusCode(status, &code);
    if (s != NULL) {
        OVMS_StatusDelete(s);
        return UINT32_MAX;
    }
    return code;
}

static AU_UNUSED const char *au_details(OVMS_Status *status) {
    const char *details = NULL;
    OVMS_Status *s = OVMS_StatusDetails(status, &details);
    if (s != NULL) {
        OVMS_StatusDelete(s);
        return "(details unavailable)";
    }
    return details ? details : "(null)";
}

static AU_UNUSED bool au_check(bool ok, const char *expr, const char *file, int line) {
    if (!ok) {
        char buf[1024];
        snprintf(buf, sizeof buf, "check failed: %s", expr);
        au_fail(file, line, buf);
    }
    return ok;
}

/* Success expected; a non-NULL status is reported and deleted. */
static AU_UNUSED bool au_expect_ok(OVMS_Status *status, const char *expr, const char *file, int line) {
    if (status == NULL)
        return true;
    char buf[1400];
    snprintf(buf, sizeof buf, "%s: expected success, got code %u (%s)", expr, au_code(status), au_details(status));
    au_fail(file, line, buf);
    OVMS_StatusDelete(status);
    return false;
}

/* A status with `expected` code; deleted here. */
static AU_UNUSED bool au_expect_code(OVMS_Status *status, uint32_t expected, const char *expr, const char *file,
                                     int line) {
    char buf[1400];
    if (status == NULL) {
        snprintf(buf, sizeof buf, "%s: expected code %u, got success (NULL)", expr, expected);
        au_fail(file, line, buf);
        return false;
    }
    uint32_t code = au_code(status);
    bool ok = code == expected;
    if (!ok) {
        snprintf(buf, sizeof buf, "%s: expected code %u, got %u (%s)", expr, expected, code, au_details(status));
        au_fail(file, line, buf);
    }
    OVMS_StatusDelete(status);
    return ok;
}

static AU_UNUSED bool au_expect_eq(long long a, long long b, const char *ea, const char *eb, const char *file,
                                   int line) {
    if (a != b) {
        char buf[1024];
        snprintf(buf, sizeof buf, "%s == %s: %lld != %lld", ea, eb, a, b);
        au_fail(file, line, buf);
        return false;
    }
    return true;
}

#define CHECK(cond) ((void)au_check((cond) ? true : false, #cond, __FILE__, __LINE__))
#define REQUIRE(cond)                                                    \
    do {                                                                 \
        if (!au_check((cond) ? true : false, #cond, __FILE__, __LINE__)) \
            return;                                                      \
    } while (0)
#define CHECK_OK(expr) ((void)au_expect_ok((expr), #expr, __FILE__, __LINE__))
#define REQUIRE_OK(expr)                                      \
    do {                                                      \
        if (!au_expect_ok((expr), #expr, __FILE__, __LINE__)) \
            return;                                           \
    } while (0)
#define CHECK_CODE(expr, code) ((void)au_expect_code((expr), (code), #expr, __FILE__, __LINE__))
#define CHECK_EQ(a, b) ((void)au_expect_eq((long long)(a), (long long)(b), #a, #b, __FILE__, __LINE__))
#define REQUIRE_EQ(a, b)                                                                 \
    do {                                                                                 \
        if (!au_expect_eq((long long)(a), (long long)(b), #a, #b, __FILE__, __LINE__)) \
            return;                                                                      \
    } while (0)

/* ---- tests and the watchdog ---------------------------------------------------------------- */
static atomic_bool au_watchdog_stop = false;
static pthread_t au_watchdog_thread;
static bool au_watchdog_running = false;

static AU_UNUSED void au_stop_watchdog(void);

static AU_UNUSED int au_summary(void) {
    au_stop_watchdog();
    int failed_checks = atomic_load(&au_failed_checks);
    if (failed_checks > 0 && au_tests_failed == 0)
        au_tests_failed = 1; /* a check outside any test (or a late callback) failed */
    printf("%d passed, %d failed\n", au_tests_passed, au_tests_failed);
    fflush(stdout);
    return failed_checks == 0 && au_tests_failed == 0 ? 0 : 1;
}

static void *au_watchdog_main(void *arg) {
    (void)arg;
    while (!atomic_load(&au_watchdog_stop)) {
        au_sleep_ms(100);
        double deadline = atomic_load(&au_deadline);
        if (deadline > 0.0 && au_now() > deadline) {
            pthread_mutex_lock(&au_print_lock);
            fprintf(stderr, "FAILED: test %s did not finish within its time budget (hang?)\n",
                    atomic_load(&au_current_test));
            printf("%d passed, %d failed\n", au_tests_passed, au_tests_failed + 1);
            fflush(stdout);
            fflush(stderr);
            _exit(3);
        }
    }
    return NULL;
}

static AU_UNUSED void au_start_watchdog(void) {
    if (pthread_create(&au_watchdog_thread, NULL, au_watchdog_main, NULL) != 0) {
        fprintf(stderr, "cannot start the watchdog\n");
        exit(2);
    }
    au_watchdog_running = true;
}

/* Joined at the end, so the test leaves no thread of its own behind (clean valgrind report). */
static AU_UNUSED void au_stop_watchdog(void) {
    if (!au_watchdog_running)
        return;
    atomic_store(&au_watchdog_stop, true);
    pthread_join(au_watchdog_thread, NULL);
    au_watchdog_running = false;
}

/* Budget in seconds of a test; grows 4x with OVMS_TEST_SCALE=small (valgrind is slow). */
static AU_UNUSED void au_begin(const char *name, double budget_seconds) {
    atomic_store(&au_current_test, name);
    atomic_store(&au_current_failed, 0);
    atomic_store(&au_deadline, au_now() + budget_seconds * (au_small() ? 4.0 : 1.0));
    printf("[ RUN  ] %s\n", name);
    fflush(stdout);
}

static AU_UNUSED void au_end(const char *name, double started) {
    atomic_store(&au_deadline, 0.0);
    bool ok = atomic_load(&au_current_failed) == 0;
    if (ok)
        au_tests_passed++;
    else
        au_tests_failed++;
    printf("[ %s ] %s (%.2f s)\n", ok ? " OK " : "FAIL", name, au_now() - started);
    fflush(stdout);
    atomic_store(&au_current_test, "(between tests)");
}

/* OVMS_TEST_ONLY=<name> runs only the tests whose name contains <name>. */
static AU_UNUSED bool au_selected(const char *name) {
    const char *only = getenv("OVMS_TEST_ONLY");
    return only == NULL || *only == '\0' || strstr(name, only) != NULL;
}

#define RUN_TEST(fn, budget)                 \
    do {                                     \
        if (!au_selected(#fn))               \
            break;                           \
        double au_started_ = au_now();       \
        au_begin(#fn, (budget));             \
        fn();                                \
        au_end(#fn, au_started_);            \
    } while (0)

/* ---- a counter that threads can wait on (bounded) -------------------------------------------- */
typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    long value;
} au_counter;

static AU_UNUSED void au_counter_init(au_counter *c) {
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->changed, NULL);
    c->value = 0;
}

static AU_UNUSED void au_counter_destroy(au_counter *c) {
    pthread_cond_destroy(&c->changed);
    pthread_mutex_destroy(&c->lock);
}

static AU_UNUSED long au_counter_add(au_counter *c, long delta) {
    pthread_mutex_lock(&c->lock);
    c->value += delta;
    long value = c->value;
    pthread_cond_broadcast(&c->changed);
    pthread_mutex_unlock(&c->lock);
    return value;
}

static AU_UNUSED long au_counter_get(au_counter *c) {
    pthread_mutex_lock(&c->lock);
    long value = c->value;
    pthread_mutex_unlock(&c->lock);
    return value;
}

/*
 * Waits until value >= target. Gives up (false) when the value has not changed for `stall`
 * seconds: a bounded wait that fails instead of hanging, without timing the work itself.
 */
static AU_UNUSED bool au_counter_wait_stall(au_counter *c, long target, double stall) {
    pthread_mutex_lock(&c->lock);
    long seen = c->value;
    double limit = au_now() + stall;
    while (c->value < target) {
        if (c->value != seen) {
            seen = c->value;
            limit = au_now() + stall;
        }
        double left = limit - au_now();
        if (left <= 0)
            break;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        double step = left < 1.0 ? left : 1.0;
        long nsec = ts.tv_nsec + (long)(step * 1e9);
        ts.tv_sec += nsec / 1000000000L;
        ts.tv_nsec = nsec % 1000000000L;
        pthread_cond_timedwait(&c->changed, &c->lock, &ts);
    }
    bool reached = c->value >= target;
    pthread_mutex_unlock(&c->lock);
    return reached;
}

static AU_UNUSED bool au_counter_wait(au_counter *c, long target) {
    return au_counter_wait_stall(c, target, AU_STALL_SECONDS);
}

/*
 * Waits (bounded) for counter >= target. If it stalls, a callback was lost or something hangs:
 * the process cannot go on safely (the library may still write into the test's contexts), so it
 * reports the failure, prints the summary line and exits non-zero.
 */
static AU_UNUSED void au_await(au_counter *c, long target, const char *expr, const char *file, int line) {
    if (au_counter_wait(c, target))
        return;
    char buf[512];
    snprintf(buf, sizeof buf, "%s: stalled at %ld of %ld for %.0f s (lost callback or hang)", expr,
             au_counter_get(c), target, AU_STALL_SECONDS);
    au_fail(file, line, buf);
    printf("%d passed, %d failed\n", au_tests_passed, au_tests_failed + 1);
    fflush(stdout);
    fflush(stderr);
    _exit(4);
}
#define AWAIT(counter, target) au_await((counter), (target), "AWAIT(" #counter ", " #target ")", __FILE__, __LINE__)

/* ---- server ----------------------------------------------------------------------------------- */
/* Starts the singleton server from the config file at `path`, log level ERROR (keeps the output
 * short); the watcher polls every `poll_seconds` (< 0: the library's default). */
static AU_UNUSED OVMS_Status *au_start_server_path(OVMS_Server *server, const char *path, int poll_seconds) {
    OVMS_ServerSettings *settings = NULL;
    OVMS_ModelsSettings *models = NULL;
    OVMS_Status *status = OVMS_ServerSettingsNew(&settings);
    if (status == NULL)
        status = OVMS_ModelsSettingsNew(&models);
    if (status == NULL)
        status = OVMS_ServerSettingsSetLogLevel(settings, OVMS_LOG_ERROR);
    if (status == NULL && poll_seconds >= 0)
        status = OVMS_ServerSettingsSetFileSystemPollWaitSeconds(settings, (uint32_t)poll_seconds);
    if (status == NULL)
        status = OVMS_ModelsSettingsSetConfigPath(models, path);
    if (status == NULL)
        status = OVMS_ServerStartFromConfigurationFile(server, settings, models);
    OVMS_ModelsSettingsDelete(models);
    OVMS_ServerSettingsDelete(settings);
    return status;
}

/* Starts the singleton server from configs/<file>, the watcher's poll interval left alone. */
static AU_UNUSED OVMS_Status *au_start_server(OVMS_Server *server, const char *config_file) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", OVMS_ASYNC_CONFIG_DIR, config_file);
    return au_start_server_path(server, path, -1);
}

typedef struct {
    uint32_t slots, idle, queued;
} au_slots;

/* The pool counters of a servable; slots = UINT32_MAX when the call fails (reported). */
static AU_UNUSED au_slots au_get_slots(OVMS_Server *server, const char *name) {
    au_slots s = {UINT32_MAX, UINT32_MAX, UINT32_MAX};
    OVMS_Status *status = OVMS_ExServableSlots(server, name, 0, &s.slots, &s.idle, &s.queued);
    if (status != NULL) {
        au_expect_ok(status, "OVMS_ExServableSlots", __FILE__, __LINE__);
        s.slots = s.idle = s.queued = UINT32_MAX;
    }
    return s;
}

/* Expects the pool of `name` to be at rest: every slot idle, nobody waiting. */
#define CHECK_POOL_AT_REST(server, name, nslots)                                 \
    do {                                                                         \
        au_slots au_s_ = au_get_slots((server), (name));                         \
        CHECK_EQ(au_s_.slots, (nslots));                                         \
        CHECK_EQ(au_s_.idle, (nslots));                                          \
        CHECK_EQ(au_s_.queued, 0);                                               \
    } while (0)

/* ---- dummy model helpers: b FP32 [1,10] -> a = b + 1 ---------------------------------------- */
static const int64_t AU_DUMMY_SHAPE[2] = {1, 10};
#define AU_DUMMY_N 10

/* A request on (name, version) with its FP32 [1,10] input `input_name` bound to `input` (10
 * floats): dummy's b, or the input of a pipeline that feeds dummy. */
static AU_UNUSED OVMS_Status *au_dummy_request_on(OVMS_Server *server, const char *name, int64_t version,
                                                  const char *input_name, const float *input,
                                                  OVMS_InferenceRequest **out) {
    OVMS_InferenceRequest *request = NULL;
    OVMS_Status *status = OVMS_InferenceRequestNew(&request, server, name, version);
    if (status == NULL)
        status = OVMS_InferenceRequestAddInput(request, input_name, OVMS_DATATYPE_FP32, AU_DUMMY_SHAPE, 2);
    if (status == NULL)
        status = OVMS_InferenceRequestInputSetData(request, input_name, input, AU_DUMMY_N * sizeof(float),
                                                   OVMS_BUFFERTYPE_CPU, 0);
    if (status != NULL) {
        OVMS_InferenceRequestDelete(request);
        request = NULL;
    }
    *out = request;
    return status;
}

/* A request on `name` (its default version) with input b bound to `input` (10 floats). */
static AU_UNUSED OVMS_Status *au_dummy_request(OVMS_Server *server, const char *name, const float *input,
                                               OVMS_InferenceRequest **out) {
    return au_dummy_request_on(server, name, 0, "b", input, out);
}

/* Binds output a to the caller's `output` (10 floats). */
static AU_UNUSED OVMS_Status *au_dummy_prealloc(OVMS_InferenceRequest *request, float *output) {
    OVMS_Status *status = OVMS_InferenceRequestAddOutput(request, "a", OVMS_DATATYPE_FP32, AU_DUMMY_SHAPE, 2);
    if (status == NULL)
        status = OVMS_InferenceRequestOutputSetData(request, "a", output, AU_DUMMY_N * sizeof(float),
                                                    OVMS_BUFFERTYPE_CPU, 0);
    return status;
}

/* One output of a response, as OVMS_InferenceResponseOutput gives it (the response owns it all). */
typedef struct {
    const char *name;
    OVMS_DataType datatype;
    const int64_t *shape;
    size_t dims;
    const void *data;
    size_t bytes;
    OVMS_BufferType buffer_type;
    uint32_t device;
} au_output;

/*
 * Reads output `id` of `response` into *out (the buffer type and device start as values the call
 * must overwrite). With `only` set, the response must have exactly that one output. False, with a
 * failure at file:line, when it cannot be read. Thread-safe.
 */
static AU_UNUSED bool au_read_output(OVMS_InferenceResponse *response, uint32_t id, bool only, au_output *out,
                                     const char *file, int line) {
    *out = (au_output){.datatype = OVMS_DATATYPE_UNDEFINED, .buffer_type = OVMS_BUFFERTYPE_HDDL, .device = 99};
    if (response == NULL) {
        au_fail(file, line, "the response is NULL");
        return false;
    }
    if (only) {
        uint32_t count = 0;
        if (!au_expect_ok(OVMS_InferenceResponseOutputCount(response, &count), "OutputCount", file, line))
            return false;
        if (count != 1) {
            char buf[128];
            snprintf(buf, sizeof buf, "the response has %u outputs, expected 1", count);
            au_fail(file, line, buf);
            return false;
        }
    }
    return au_expect_ok(OVMS_InferenceResponseOutput(response, id, &out->name, &out->datatype, &out->shape,
                                                     &out->dims, &out->data, &out->bytes, &out->buffer_type,
                                                     &out->device),
                        "ResponseOutput", file, line);
}

/*
 * Checks a dummy response: one output "a", FP32 [1,10], values input[i] + 1. Returns its data
 * pointer in *data (may be NULL). Returns true when all matched. Thread-safe.
 */
static AU_UNUSED bool au_check_dummy_response(OVMS_InferenceResponse *response, const float *input,
                                              const void **data_out, const char *file, int line) {
    char buf[512];
    if (data_out)
        *data_out = NULL;
    au_output o;
    if (!au_read_output(response, 0, true, &o, file, line))
        return false;
    bool ok = o.name != NULL && strcmp(o.name, "a") == 0 && o.datatype == OVMS_DATATYPE_FP32 && o.dims == 2 &&
              o.shape != NULL && o.shape[0] == 1 && o.shape[1] == 10 && o.bytes == AU_DUMMY_N * sizeof(float) &&
              o.data != NULL && o.buffer_type == OVMS_BUFFERTYPE_CPU && o.device == 0;
    if (!ok) {
        snprintf(buf, sizeof buf, "dummy output metadata wrong: name %s type %d dims %zu bytes %zu data %p",
                 o.name ? o.name : "(null)", (int)o.datatype, o.dims, o.bytes, o.data);
        au_fail(file, line, buf);
        return false;
    }
    const float *values = (const float *)o.data;
    for (int i = 0; i < AU_DUMMY_N; i++) {
        if (values[i] != input[i] + 1.0f) {
            snprintf(buf, sizeof buf, "dummy output a[%d] = %g, expected %g", i, (double)values[i],
                     (double)(input[i] + 1.0f));
            au_fail(file, line, buf);
            return false;
        }
    }
    if (data_out)
        *data_out = o.data;
    return true;
}

#define CHECK_DUMMY_RESPONSE(response, input, data_out) \
    au_check_dummy_response((response), (input), (data_out), __FILE__, __LINE__)

static AU_UNUSED void au_fill(float *values, int n, float value) {
    for (int i = 0; i < n; i++)
        values[i] = value;
}

static AU_UNUSED bool au_all_equal(const float *values, int n, float value) {
    for (int i = 0; i < n; i++)
        if (values[i] != value)
            return false;
    return true;
}

/* ---- batches of async requests ------------------------------------------------------------ */
/* What au_async_batch counts of one request: the first member of its callback context. The
 * callback adds 1 to calls each time it runs and 1 to bad when the outcome is wrong, then adds 1
 * to *done. */
typedef struct {
    atomic_int calls;
    atomic_int bad;
    au_counter *done;
} au_batch_count;

/* Fills request i's callback context `ctx` (its au_batch_count already set) and makes the
 * request; NULL if that failed. */
typedef OVMS_InferenceRequest *(*au_batch_prepare)(int i, void *ctx);

/* Makes n requests with `prepare` and submits them all at once through OVMS_InferenceAsync, each
 * with `callback` and a context of its own (ctx_size bytes, zeroed, starting with an
 * au_batch_count). Then checks that every request called back exactly once and none was wrong,
 * and that the `slots` slots of `model` are at rest. The contexts and requests are made and freed
 * here; `what` names the submission in a failure. */
static AU_UNUSED void au_async_batch(OVMS_Server *server, int n, size_t ctx_size, au_batch_prepare prepare,
                                     OVMS_InferenceRequestCompletionCallback_t callback, const char *what,
                                     const char *model, int slots) {
    char *ctxs = calloc((size_t)n, ctx_size);
    OVMS_InferenceRequest **requests = calloc((size_t)n, sizeof(OVMS_InferenceRequest *));
    REQUIRE(ctxs != NULL && requests != NULL);
    au_counter done;
    au_counter_init(&done);
    int submitted = 0;
    for (int i = 0; i < n; i++) {
        void *ctx = ctxs + (size_t)i * ctx_size;
        ((au_batch_count *)ctx)->done = &done;
        requests[i] = prepare(i, ctx);
        if (requests[i] == NULL)
            break;
        CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(requests[i], callback, ctx));
        OVMS_Status *status = OVMS_InferenceAsync(server, requests[i]);
        if (status != NULL) {
            au_expect_ok(status, what, __FILE__, __LINE__);
            break;
        }
        submitted++;
    }
    CHECK_EQ(submitted, n);
    AWAIT(&done, submitted);
    au_sleep_ms(50); /* a doubled callback would show up now */
    int bad = 0, calls = 0;
    for (int i = 0; i < submitted; i++) {
        au_batch_count *count = (au_batch_count *)(ctxs + (size_t)i * ctx_size);
        bad += atomic_load(&count->bad);
        calls += atomic_load(&count->calls);
    }
    CHECK_EQ(calls, submitted);
    CHECK_EQ(bad, 0);
    CHECK_POOL_AT_REST(server, model, slots);
    for (int i = 0; i < n; i++)
        OVMS_InferenceRequestDelete(requests[i]);
    au_counter_destroy(&done);
    free(requests);
    free(ctxs);
}

/* ---- shared test state and dummy-request helpers --------------------------------------------- */
/* The process-wide server (OVMS_ServerNew), set by each test's main. */
static OVMS_Server *server = NULL;
/* The test's main thread: callbacks must run on library threads, never on it. */
static pthread_t au_main_thread;

/* ---- a callback that must never run (refused requests) ---------------------------------------- */
static atomic_int never_calls = 0;

static AU_UNUSED void never_cb(OVMS_InferenceResponse *response, uint32_t flag, void *user) {
    (void)user;
    atomic_fetch_add(&never_calls, 1);
    char buf[200];
    snprintf(buf, sizeof buf, "callback ran for a refused request (flag %u, response %p)", flag, (void *)response);
    au_fail(__FILE__, __LINE__, buf);
    OVMS_InferenceResponseDelete(response);
}

/* ---- a per-request context for dummy requests --------------------------------------------------- */
typedef struct {
    atomic_int calls;
    atomic_int flag;                      /* flag of the (first) callback */
    const float *expect_input;            /* values checked as input + 1 when flag 0 */
    bool keep;                            /* keep the response for the test to inspect */
    OVMS_InferenceResponse *_Atomic kept;
    const void *_Atomic data_seen;        /* the response's output data pointer */
    atomic_bool values_ok;
    pthread_t thread;                     /* thread the callback ran on */
    const char *slots_model;              /* if set: read the pool counters inside the callback */
    au_slots slots_in_callback;
    au_counter *done;                     /* incremented last, when set */
} dummy_ctx;

static AU_UNUSED void dummy_ctx_init(dummy_ctx *ctx, const float *input, au_counter *done) {
    memset(ctx, 0, sizeof *ctx);
    atomic_init(&ctx->calls, 0);
    atomic_init(&ctx->flag, -1);
    atomic_init(&ctx->kept, NULL);
    atomic_init(&ctx->data_seen, NULL);
    atomic_init(&ctx->values_ok, false);
    ctx->expect_input = input;
    ctx->done = done;
}

static AU_UNUSED void dummy_cb(OVMS_InferenceResponse *response, uint32_t flag, void *user) {
    dummy_ctx *ctx = (dummy_ctx *)user;
    ctx->thread = pthread_self();
    if (ctx->slots_model != NULL)
        ctx->slots_in_callback = au_get_slots(server, ctx->slots_model);
    int calls = atomic_fetch_add(&ctx->calls, 1) + 1;
    if (calls > 1) {
        au_fail(__FILE__, __LINE__, "a second callback for the same accepted request");
    } else {
        atomic_store(&ctx->flag, (int)flag);
    }
    if (flag == 0) {
        const void *data = NULL;
        bool ok = CHECK_DUMMY_RESPONSE(response, ctx->expect_input, &data);
        atomic_store(&ctx->values_ok, ok);
        atomic_store(&ctx->data_seen, data);
        if (ctx->keep && calls == 1)
            atomic_store(&ctx->kept, response);
        else
            OVMS_InferenceResponseDelete(response);
    } else {
        if (flag != 1)
            au_fail(__FILE__, __LINE__, "callback flag is neither 0 nor 1");
        if (response != NULL) {
            au_fail(__FILE__, __LINE__, "failure callback with a non-NULL response");
            OVMS_InferenceResponseDelete(response);
        }
    }
    if (ctx->done)
        au_counter_add(ctx->done, 1);
}

static AU_UNUSED void fill_input(float *input, float base) {
    for (int i = 0; i < AU_DUMMY_N; i++)
        input[i] = base + (float)i * 0.25f;
}

/* Sync inference of dummy on `model` with `input`; checks values. Returns the output pointer. */
static AU_UNUSED const void *sync_dummy(const char *model, const float *input) {
    OVMS_InferenceRequest *request = NULL;
    const void *data = NULL;
    if (!au_expect_ok(au_dummy_request(server, model, input, &request), "au_dummy_request", __FILE__, __LINE__))
        return NULL;
    OVMS_InferenceResponse *response = NULL;
    if (au_expect_ok(OVMS_Inference(server, request, &response), "OVMS_Inference", __FILE__, __LINE__)) {
        CHECK_DUMMY_RESPONSE(response, input, &data);
        OVMS_InferenceResponseDelete(response);
    }
    OVMS_InferenceRequestDelete(request);
    return data;
}

/* One async dummy inference with a fresh context; waits for it; true when flag 0 with right values. */
static AU_UNUSED bool async_dummy_roundtrip(const char *model, const float *input) {
    au_counter done;
    dummy_ctx ctx;
    au_counter_init(&done);
    dummy_ctx_init(&ctx, input, &done);
    OVMS_InferenceRequest *request = NULL;
    bool ok = false;
    if (au_expect_ok(au_dummy_request(server, model, input, &request), "au_dummy_request", __FILE__, __LINE__) &&
        au_expect_ok(OVMS_InferenceRequestSetCompletionCallback(request, dummy_cb, &ctx), "SetCallback", __FILE__,
                     __LINE__) &&
        au_expect_ok(OVMS_InferenceAsync(server, request), "OVMS_InferenceAsync", __FILE__, __LINE__)) {
        AWAIT(&done, 1);
        ok = atomic_load(&ctx.flag) == 0 && atomic_load(&ctx.values_ok);
        if (!ok)
            au_fail(__FILE__, __LINE__, "async roundtrip did not succeed with correct values");
    }
    OVMS_InferenceRequestDelete(request);
    au_counter_destroy(&done);
    return ok;
}

#endif /* OVMS_C_TESTS_ASYNC_UTIL_H */
