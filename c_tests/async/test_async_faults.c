/*
 * test_async_faults.c: OVMS_InferenceAsync under injected faults (library built with the cargo
 * feature `fault-injection`, compiled with -DOVMS_TEST_FAULT_INJECTION).
 *
 * Faults (OVMS_ExTestInjectFault(fault, every): every `every`-th pass fails, 0 = off, counters
 * global and reset when set):
 *   0 start_async fails: direct request => OVMS_InferenceAsync returns 69; queued => flag 1
 *   1 binding fails:     direct request => 68;                               queued => flag 1
 *   2 inference fails at completion: callback (NULL, 1)
 *
 * Invariants proved (docs/architecture.md invariants 1, 4, 6, 7; OVMS PR #4335): a refused request never calls back
 * and leaves no slot behind; an accepted one calls back exactly once; the slot's own output
 * tensors are restored on every path, so a caller's preallocated buffer is never written by a
 * later request; the pool ends at rest (idle == slots, queued == 0); nothing hangs.
 */
#include "async_util.h"

#ifndef OVMS_TEST_FAULT_INJECTION
#error "test_async_faults needs -DOVMS_TEST_FAULT_INJECTION and the fault-injection library"
#endif

enum { FAULT_START = 0, FAULT_BIND = 1, FAULT_COMPLETION = 2 };

static bool set_fault(uint32_t fault, uint32_t every) {
    return au_expect_ok(OVMS_ExTestInjectFault(fault, every), "OVMS_ExTestInjectFault", __FILE__, __LINE__);
}

static void faults_off(void) {
    set_fault(FAULT_START, 0);
    set_fault(FAULT_BIND, 0);
    set_fault(FAULT_COMPLETION, 0);
}

static const float SENTINEL = -31337.0f;

/* ============================================================================================== */

static void test_inject_fault_api(void) {
    CHECK_CODE(OVMS_ExTestInjectFault(3, 1), 78); /* NOT_IMPLEMENTED: no such fault */
    CHECK_OK(OVMS_ExTestInjectFault(FAULT_START, 0));
    CHECK_OK(OVMS_ExTestInjectFault(FAULT_BIND, 0));
    CHECK_OK(OVMS_ExTestInjectFault(FAULT_COMPLETION, 0));
    /* With every fault off the library behaves normally. */
    float input[AU_DUMMY_N];
    fill_input(input, 1.0f);
    CHECK(async_dummy_roundtrip("dummy1", input));
    CHECK(sync_dummy("dummy1", input) != NULL);
    CHECK_POOL_AT_REST(server, "dummy1", 1);
}

/*
 * The direct-refusal scenario of OVMS PR #4335 for `fault` (start_async or bind): nireq 1, a
 * preallocated output bound, the fault on every pass. Each OVMS_InferenceAsync returns `code`,
 * no callback runs, and the only slot is idle again right after; later requests succeed and never
 * write into the refused request's output buffer.
 */
static void refused_with_preallocated_output(uint32_t fault, uint32_t code, bool sync_affected) {
    float user_out[AU_DUMMY_N];
    float in_a[AU_DUMMY_N], in_b[AU_DUMMY_N];
    fill_input(in_a, 100.0f);
    fill_input(in_b, 200.0f);
    au_fill(user_out, AU_DUMMY_N, SENTINEL);
    OVMS_InferenceRequest *request = NULL;
    REQUIRE_OK(au_dummy_request(server, "dummy1", in_a, &request));
    REQUIRE_OK(au_dummy_prealloc(request, user_out));
    REQUIRE_OK(OVMS_InferenceRequestSetCompletionCallback(request, never_cb, NULL));

    REQUIRE(set_fault(fault, 1));
    for (int i = 0; i < 5; i++) {
        CHECK_CODE(OVMS_InferenceAsync(server, request), code);
        /* Right after the refusal: the slot is back, nobody waits. */
        CHECK_POOL_AT_REST(server, "dummy1", 1);
    }
    CHECK(au_all_equal(user_out, AU_DUMMY_N, SENTINEL)); /* no inference ran into it */
    /* A sync inference with the fault still on: it either fails the same way (bind is shared with
       the sync path) or succeeds (start_async is not used by it); either way it does not block. */
    {
        OVMS_InferenceRequest *sync_request = NULL;
        OVMS_InferenceResponse *response = NULL;
        CHECK_OK(au_dummy_request(server, "dummy1", in_b, &sync_request));
        OVMS_Status *status = OVMS_Inference(server, sync_request, &response);
        if (sync_affected) {
            CHECK_CODE(status, code);
        } else if (au_expect_ok(status, "sync with start_async fault", __FILE__, __LINE__)) {
            CHECK_DUMMY_RESPONSE(response, in_b, NULL);
            OVMS_InferenceResponseDelete(response);
        }
        OVMS_InferenceRequestDelete(sync_request);
        CHECK_POOL_AT_REST(server, "dummy1", 1);
    }
    REQUIRE(set_fault(fault, 0));

    /* The next requests succeed, and none of them writes into the refused request's buffer. */
    CHECK(async_dummy_roundtrip("dummy1", in_b));
    CHECK(sync_dummy("dummy1", in_b) != NULL);
    CHECK(async_dummy_roundtrip("dummy1", in_b));
    CHECK(au_all_equal(user_out, AU_DUMMY_N, SENTINEL));

    /* The refused request itself can be sent again and now succeeds into its buffer. */
    au_counter done;
    au_counter_init(&done);
    dummy_ctx ctx;
    dummy_ctx_init(&ctx, in_a, &done);
    REQUIRE_OK(OVMS_InferenceRequestSetCompletionCallback(request, dummy_cb, &ctx));
    REQUIRE_OK(OVMS_InferenceAsync(server, request));
    AWAIT(&done, 1);
    CHECK_EQ(atomic_load(&ctx.flag), 0);
    CHECK(atomic_load(&ctx.values_ok));
    CHECK(atomic_load(&ctx.data_seen) == (const void *)user_out);
    CHECK(user_out[0] == in_a[0] + 1.0f && user_out[9] == in_a[9] + 1.0f);
    /* ... and after that, again, later requests leave the buffer alone. */
    au_fill(user_out, AU_DUMMY_N, SENTINEL);
    CHECK(async_dummy_roundtrip("dummy1", in_b));
    CHECK(sync_dummy("dummy1", in_b) != NULL);
    CHECK(au_all_equal(user_out, AU_DUMMY_N, SENTINEL));
    CHECK_POOL_AT_REST(server, "dummy1", 1);
    CHECK_EQ(atomic_load(&never_calls), 0);
    OVMS_InferenceRequestDelete(request);
    au_counter_destroy(&done);
}

static void test_pr4335_start_async_fault(void) {
    refused_with_preallocated_output(FAULT_START, AU_OV_INTERNAL_INFERENCE_ERROR, false);
}

static void test_bind_fault(void) {
    refused_with_preallocated_output(FAULT_BIND, AU_OV_INTERNAL_DESERIALIZATION_ERROR, true);
}

static void test_completion_fault(void) {
    float user_out[AU_DUMMY_N];
    float in_a[AU_DUMMY_N], in_b[AU_DUMMY_N];
    fill_input(in_a, 300.0f);
    fill_input(in_b, 400.0f);
    au_fill(user_out, AU_DUMMY_N, SENTINEL);
    OVMS_InferenceRequest *with_out = NULL, *plain = NULL;
    REQUIRE_OK(au_dummy_request(server, "dummy1", in_a, &with_out));
    REQUIRE_OK(au_dummy_prealloc(with_out, user_out));
    REQUIRE_OK(au_dummy_request(server, "dummy1", in_b, &plain));
    au_counter done;
    au_counter_init(&done);
    dummy_ctx ctx;

    REQUIRE(set_fault(FAULT_COMPLETION, 1));
    OVMS_InferenceRequest *requests[2] = {with_out, plain};
    const float *inputs[2] = {in_a, in_b};
    for (int rep = 0; rep < 3; rep++) {
        for (int r = 0; r < 2; r++) {
            au_counter_add(&done, -au_counter_get(&done));
            dummy_ctx_init(&ctx, inputs[r], &done);
            ctx.slots_model = "dummy1"; /* the slot must be idle while the failure callback runs */
            REQUIRE_OK(OVMS_InferenceRequestSetCompletionCallback(requests[r], dummy_cb, &ctx));
            REQUIRE_OK(OVMS_InferenceAsync(server, requests[r]));
            AWAIT(&done, 1);
            CHECK_EQ(atomic_load(&ctx.flag), 1);
            CHECK_EQ(ctx.slots_in_callback.idle, 1);
            CHECK_EQ(ctx.slots_in_callback.queued, 0);
            au_sleep_ms(20);
            CHECK_EQ(atomic_load(&ctx.calls), 1);
            CHECK_POOL_AT_REST(server, "dummy1", 1);
        }
    }
    REQUIRE(set_fault(FAULT_COMPLETION, 0));
    /* The failed requests' slot had its outputs restored: the buffer is not written any more. */
    au_fill(user_out, AU_DUMMY_N, SENTINEL);
    CHECK(async_dummy_roundtrip("dummy1", in_b));
    CHECK(sync_dummy("dummy1", in_b) != NULL);
    CHECK(au_all_equal(user_out, AU_DUMMY_N, SENTINEL));
    /* Both requests succeed again. */
    for (int r = 0; r < 2; r++) {
        au_counter_add(&done, -au_counter_get(&done));
        dummy_ctx_init(&ctx, inputs[r], &done);
        REQUIRE_OK(OVMS_InferenceRequestSetCompletionCallback(requests[r], dummy_cb, &ctx));
        REQUIRE_OK(OVMS_InferenceAsync(server, requests[r]));
        AWAIT(&done, 1);
        CHECK_EQ(atomic_load(&ctx.flag), 0);
        CHECK(atomic_load(&ctx.values_ok));
    }
    CHECK(user_out[0] == in_a[0] + 1.0f);
    CHECK_POOL_AT_REST(server, "dummy1", 1);
    OVMS_InferenceRequestDelete(with_out);
    OVMS_InferenceRequestDelete(plain);
    au_counter_destroy(&done);
}

/*
 * Faults on QUEUED requests: a slow request (a big batch on dyn1, nireq 1) holds the only slot
 * while small requests are submitted behind it; with the fault on every pass, each of them
 * either was refused directly (it found the slot free: `direct_code`) or was queued and then gets
 * exactly one callback with flag 1 when its start/bind fails on the releasing thread.
 */
typedef struct {
    atomic_int calls;
    atomic_int flag;
    au_counter *done;
} small_ctx;

static void small_cb(OVMS_InferenceResponse *response, uint32_t flag, void *user) {
    small_ctx *ctx = (small_ctx *)user;
    if (atomic_fetch_add(&ctx->calls, 1) > 0)
        au_fail(__FILE__, __LINE__, "queued fault: second callback");
    atomic_store(&ctx->flag, (int)flag);
    if (response != NULL) {
        if (flag != 0)
            au_fail(__FILE__, __LINE__, "flag 1 with a response");
        OVMS_InferenceResponseDelete(response);
    }
    au_counter_add(ctx->done, 1);
}

static atomic_int big_ok = 0;

static void big_cb(OVMS_InferenceResponse *response, uint32_t flag, void *user) {
    au_counter *done = (au_counter *)user;
    if (flag == 0 && response != NULL)
        atomic_fetch_add(&big_ok, 1);
    else
        au_fail(__FILE__, __LINE__, "the slow (unfaulted) request failed");
    OVMS_InferenceResponseDelete(response);
    au_counter_add(done, 1);
}

static void queued_faults(uint32_t fault, uint32_t direct_code) {
    enum { SMALL = 8 };
    const int rows = (int)au_scaled(200000, 5000);
    const int max_rounds = 20;
    float *big_input = malloc((size_t)rows * 10 * sizeof(float));
    REQUIRE(big_input != NULL);
    au_fill(big_input, rows * 10, 1.0f);
    const int64_t big_shape[2] = {rows, 10};
    OVMS_InferenceRequest *big = NULL;
    REQUIRE_OK(OVMS_InferenceRequestNew(&big, server, "dyn1", 0));
    REQUIRE_OK(OVMS_InferenceRequestAddInput(big, "b", OVMS_DATATYPE_FP32, big_shape, 2));
    REQUIRE_OK(OVMS_InferenceRequestInputSetData(big, "b", big_input, (size_t)rows * 10 * sizeof(float),
                                                 OVMS_BUFFERTYPE_CPU, 0));
    au_counter big_done, small_done;
    au_counter_init(&big_done);
    au_counter_init(&small_done);
    REQUIRE_OK(OVMS_InferenceRequestSetCompletionCallback(big, big_cb, &big_done));

    float small_input[AU_DUMMY_N];
    fill_input(small_input, 0.0f);
    OVMS_InferenceRequest *small[SMALL];
    small_ctx ctxs[SMALL];
    for (int i = 0; i < SMALL; i++) {
        REQUIRE_OK(au_dummy_request(server, "dyn1", small_input, &small[i]));
        REQUIRE_OK(OVMS_InferenceRequestSetCompletionCallback(small[i], small_cb, &ctxs[i]));
    }
    int total_queued = 0, total_refused = 0, rounds = 0;
    atomic_store(&big_ok, 0);
    for (rounds = 1; rounds <= max_rounds && total_queued == 0; rounds++) {
        au_counter_add(&big_done, -au_counter_get(&big_done));
        au_counter_add(&small_done, -au_counter_get(&small_done));
        REQUIRE(set_fault(fault, 0));
        REQUIRE_OK(OVMS_InferenceAsync(server, big)); /* takes the only slot for a while */
        REQUIRE(set_fault(fault, 1));
        int accepted = 0;
        bool refused[SMALL] = {false};
        for (int i = 0; i < SMALL; i++) {
            atomic_init(&ctxs[i].calls, 0);
            atomic_init(&ctxs[i].flag, -1);
            ctxs[i].done = &small_done;
            OVMS_Status *status = OVMS_InferenceAsync(server, small[i]);
            if (status == NULL) {
                accepted++;
            } else {
                refused[i] = true;
                au_expect_code(status, direct_code, "direct refusal under fault", __FILE__, __LINE__);
            }
        }
        AWAIT(&big_done, 1);
        AWAIT(&small_done, accepted); /* every queued request calls back, although its start failed */
        REQUIRE(set_fault(fault, 0));
        au_sleep_ms(20);
        for (int i = 0; i < SMALL; i++) {
            if (refused[i]) {
                CHECK_EQ(atomic_load(&ctxs[i].calls), 0);
            } else {
                CHECK_EQ(atomic_load(&ctxs[i].calls), 1);
                CHECK_EQ(atomic_load(&ctxs[i].flag), 1);
            }
        }
        CHECK_POOL_AT_REST(server, "dyn1", 1);
        total_queued += accepted;
        total_refused += SMALL - accepted;
    }
    au_log("fault %u: %d rounds, %d queued requests failed with flag 1, %d refused directly with %u", fault,
           rounds - 1, total_queued, total_refused, direct_code);
    CHECK(total_queued > 0); /* the queued path was exercised */
    CHECK_EQ(atomic_load(&big_ok), rounds - 1);
    /* Back to normal. */
    CHECK(async_dummy_roundtrip("dyn1", small_input));
    CHECK_POOL_AT_REST(server, "dyn1", 1);
    for (int i = 0; i < SMALL; i++)
        OVMS_InferenceRequestDelete(small[i]);
    OVMS_InferenceRequestDelete(big);
    free(big_input);
    au_counter_destroy(&big_done);
    au_counter_destroy(&small_done);
}

static void test_queued_start_async_fault(void) { queued_faults(FAULT_START, AU_OV_INTERNAL_INFERENCE_ERROR); }

static void test_queued_bind_fault(void) { queued_faults(FAULT_BIND, AU_OV_INTERNAL_DESERIALIZATION_ERROR); }

/* ---- the stress: many threads, all three faults every 10th pass ------------------------------- */
enum { STRESS_POOL = 32, BAD_EVERY = 100 };

struct stress_thread;

typedef struct {
    struct stress_thread *owner;
    OVMS_InferenceRequest *request;
    float input[AU_DUMMY_N];
    float output[AU_DUMMY_N]; /* preallocated output (odd entries only) */
    bool has_output;
    int seq; /* the iteration this entry serves while in flight */
} stress_entry;

typedef struct stress_thread {
    int index;
    int iterations;
    int phase_length;
    const char *model;
    pthread_t thread;
    stress_entry entries[STRESS_POOL];
    OVMS_InferenceRequest *bad; /* fails validation (shape [1,9]) */
    float bad_input[AU_DUMMY_N];
    pthread_mutex_t lock;
    pthread_cond_t freed;
    int free_list[STRESS_POOL];
    int free_count;
    /* per iteration */
    atomic_uchar *calls;    /* callbacks received */
    unsigned char *outcome; /* 0 not sent, 1 accepted, 2 refused */
    /* totals */
    long accepted, refused57, refused68, refused69, refused_other;
    atomic_long flag0, flag1, bad_values, stale_writes, doubles;
    bool stalled;
} stress_thread;

static au_counter stress_callbacks;

static void stress_cb(OVMS_InferenceResponse *response, uint32_t flag, void *user) {
    stress_entry *e = (stress_entry *)user;
    stress_thread *t = e->owner;
    int seq = e->seq;
    if (atomic_fetch_add(&t->calls[seq], 1) > 0)
        atomic_fetch_add(&t->doubles, 1);
    if (flag == 0) {
        const void *data = NULL;
        bool ok = CHECK_DUMMY_RESPONSE(response, e->input, &data);
        if (e->has_output) {
            ok = ok && data == (const void *)e->output;
            for (int k = 0; ok && k < AU_DUMMY_N; k++)
                ok = e->output[k] == e->input[k] + 1.0f;
        }
        if (!ok)
            atomic_fetch_add(&t->bad_values, 1);
        atomic_fetch_add(&t->flag0, 1);
        OVMS_InferenceResponseDelete(response);
    } else {
        if (response != NULL || flag != 1) {
            atomic_fetch_add(&t->bad_values, 1);
            OVMS_InferenceResponseDelete(response);
        }
        atomic_fetch_add(&t->flag1, 1);
    }
    /* The slot was restored before this callback: from now on nothing may write the buffer. */
    if (e->has_output)
        au_fill(e->output, AU_DUMMY_N, SENTINEL);
    /* Counted before the entry goes back: a thread that sees all its entries back has all its
       callbacks counted. */
    au_counter_add(&stress_callbacks, 1);
    pthread_mutex_lock(&t->lock);
    t->free_list[t->free_count++] = (int)(e - t->entries);
    pthread_cond_signal(&t->freed);
    pthread_mutex_unlock(&t->lock);
}

/* Waits (bounded) until at least `want` entries are free; false on a stall. */
static bool stress_wait_free(stress_thread *t, int want) {
    pthread_mutex_lock(&t->lock);
    int seen = t->free_count;
    double limit = au_now() + AU_STALL_SECONDS;
    while (t->free_count < want) {
        if (t->free_count != seen) {
            seen = t->free_count;
            limit = au_now() + AU_STALL_SECONDS;
        }
        if (au_now() > limit)
            break;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&t->freed, &t->lock, &ts);
    }
    bool ok = t->free_count >= want;
    pthread_mutex_unlock(&t->lock);
    return ok;
}

static void *stress_main(void *arg) {
    stress_thread *t = (stress_thread *)arg;
    for (int i = 0; i < t->iterations; i++) {
        if (i % BAD_EVERY == BAD_EVERY - 1) {
            OVMS_Status *status = OVMS_InferenceAsync(server, t->bad);
            if (status != NULL && au_code(status) == AU_INVALID_SHAPE)
                t->refused57++;
            else
                au_fail(__FILE__, __LINE__, "the invalid request was not refused with INVALID_SHAPE");
            OVMS_StatusDelete(status);
            t->outcome[i] = 2;
            continue;
        }
        /* Alternating pressure: phases with up to STRESS_POOL requests of this thread in flight
           (the queue stays full: every request is queued) and phases with one at a time (slots
           are often idle: requests start directly, so faults surface as returned statuses). */
        int in_flight_limit = (i / t->phase_length) % 2 == 0 ? STRESS_POOL : 1;
        if (!stress_wait_free(t, STRESS_POOL - in_flight_limit + 1)) {
            t->stalled = true;
            au_fail(__FILE__, __LINE__, "stress: no request came back for the stall limit (lost callbacks?)");
            return NULL;
        }
        pthread_mutex_lock(&t->lock);
        stress_entry *e = &t->entries[t->free_list[--t->free_count]];
        pthread_mutex_unlock(&t->lock);
        if (e->has_output && !au_all_equal(e->output, AU_DUMMY_N, SENTINEL))
            atomic_fetch_add(&t->stale_writes, 1); /* written while it was not in flight */
        e->seq = i;
        for (int k = 0; k < AU_DUMMY_N; k++)
            e->input[k] = (float)(i % 997) + (float)k * 0.5f + (float)t->index;
        OVMS_Status *status = OVMS_InferenceAsync(server, e->request);
        if (status == NULL) {
            t->outcome[i] = 1;
            t->accepted++;
            continue;
        }
        t->outcome[i] = 2;
        uint32_t code = au_code(status);
        OVMS_StatusDelete(status);
        if (code == AU_OV_INTERNAL_INFERENCE_ERROR)
            t->refused69++;
        else if (code == AU_OV_INTERNAL_DESERIALIZATION_ERROR)
            t->refused68++;
        else
            t->refused_other++;
        if (e->has_output && !au_all_equal(e->output, AU_DUMMY_N, SENTINEL))
            atomic_fetch_add(&t->stale_writes, 1); /* a refused request's buffer was written */
        pthread_mutex_lock(&t->lock);
        t->free_list[t->free_count++] = (int)(e - t->entries);
        pthread_mutex_unlock(&t->lock);
    }
    /* Every request of this thread comes back. */
    if (!stress_wait_free(t, STRESS_POOL)) {
        t->stalled = true;
        au_fail(__FILE__, __LINE__, "stress: callbacks missing at the end (lost callbacks?)");
    }
    return NULL;
}

static stress_thread *stress_threads = NULL;
static int stress_nthreads = 0;

/* Every accepted iteration got exactly one callback, every refused one none. */
static void stress_check_exactly_once(const char *when) {
    long wrong = 0;
    for (int t = 0; t < stress_nthreads; t++) {
        stress_thread *th = &stress_threads[t];
        for (int i = 0; i < th->iterations; i++) {
            int calls = atomic_load(&th->calls[i]);
            int expected = th->outcome[i] == 1 ? 1 : 0;
            if (calls != expected) {
                if (wrong < 10) {
                    char buf[200];
                    snprintf(buf, sizeof buf, "%s: thread %d iteration %d: %d callbacks, expected %d (%s)", when, t,
                             i, calls, expected, th->outcome[i] == 1 ? "accepted" : "refused");
                    au_fail(__FILE__, __LINE__, buf);
                }
                wrong++;
            }
        }
    }
    CHECK_EQ(wrong, 0);
}

static void test_stress_all_faults(void) {
    const int nthreads = (int)au_scaled(8, 2);
    const int iterations = (int)au_scaled(10000, 200);
    const char *model = "dummy2";
    stress_threads = calloc((size_t)nthreads, sizeof *stress_threads);
    REQUIRE(stress_threads != NULL);
    stress_nthreads = nthreads;
    au_counter_init(&stress_callbacks);
    const int64_t bad_shape[2] = {1, 9};
    for (int t = 0; t < nthreads; t++) {
        stress_thread *th = &stress_threads[t];
        th->index = t;
        th->iterations = iterations;
        th->phase_length = iterations / 20 > 0 ? iterations / 20 : 1;
        th->model = model;
        pthread_mutex_init(&th->lock, NULL);
        pthread_cond_init(&th->freed, NULL);
        th->calls = calloc((size_t)iterations, sizeof *th->calls);
        th->outcome = calloc((size_t)iterations, 1);
        REQUIRE(th->calls && th->outcome);
        atomic_init(&th->flag0, 0);
        atomic_init(&th->flag1, 0);
        atomic_init(&th->bad_values, 0);
        atomic_init(&th->stale_writes, 0);
        atomic_init(&th->doubles, 0);
        for (int k = 0; k < STRESS_POOL; k++) {
            stress_entry *e = &th->entries[k];
            e->owner = th;
            e->has_output = k % 2 == 1;
            fill_input(e->input, 0.0f);
            au_fill(e->output, AU_DUMMY_N, SENTINEL);
            REQUIRE_OK(au_dummy_request(server, model, e->input, &e->request));
            if (e->has_output)
                REQUIRE_OK(au_dummy_prealloc(e->request, e->output));
            REQUIRE_OK(OVMS_InferenceRequestSetCompletionCallback(e->request, stress_cb, e));
            th->free_list[th->free_count++] = k;
        }
        REQUIRE_OK(OVMS_InferenceRequestNew(&th->bad, server, model, 0));
        REQUIRE_OK(OVMS_InferenceRequestAddInput(th->bad, "b", OVMS_DATATYPE_FP32, bad_shape, 2));
        REQUIRE_OK(OVMS_InferenceRequestInputSetData(th->bad, "b", th->bad_input, 9 * sizeof(float),
                                                     OVMS_BUFFERTYPE_CPU, 0));
        REQUIRE_OK(OVMS_InferenceRequestSetCompletionCallback(th->bad, never_cb, NULL));
    }
    REQUIRE(set_fault(FAULT_START, 10));
    REQUIRE(set_fault(FAULT_BIND, 10));
    REQUIRE(set_fault(FAULT_COMPLETION, 10));
    double started = au_now();
    for (int t = 0; t < nthreads; t++)
        REQUIRE(pthread_create(&stress_threads[t].thread, NULL, stress_main, &stress_threads[t]) == 0);
    for (int t = 0; t < nthreads; t++)
        pthread_join(stress_threads[t].thread, NULL);
    double seconds = au_now() - started;
    faults_off();

    long accepted = 0, r57 = 0, r68 = 0, r69 = 0, rother = 0, f0 = 0, f1 = 0, bad = 0, stale = 0, doubles = 0;
    bool stalled = false;
    for (int t = 0; t < nthreads; t++) {
        stress_thread *th = &stress_threads[t];
        accepted += th->accepted;
        r57 += th->refused57;
        r68 += th->refused68;
        r69 += th->refused69;
        rother += th->refused_other;
        f0 += atomic_load(&th->flag0);
        f1 += atomic_load(&th->flag1);
        bad += atomic_load(&th->bad_values);
        stale += atomic_load(&th->stale_writes);
        doubles += atomic_load(&th->doubles);
        stalled = stalled || th->stalled;
    }
    if (stalled) {
        /* Callbacks are missing: the library may still write into our requests; stop here. */
        au_fail(__FILE__, __LINE__, "stress stalled: lost callbacks or a hang");
        printf("%d passed, %d failed\n", au_tests_passed, au_tests_failed + 1);
        fflush(stdout);
        _exit(4);
    }
    const long total = (long)nthreads * iterations;
    /* Valid requests all pass the bind seam once; the started ones the start seam; the started
       and successful ones the completion seam. Each seam fails exactly every 10th pass. */
    const long valid = total - r57;
    const long bind_faults = valid / 10;
    const long start_faults = (valid - bind_faults) / 10;
    const long completion_faults = (valid - bind_faults - start_faults) / 10;
    au_log("%ld requests from %d threads in %.2f s (%.0f/s): accepted %ld (flag 0: %ld, flag 1: %ld), refused: "
           "57=%ld 68=%ld 69=%ld other=%ld",
           total, nthreads, seconds, (double)total / seconds, accepted, f0, f1, r57, r68, r69, rother);
    au_log("expected: bind faults %ld, start faults %ld, completion faults %ld, successes %ld", bind_faults,
           start_faults, completion_faults, valid - bind_faults - start_faults - completion_faults);
    CHECK_EQ(accepted + r57 + r68 + r69 + rother, total);
    CHECK_EQ(rother, 0);
    CHECK_EQ(r57, (long)nthreads * (iterations / BAD_EVERY));
    CHECK_EQ(au_counter_get(&stress_callbacks), accepted);
    CHECK_EQ(f0 + f1, accepted);
    CHECK_EQ(doubles, 0);
    CHECK_EQ(bad, 0);
    CHECK_EQ(stale, 0);
    CHECK_EQ(f0, valid - bind_faults - start_faults - completion_faults);
    CHECK_EQ(f1 + r68 + r69, bind_faults + start_faults + completion_faults);
    CHECK(r68 <= bind_faults);
    CHECK(r69 <= start_faults);
    CHECK(r68 > 0);                /* direct refusals happened (low-pressure phases) ... */
    CHECK(r69 > 0);
    CHECK(f1 > r68 + r69);         /* ... and queued failures, including every completion fault */
    stress_check_exactly_once("after the stress");
    au_slots s = au_get_slots(server, model);
    CHECK_EQ(s.slots, 2);
    CHECK_EQ(s.idle, s.slots);
    CHECK_EQ(s.queued, 0);
    CHECK_EQ(atomic_load(&never_calls), 0);
    /* The model still serves correctly. */
    float input[AU_DUMMY_N];
    fill_input(input, 9.0f);
    CHECK(async_dummy_roundtrip(model, input));
    CHECK(sync_dummy(model, input) != NULL);
}

static void stress_free(void) {
    for (int t = 0; t < stress_nthreads; t++) {
        stress_thread *th = &stress_threads[t];
        for (int k = 0; k < STRESS_POOL; k++)
            OVMS_InferenceRequestDelete(th->entries[k].request);
        OVMS_InferenceRequestDelete(th->bad);
        free(th->calls);
        free(th->outcome);
        pthread_mutex_destroy(&th->lock);
        pthread_cond_destroy(&th->freed);
    }
    free(stress_threads);
    stress_threads = NULL;
    stress_nthreads = 0;
}

/* ---- OVMS_ServerDelete racing submitters, faults on ---------------------------------------------- */
static atomic_bool delete_returned = false;
static atomic_long race_callbacks = 0, race_late = 0, race_doubles = 0, race_on_caller = 0;

typedef struct {
    atomic_int calls;
    OVMS_InferenceRequest *request;
    float input[AU_DUMMY_N];
    long accepted, refused, bad_codes;
    int thread_index;
} race_entry;

static void race_cb(OVMS_InferenceResponse *response, uint32_t flag, void *user) {
    race_entry *e = (race_entry *)user;
    if (atomic_load(&delete_returned))
        atomic_fetch_add(&race_late, 1);
    if (pthread_equal(pthread_self(), au_main_thread)) /* the OVMS_ServerDelete caller */
        atomic_fetch_add(&race_on_caller, 1);
    if (atomic_fetch_add(&e->calls, 1) > 0)
        atomic_fetch_add(&race_doubles, 1);
    if (flag == 0)
        CHECK_DUMMY_RESPONSE(response, e->input, NULL);
    OVMS_InferenceResponseDelete(response);
    atomic_fetch_add(&race_callbacks, 1);
}

typedef struct {
    race_entry *entries;
    int count;
    long accepted, refused;
} race_thread;

static void *race_main(void *arg) {
    race_thread *rt = (race_thread *)arg;
    for (int i = 0; i < rt->count; i++) {
        race_entry *e = &rt->entries[i];
        OVMS_Status *status = OVMS_InferenceAsync(server, e->request);
        if (status == NULL) {
            rt->accepted++;
            continue;
        }
        rt->refused++;
        atomic_store(&e->calls, -1000); /* refused: a callback would make it -999 */
        uint32_t code = au_code(status);
        OVMS_StatusDelete(status);
        /* faults, the version closing under us, or the server stopped */
        if (code != AU_OV_INTERNAL_INFERENCE_ERROR && code != AU_OV_INTERNAL_DESERIALIZATION_ERROR && code != 48 &&
            code != AU_SERVER_NOT_READY) {
            char buf[100];
            snprintf(buf, sizeof buf, "unexpected refusal code %u during Delete", code);
            au_fail(__FILE__, __LINE__, buf);
        }
    }
    return NULL;
}

static void test_delete_races_submitters_under_faults(void) {
    const int nthreads = (int)au_scaled(4, 2);
    const int per_thread = (int)au_scaled(2000, 100);
    race_entry *entries = calloc((size_t)nthreads * per_thread, sizeof *entries);
    race_thread *threads = calloc((size_t)nthreads, sizeof *threads);
    pthread_t *ids = calloc((size_t)nthreads, sizeof *ids);
    REQUIRE(entries && threads && ids);
    for (int i = 0; i < nthreads * per_thread; i++) {
        fill_input(entries[i].input, (float)(i % 100));
        atomic_init(&entries[i].calls, 0);
        REQUIRE_OK(au_dummy_request(server, i % 2 ? "dummy2" : "dummy1", entries[i].input, &entries[i].request));
        REQUIRE_OK(OVMS_InferenceRequestSetCompletionCallback(entries[i].request, race_cb, &entries[i]));
    }
    atomic_store(&delete_returned, false);
    REQUIRE(set_fault(FAULT_START, 3));
    REQUIRE(set_fault(FAULT_BIND, 4));
    REQUIRE(set_fault(FAULT_COMPLETION, 5));
    for (int t = 0; t < nthreads; t++) {
        threads[t].entries = entries + (size_t)t * per_thread;
        threads[t].count = per_thread;
        REQUIRE(pthread_create(&ids[t], NULL, race_main, &threads[t]) == 0);
    }
    /* Let the submitters get going, then stop the server under them. */
    while (atomic_load(&race_callbacks) < (au_small() ? 20 : 1000))
        au_sleep_ms(1);
    OVMS_ServerDelete(server);
    atomic_store(&delete_returned, true);
    long at_return = atomic_load(&race_callbacks);
    for (int t = 0; t < nthreads; t++)
        pthread_join(ids[t], NULL);
    faults_off();
    au_sleep_ms(200);
    long accepted = 0, refused = 0;
    for (int t = 0; t < nthreads; t++) {
        accepted += threads[t].accepted;
        refused += threads[t].refused;
    }
    au_log("Delete under submitters: %ld accepted, %ld refused, %ld callbacks at Delete return, %ld now", accepted,
           refused, at_return, atomic_load(&race_callbacks));
    CHECK_EQ(accepted + refused, (long)nthreads * per_thread);
    CHECK_EQ(atomic_load(&race_late), 0);            /* no callback after Delete returned */
    CHECK_EQ(atomic_load(&race_callbacks), accepted); /* every accepted one called back ... */
    CHECK_EQ(at_return, accepted);                    /* ... before Delete returned */
    CHECK_EQ(atomic_load(&race_doubles), 0);
    au_log("callbacks run on the thread that called OVMS_ServerDelete: %ld", atomic_load(&race_on_caller));
    CHECK(refused > 0); /* the race happened: some were refused because the server stopped */
    long wrong = 0;
    for (int i = 0; i < nthreads * per_thread; i++) {
        int calls = atomic_load(&entries[i].calls);
        if (calls != 1 && calls != -1000)
            wrong++;
    }
    CHECK_EQ(wrong, 0);
    for (int i = 0; i < nthreads * per_thread; i++)
        OVMS_InferenceRequestDelete(entries[i].request);
    free(entries);
    free(threads);
    free(ids);

    /* The server starts again and serves, faults off. */
    REQUIRE_OK(au_start_server(server, "faults.json"));
    float input[AU_DUMMY_N];
    fill_input(input, 2.0f);
    CHECK(async_dummy_roundtrip("dummy1", input));
    CHECK(async_dummy_roundtrip("dummy2", input));
    CHECK_POOL_AT_REST(server, "dummy1", 1);
    CHECK_POOL_AT_REST(server, "dummy2", 2);
}

/* The callbacks during that Delete (including the cancelled queued ones) ran on library
   threads, not inside OVMS_ServerDelete on the caller's thread (README: "Callbacks run on library
   threads ... with no library lock held"). */
static void test_delete_callbacks_run_on_library_threads(void) {
    CHECK(atomic_load(&race_callbacks) > 0);
    CHECK_EQ(atomic_load(&race_on_caller), 0);
}

int main(void) {
    au_start_watchdog();
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("test_async_faults (scale: %s)\n", au_small() ? "small" : "full");
    au_main_thread = pthread_self();
    if (!au_expect_ok(OVMS_ServerNew(&server), "OVMS_ServerNew", __FILE__, __LINE__))
        return au_summary();
    atomic_store(&au_deadline, au_now() + (au_small() ? 600 : 120));
    OVMS_Status *started = au_start_server(server, "faults.json");
    atomic_store(&au_deadline, 0.0);
    if (!au_expect_ok(started, "start faults.json", __FILE__, __LINE__))
        return au_summary();
    faults_off();

    RUN_TEST(test_inject_fault_api, 60);
    RUN_TEST(test_pr4335_start_async_fault, 60);
    RUN_TEST(test_bind_fault, 60);
    RUN_TEST(test_completion_fault, 60);
    RUN_TEST(test_queued_start_async_fault, 120);
    RUN_TEST(test_queued_bind_fault, 120);
    RUN_TEST(test_stress_all_faults, 300);
    RUN_TEST(test_delete_races_submitters_under_faults, 240);
    RUN_TEST(test_delete_callbacks_run_on_library_threads, 10);

    atomic_store(&au_current_test, "(final shutdown)");
    atomic_store(&au_deadline, au_now() + (au_small() ? 600 : 120));
    faults_off();
    OVMS_ServerDelete(server);
    atomic_store(&au_deadline, 0.0);
    au_sleep_ms(100);
    /* Late or double callbacks of the stress would show here. */
    if (stress_threads != NULL) {
        atomic_store(&au_current_test, "(final checks)");
        stress_check_exactly_once("after the final ServerDelete");
        stress_free();
    }
    au_expect_eq(atomic_load(&never_calls), 0, "never_calls", "0", __FILE__, __LINE__);
    return au_summary();
}
