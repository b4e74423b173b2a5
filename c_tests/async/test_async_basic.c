/*
 * test_async_basic.c: OVMS_InferenceAsync against the normal library (no fault seam).
 *
 * Contract under test (docs/architecture.md invariants 1-7, this library's documented semantics):
 * - NULL status => accepted, the callback runs exactly once on a library thread with
 *   (response, 0) (the callback owns the response) or (NULL, 1);
 * - a returned status => refused, the callback never runs (no callback => 69, validation errors,
 *   unknown servable 144 / version 47, server not started 256);
 * - preallocated outputs are written into the caller's buffer and the slot's own output tensors
 *   are restored afterwards;
 * - run-time inference failures (fail_odd, odd lengths) arrive as flag 1, never lost;
 * - the slot is released before the user callback runs: a callback may run a blocking
 *   OVMS_Inference on the same nireq-1 model, and a blocked callback does not block others;
 * - OVMS_ServerDelete returns only after every accepted request had its callback, no callback
 *   runs after it returns, and the server can be started again.
 */
#include "async_util.h"

/* ============================================================================================== */

static void test_not_started_server_refuses(void) {
    float input[AU_DUMMY_N];
    fill_input(input, 1.0f);
    OVMS_InferenceRequest *request = NULL;
    REQUIRE_OK(au_dummy_request(server, "dummy", input, &request));
    REQUIRE_OK(OVMS_InferenceRequestSetCompletionCallback(request, never_cb, NULL));
    CHECK_CODE(OVMS_InferenceAsync(server, request), AU_SERVER_NOT_READY);
    CHECK_CODE(OVMS_InferenceAsync(server, request), AU_SERVER_NOT_READY);
    OVMS_InferenceRequestDelete(request);
    au_slots s = {0, 0, 0};
    CHECK_CODE(OVMS_ExServableSlots(server, "dummy", 0, &s.slots, &s.idle, &s.queued), AU_SERVER_NOT_READY);
    CHECK_EQ(atomic_load(&never_calls), 0);
}

static void test_success_callback_owns_response(void) {
    float input[AU_DUMMY_N];
    fill_input(input, 3.5f);
    au_counter done;
    au_counter_init(&done);
    dummy_ctx ctx;
    dummy_ctx_init(&ctx, input, &done);
    ctx.keep = true; /* the response outlives the callback: it is ours */
    ctx.slots_model = "dummy";
    OVMS_InferenceRequest *request = NULL;
    REQUIRE_OK(au_dummy_request(server, "dummy", input, &request));
    REQUIRE_OK(OVMS_InferenceRequestSetCompletionCallback(request, dummy_cb, &ctx));
    REQUIRE_OK(OVMS_InferenceAsync(server, request));
    AWAIT(&done, 1);
    CHECK_EQ(atomic_load(&ctx.calls), 1);
    CHECK_EQ(atomic_load(&ctx.flag), 0);
    CHECK(atomic_load(&ctx.values_ok));
    CHECK(!pthread_equal(ctx.thread, pthread_self())); /* a library thread, not ours */
    /* The slot was released before the callback ran (nothing else is in flight). */
    CHECK_EQ(ctx.slots_in_callback.slots, 1);
    CHECK_EQ(ctx.slots_in_callback.idle, 1);
    CHECK_EQ(ctx.slots_in_callback.queued, 0);
    /* The response still belongs to us after the callback returned: read it again, then free it. */
    OVMS_InferenceResponse *kept = atomic_load(&ctx.kept);
    CHECK(kept != NULL);
    if (kept != NULL) {
        CHECK_DUMMY_RESPONSE(kept, input, NULL);
        OVMS_InferenceResponseDelete(kept);
    }
    /* The same request can be sent again after its callback. */
    au_counter_add(&done, -1);
    dummy_ctx_init(&ctx, input, &done);
    REQUIRE_OK(OVMS_InferenceRequestSetCompletionCallback(request, dummy_cb, &ctx));
    REQUIRE_OK(OVMS_InferenceAsync(server, request));
    AWAIT(&done, 1);
    CHECK_EQ(atomic_load(&ctx.flag), 0);
    CHECK(atomic_load(&ctx.values_ok));
    au_sleep_ms(100); /* a double callback would show up here (or in the final checks) */
    CHECK_EQ(atomic_load(&ctx.calls), 1);
    OVMS_InferenceRequestDelete(request);
    au_counter_destroy(&done);
    CHECK_POOL_AT_REST(server, "dummy", 1);
}

static void test_no_callback_is_refused(void) {
    float input[AU_DUMMY_N];
    fill_input(input, -2.0f);
    OVMS_InferenceRequest *never_set = NULL, *cleared = NULL;
    REQUIRE_OK(au_dummy_request(server, "dummy", input, &never_set));
    REQUIRE_OK(au_dummy_request(server, "dummy", input, &cleared));
    REQUIRE_OK(OVMS_InferenceRequestSetCompletionCallback(cleared, never_cb, NULL));
    REQUIRE_OK(OVMS_InferenceRequestSetCompletionCallback(cleared, NULL, NULL)); /* cleared again */
    /* Repeated refusals on a nireq-1 model must not leak its only slot. */
    for (int i = 0; i < 5; i++) {
        CHECK_CODE(OVMS_InferenceAsync(server, never_set), AU_OV_INTERNAL_INFERENCE_ERROR);
        CHECK_CODE(OVMS_InferenceAsync(server, cleared), AU_OV_INTERNAL_INFERENCE_ERROR);
    }
    CHECK_POOL_AT_REST(server, "dummy", 1);
    CHECK(async_dummy_roundtrip("dummy", input));
    CHECK(sync_dummy("dummy", input) != NULL);
    CHECK_EQ(atomic_load(&never_calls), 0);
    OVMS_InferenceRequestDelete(never_set);
    OVMS_InferenceRequestDelete(cleared);
}

/* A request with one input b of this type/shape/size and never_cb; NULL on setup failure. */
static OVMS_InferenceRequest *bad_request(const char *model, const char *input_name, OVMS_DataType type,
                                          const int64_t *shape, size_t dims, const void *data, size_t bytes) {
    OVMS_InferenceRequest *request = NULL;
    if (!au_expect_ok(OVMS_InferenceRequestNew(&request, server, model, 0), "RequestNew", __FILE__, __LINE__))
        return NULL;
    if (input_name != NULL &&
        (!au_expect_ok(OVMS_InferenceRequestAddInput(request, input_name, type, shape, dims), "AddInput", __FILE__,
                       __LINE__) ||
         !au_expect_ok(OVMS_InferenceRequestInputSetData(request, input_name, data, bytes, OVMS_BUFFERTYPE_CPU, 0),
                       "InputSetData", __FILE__, __LINE__))) {
        OVMS_InferenceRequestDelete(request);
        return NULL;
    }
    if (!au_expect_ok(OVMS_InferenceRequestSetCompletionCallback(request, never_cb, NULL), "SetCallback", __FILE__,
                      __LINE__)) {
        OVMS_InferenceRequestDelete(request);
        return NULL;
    }
    return request;
}

static void test_validation_errors_are_returned(void) {
    float data[AU_DUMMY_N * 2];
    au_fill(data, AU_DUMMY_N * 2, 1.0f);
    const int64_t shape9[2] = {1, 9};
    const int64_t shape10[2] = {1, 10};
    struct {
        const char *what;
        OVMS_InferenceRequest *request;
        uint32_t code;
    } cases[] = {
        {"shape [1,9]", bad_request("dummy", "b", OVMS_DATATYPE_FP32, shape9, 2, data, 9 * sizeof(float)),
         AU_INVALID_SHAPE},
        {"precision FP16", bad_request("dummy", "b", OVMS_DATATYPE_FP16, shape10, 2, data, 10 * 2),
         AU_INVALID_PRECISION},
        {"content size", bad_request("dummy", "b", OVMS_DATATYPE_FP32, shape10, 2, data, 9 * sizeof(float)), 60},
        {"missing input", bad_request("dummy", NULL, OVMS_DATATYPE_FP32, NULL, 0, NULL, 0), 51},
        {"wrong input name", bad_request("dummy", "zz", OVMS_DATATYPE_FP32, shape10, 2, data, 40), 52},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK(cases[i].request != NULL);
        if (cases[i].request == NULL)
            continue;
        for (int rep = 0; rep < 3; rep++) {
            OVMS_Status *status = OVMS_InferenceAsync(server, cases[i].request);
            if (!au_expect_code(status, cases[i].code, cases[i].what, __FILE__, __LINE__))
                break;
        }
    }
    CHECK_POOL_AT_REST(server, "dummy", 1);
    float input[AU_DUMMY_N];
    fill_input(input, 7.0f);
    CHECK(async_dummy_roundtrip("dummy", input)); /* any stray callback would have had its chance */
    CHECK_EQ(atomic_load(&never_calls), 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        OVMS_InferenceRequestDelete(cases[i].request);
}

static void test_unknown_servable_is_refused(void) {
    float input[AU_DUMMY_N];
    fill_input(input, 0.0f);
    OVMS_InferenceRequest *unknown_name = NULL, *unknown_version = NULL;
    REQUIRE_OK(au_dummy_request(server, "no_such_model", input, &unknown_name));
    REQUIRE_OK(OVMS_InferenceRequestNew(&unknown_version, server, "dummy", 7));
    REQUIRE_OK(OVMS_InferenceRequestAddInput(unknown_version, "b", OVMS_DATATYPE_FP32, AU_DUMMY_SHAPE, 2));
    REQUIRE_OK(OVMS_InferenceRequestInputSetData(unknown_version, "b", input, sizeof input, OVMS_BUFFERTYPE_CPU, 0));
    REQUIRE_OK(OVMS_InferenceRequestSetCompletionCallback(unknown_name, never_cb, NULL));
    REQUIRE_OK(OVMS_InferenceRequestSetCompletionCallback(unknown_version, never_cb, NULL));
    CHECK_CODE(OVMS_InferenceAsync(server, unknown_name), AU_PIPELINE_DEFINITION_NAME_MISSING);
    CHECK_CODE(OVMS_InferenceAsync(server, unknown_version), AU_MODEL_VERSION_MISSING);
    CHECK(async_dummy_roundtrip("dummy", input));
    CHECK_EQ(atomic_load(&never_calls), 0);
    OVMS_InferenceRequestDelete(unknown_name);
    OVMS_InferenceRequestDelete(unknown_version);
}

static void test_preallocated_output_and_restore(void) {
    const float sentinel = -1000.0f;
    float user_out[AU_DUMMY_N];
    float in_a[AU_DUMMY_N], in_b[AU_DUMMY_N];
    fill_input(in_a, 10.0f);
    fill_input(in_b, 20.0f);
    au_fill(user_out, AU_DUMMY_N, sentinel);

    au_counter done;
    au_counter_init(&done);
    dummy_ctx ctx;
    dummy_ctx_init(&ctx, in_a, &done);
    OVMS_InferenceRequest *request = NULL;
    REQUIRE_OK(au_dummy_request(server, "dummy", in_a, &request));
    REQUIRE_OK(au_dummy_prealloc(request, user_out));
    REQUIRE_OK(OVMS_InferenceRequestSetCompletionCallback(request, dummy_cb, &ctx));
    REQUIRE_OK(OVMS_InferenceAsync(server, request));
    AWAIT(&done, 1);
    CHECK_EQ(atomic_load(&ctx.flag), 0);
    CHECK(atomic_load(&ctx.values_ok));
    CHECK(atomic_load(&ctx.data_seen) == (const void *)user_out); /* zero copy: the user's buffer */
    for (int i = 0; i < AU_DUMMY_N; i++)
        CHECK(user_out[i] == in_a[i] + 1.0f);

    /* Later inferences without that output must not write into the old user buffer. */
    au_fill(user_out, AU_DUMMY_N, sentinel);
    const void *sync_data = sync_dummy("dummy", in_b);
    CHECK(sync_data != NULL);
    CHECK(au_all_equal(user_out, AU_DUMMY_N, sentinel));
    CHECK(async_dummy_roundtrip("dummy", in_b));
    CHECK(au_all_equal(user_out, AU_DUMMY_N, sentinel));

    /* The preallocated request again (reused after its callback), then again without it. */
    au_counter_add(&done, -1);
    dummy_ctx_init(&ctx, in_a, &done);
    REQUIRE_OK(OVMS_InferenceRequestSetCompletionCallback(request, dummy_cb, &ctx));
    REQUIRE_OK(OVMS_InferenceAsync(server, request));
    AWAIT(&done, 1);
    CHECK(atomic_load(&ctx.values_ok));
    CHECK(atomic_load(&ctx.data_seen) == (const void *)user_out);
    CHECK(user_out[0] == in_a[0] + 1.0f);
    au_fill(user_out, AU_DUMMY_N, sentinel);
    for (int i = 0; i < 3; i++) {
        CHECK(async_dummy_roundtrip("dummy", in_b));
        CHECK(sync_dummy("dummy", in_b) != NULL);
    }
    CHECK(au_all_equal(user_out, AU_DUMMY_N, sentinel));
    OVMS_InferenceRequestDelete(request);
    au_counter_destroy(&done);
    CHECK_POOL_AT_REST(server, "dummy", 1);
}

/* ---- fail_odd: x FP32 [n] -> y [2, n/2] (= x); fails inside OpenVINO for odd n ------------------ */
typedef struct {
    int n;
    float *x;
    OVMS_InferenceRequest *request;
    atomic_int calls;
    atomic_int flag;
    atomic_bool values_ok;
    au_counter *done;
} odd_ctx;

static void odd_cb(OVMS_InferenceResponse *response, uint32_t flag, void *user) {
    odd_ctx *ctx = (odd_ctx *)user;
    if (atomic_fetch_add(&ctx->calls, 1) > 0)
        au_fail(__FILE__, __LINE__, "fail_odd: second callback for one request");
    atomic_store(&ctx->flag, (int)flag);
    if (flag == 0) {
        bool ok = false;
        uint32_t count = 0;
        const char *name = NULL;
        OVMS_DataType type;
        const int64_t *shape = NULL;
        size_t dims = 0, bytes = 0;
        const void *data = NULL;
        OVMS_BufferType bt;
        uint32_t dev;
        if (response != NULL && au_expect_ok(OVMS_InferenceResponseOutputCount(response, &count), "count",
                                             __FILE__, __LINE__) &&
            count == 1 &&
            au_expect_ok(OVMS_InferenceResponseOutput(response, 0, &name, &type, &shape, &dims, &data, &bytes, &bt,
                                                      &dev),
                         "output", __FILE__, __LINE__)) {
            ok = strcmp(name, "y") == 0 && type == OVMS_DATATYPE_FP32 && dims == 2 && shape[0] == 2 &&
                 shape[1] == ctx->n / 2 && bytes == (size_t)ctx->n * sizeof(float);
            for (int i = 0; ok && i < ctx->n; i++)
                ok = ((const float *)data)[i] == ctx->x[i];
        }
        if (!ok) {
            char buf[128];
            snprintf(buf, sizeof buf, "fail_odd n=%d: wrong response", ctx->n);
            au_fail(__FILE__, __LINE__, buf);
        }
        atomic_store(&ctx->values_ok, ok);
        OVMS_InferenceResponseDelete(response);
    } else if (response != NULL) {
        au_fail(__FILE__, __LINE__, "fail_odd: flag 1 with a response");
        OVMS_InferenceResponseDelete(response);
    }
    au_counter_add(ctx->done, 1);
}

static void test_fail_odd_mixed(void) {
    const int total = (int)au_scaled(300, 40);
    odd_ctx *ctxs = calloc((size_t)total, sizeof *ctxs);
    REQUIRE(ctxs != NULL);
    au_counter done;
    au_counter_init(&done);
    int accepted = 0, odd = 0, even = 0;
    for (int i = 0; i < total; i++) {
        odd_ctx *c = &ctxs[i];
        c->n = 1 + (i * 7) % 12; /* 1..12, odd and even interleaved */
        c->x = malloc((size_t)c->n * sizeof(float));
        for (int k = 0; k < c->n; k++)
            c->x[k] = (float)(i * 100 + k);
        atomic_init(&c->calls, 0);
        atomic_init(&c->flag, -1);
        atomic_init(&c->values_ok, false);
        c->done = &done;
        const int64_t shape[1] = {c->n};
        if (!au_expect_ok(OVMS_InferenceRequestNew(&c->request, server, "fail_odd", 0), "RequestNew", __FILE__,
                          __LINE__) ||
            !au_expect_ok(OVMS_InferenceRequestAddInput(c->request, "x", OVMS_DATATYPE_FP32, shape, 1), "AddInput",
                          __FILE__, __LINE__) ||
            !au_expect_ok(OVMS_InferenceRequestInputSetData(c->request, "x", c->x, (size_t)c->n * sizeof(float),
                                                            OVMS_BUFFERTYPE_CPU, 0),
                          "SetData", __FILE__, __LINE__) ||
            !au_expect_ok(OVMS_InferenceRequestSetCompletionCallback(c->request, odd_cb, c), "SetCallback", __FILE__,
                          __LINE__))
            continue;
        /* A burst on nireq 1 with the default queue (16): submits block while the queue is full. */
        if (au_expect_ok(OVMS_InferenceAsync(server, c->request), "OVMS_InferenceAsync fail_odd", __FILE__,
                         __LINE__)) {
            accepted++;
            if (c->n % 2)
                odd++;
            else
                even++;
        } else {
            atomic_store(&c->calls, -1000); /* refused: must stay without callback */
        }
    }
    CHECK_EQ(accepted, total);
    AWAIT(&done, accepted);
    int got0 = 0, got1 = 0;
    for (int i = 0; i < total; i++) {
        odd_ctx *c = &ctxs[i];
        int calls = atomic_load(&c->calls);
        if (calls == -1000)
            continue;
        CHECK_EQ(calls, 1);
        int flag = atomic_load(&c->flag);
        if (flag == 0)
            got0++;
        if (flag == 1)
            got1++;
        if (c->n % 2 == 1) {
            if (flag != 1)
                au_fail(__FILE__, __LINE__, "an odd length did not fail with flag 1");
        } else if (flag != 0 || !atomic_load(&c->values_ok)) {
            au_fail(__FILE__, __LINE__, "an even length did not succeed with correct values");
        }
    }
    CHECK_EQ(got1, odd);
    CHECK_EQ(got0, even);
    au_log("fail_odd: %d accepted, %d flag 1 (odd), %d flag 0 (even)", accepted, got1, got0);
    /* The sync path agrees: odd => 69, even => success. */
    {
        float x[3] = {1, 2, 3};
        const int64_t shape[1] = {3};
        OVMS_InferenceRequest *request = NULL;
        OVMS_InferenceResponse *response = NULL;
        REQUIRE_OK(OVMS_InferenceRequestNew(&request, server, "fail_odd", 0));
        CHECK_OK(OVMS_InferenceRequestAddInput(request, "x", OVMS_DATATYPE_FP32, shape, 1));
        CHECK_OK(OVMS_InferenceRequestInputSetData(request, "x", x, sizeof x, OVMS_BUFFERTYPE_CPU, 0));
        CHECK_CODE(OVMS_Inference(server, request, &response), AU_OV_INTERNAL_INFERENCE_ERROR);
        OVMS_InferenceRequestDelete(request);
    }
    CHECK_POOL_AT_REST(server, "fail_odd", 1);
    au_sleep_ms(100);
    for (int i = 0; i < total; i++) {
        int calls = atomic_load(&ctxs[i].calls);
        if (calls != -1000 && calls != 1)
            au_fail(__FILE__, __LINE__, "fail_odd: callback count changed after completion");
        OVMS_InferenceRequestDelete(ctxs[i].request);
        free(ctxs[i].x);
    }
    free(ctxs);
    au_counter_destroy(&done);
}

/* A fail_odd request on `x` (n floats) with y preallocated as [2, ydim] into `y` (if not NULL). */
static OVMS_InferenceRequest *odd_request(float *x, int n, float *y, int ydim, odd_ctx *ctx) {
    OVMS_InferenceRequest *request = NULL;
    const int64_t xshape[1] = {n};
    const int64_t yshape[2] = {2, ydim};
    if (!au_expect_ok(OVMS_InferenceRequestNew(&request, server, "fail_odd", 0), "new", __FILE__, __LINE__))
        return NULL;
    bool ok = au_expect_ok(OVMS_InferenceRequestAddInput(request, "x", OVMS_DATATYPE_FP32, xshape, 1), "in", __FILE__,
                           __LINE__) &&
              au_expect_ok(OVMS_InferenceRequestInputSetData(request, "x", x, (size_t)n * sizeof(float),
                                                             OVMS_BUFFERTYPE_CPU, 0),
                           "data", __FILE__, __LINE__);
    if (ok && y != NULL)
        ok = au_expect_ok(OVMS_InferenceRequestAddOutput(request, "y", OVMS_DATATYPE_FP32, yshape, 2), "out", __FILE__,
                          __LINE__) &&
             au_expect_ok(OVMS_InferenceRequestOutputSetData(request, "y", y, (size_t)ydim * 2 * sizeof(float),
                                                             OVMS_BUFFERTYPE_CPU, 0),
                          "out data", __FILE__, __LINE__);
    if (ok && ctx != NULL)
        ok = au_expect_ok(OVMS_InferenceRequestSetCompletionCallback(request, odd_cb, ctx), "cb", __FILE__, __LINE__);
    if (!ok) {
        OVMS_InferenceRequestDelete(request);
        return NULL;
    }
    return request;
}

/* Preallocated outputs on the run-time failing model: an inference that fails inside OpenVINO
   (odd length) still gives the slot its own outputs back, so later requests never write into
   that caller's buffer; an even length writes into its own buffer. */
static void test_fail_odd_preallocated_output(void) {
    const float sentinel = -555.0f;
    float x5[5] = {1, 2, 3, 4, 5}, x4[4] = {10, 20, 30, 40}, x6[6] = {6, 5, 4, 3, 2, 1};
    float y_odd[4], y_even[4];
    au_fill(y_odd, 4, sentinel);
    au_fill(y_even, 4, sentinel);
    au_counter done;
    au_counter_init(&done);
    odd_ctx c_odd = {.n = 5, .x = x5, .done = &done}, c_even = {.n = 4, .x = x4, .done = &done};
    atomic_init(&c_odd.calls, 0);
    atomic_init(&c_even.calls, 0);
    OVMS_InferenceRequest *r_odd = odd_request(x5, 5, y_odd, 2, &c_odd);
    OVMS_InferenceRequest *r_even = odd_request(x4, 4, y_even, 2, &c_even);
    REQUIRE(r_odd != NULL && r_even != NULL);
    REQUIRE_OK(OVMS_InferenceAsync(server, r_odd));
    AWAIT(&done, 1);
    CHECK_EQ(atomic_load(&c_odd.flag), 1);
    au_fill(y_odd, 4, sentinel); /* whatever the failed inference did, from now on: untouched */
    REQUIRE_OK(OVMS_InferenceAsync(server, r_even));
    AWAIT(&done, 2);
    CHECK_EQ(atomic_load(&c_even.flag), 0);
    CHECK(atomic_load(&c_even.values_ok));
    for (int i = 0; i < 4; i++)
        CHECK(y_even[i] == x4[i]); /* written into the caller's buffer */
    au_fill(y_even, 4, sentinel);
    /* Later requests without preallocated outputs, async and sync, leave both buffers alone. */
    for (int rep = 0; rep < 3; rep++) {
        odd_ctx c6 = {.n = 6, .x = x6, .done = &done};
        atomic_init(&c6.calls, 0);
        OVMS_InferenceRequest *r6 = odd_request(x6, 6, NULL, 0, &c6);
        REQUIRE(r6 != NULL);
        REQUIRE_OK(OVMS_InferenceAsync(server, r6));
        AWAIT(&done, 3 + rep);
        CHECK_EQ(atomic_load(&c6.flag), 0);
        CHECK(atomic_load(&c6.values_ok));
        OVMS_InferenceRequestDelete(r6);
        OVMS_InferenceRequest *s6 = odd_request(x6, 6, NULL, 0, NULL);
        OVMS_InferenceResponse *response = NULL;
        CHECK_OK(OVMS_Inference(server, s6, &response));
        OVMS_InferenceResponseDelete(response);
        OVMS_InferenceRequestDelete(s6);
    }
    CHECK(au_all_equal(y_odd, 4, sentinel));
    CHECK(au_all_equal(y_even, 4, sentinel));
    CHECK_POOL_AT_REST(server, "fail_odd", 1);
    OVMS_InferenceRequestDelete(r_odd);
    OVMS_InferenceRequestDelete(r_even);
    au_counter_destroy(&done);
}

/* ---- a user callback that runs a blocking OVMS_Inference on the same nireq-1 model ------------ */
typedef struct {
    float in_async[AU_DUMMY_N];
    float in_sync[AU_DUMMY_N];
    OVMS_InferenceRequest *async_request;
    OVMS_InferenceRequest *sync_request;
    atomic_int calls;
    atomic_bool async_ok, sync_ok;
    au_counter *done;
} nested_ctx;

static void nested_cb(OVMS_InferenceResponse *response, uint32_t flag, void *user) {
    nested_ctx *ctx = (nested_ctx *)user;
    if (atomic_fetch_add(&ctx->calls, 1) > 0)
        au_fail(__FILE__, __LINE__, "nested: second callback");
    if (flag == 0) {
        atomic_store(&ctx->async_ok, CHECK_DUMMY_RESPONSE(response, ctx->in_async, NULL));
        OVMS_InferenceResponseDelete(response);
    } else {
        au_fail(__FILE__, __LINE__, "nested: async request failed");
    }
    /* Blocking inference on the same model, from inside the callback. */
    OVMS_InferenceResponse *sync_response = NULL;
    if (au_expect_ok(OVMS_Inference(server, ctx->sync_request, &sync_response), "OVMS_Inference in callback",
                     __FILE__, __LINE__)) {
        atomic_store(&ctx->sync_ok, CHECK_DUMMY_RESPONSE(sync_response, ctx->in_sync, NULL));
        OVMS_InferenceResponseDelete(sync_response);
    }
    au_counter_add(ctx->done, 1);
}

static void test_callback_runs_sync_inference_same_model(void) {
    const int n = (int)au_scaled(32, 6);
    nested_ctx *ctxs = calloc((size_t)n, sizeof *ctxs);
    REQUIRE(ctxs != NULL);
    au_counter done;
    au_counter_init(&done);
    int accepted = 0;
    for (int i = 0; i < n; i++) {
        nested_ctx *c = &ctxs[i];
        fill_input(c->in_async, (float)i);
        fill_input(c->in_sync, (float)(1000 + i));
        c->done = &done;
        atomic_init(&c->calls, 0);
        atomic_init(&c->async_ok, false);
        atomic_init(&c->sync_ok, false);
        CHECK_OK(au_dummy_request(server, "dummy", c->in_async, &c->async_request));
        CHECK_OK(au_dummy_request(server, "dummy", c->in_sync, &c->sync_request));
        if (c->async_request == NULL || c->sync_request == NULL)
            continue;
        CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(c->async_request, nested_cb, c));
        if (au_expect_ok(OVMS_InferenceAsync(server, c->async_request), "async", __FILE__, __LINE__))
            accepted++;
    }
    CHECK_EQ(accepted, n);
    /* A deadlock (slot held while the callback runs) shows up as a stalled counter. */
    AWAIT(&done, accepted);
    for (int i = 0; i < n; i++) {
        CHECK_EQ(atomic_load(&ctxs[i].calls), 1);
        CHECK(atomic_load(&ctxs[i].async_ok));
        CHECK(atomic_load(&ctxs[i].sync_ok));
    }
    CHECK_POOL_AT_REST(server, "dummy", 1);
    for (int i = 0; i < n; i++) {
        OVMS_InferenceRequestDelete(ctxs[i].async_request);
        OVMS_InferenceRequestDelete(ctxs[i].sync_request);
    }
    free(ctxs);
    au_counter_destroy(&done);
}

/* ---- a callback that re-sends its own request (reuse once the callback is entered) ---------- */
typedef struct {
    float input[AU_DUMMY_N];
    OVMS_InferenceRequest *request;
    int remaining;
    atomic_int calls;
    atomic_int good;
    au_counter *done;
} chain_ctx;

static void chain_cb(OVMS_InferenceResponse *response, uint32_t flag, void *user) {
    chain_ctx *ctx = (chain_ctx *)user;
    atomic_fetch_add(&ctx->calls, 1);
    if (flag == 0 && CHECK_DUMMY_RESPONSE(response, ctx->input, NULL))
        atomic_fetch_add(&ctx->good, 1);
    else
        au_fail(__FILE__, __LINE__, "chain: a link failed");
    OVMS_InferenceResponseDelete(response);
    if (--ctx->remaining > 0) {
        if (au_expect_ok(OVMS_InferenceAsync(server, ctx->request), "chain resubmit", __FILE__, __LINE__))
            return;
    }
    au_counter_add(ctx->done, 1);
}

/* More chains than the nireq-1 model's queue (16) holds: callbacks block in OVMS_InferenceAsync
   until there is room, which only the completions of other requests make. */
static void test_callback_resubmits_request(void) {
    enum { CHAINS = 40 };
    const int links = (int)au_scaled(100, 5);
    const int chains = CHAINS;
    chain_ctx ctxs[CHAINS];
    au_counter done;
    au_counter_init(&done);
    int started = 0;
    for (int c = 0; c < chains; c++) {
        memset(&ctxs[c], 0, sizeof ctxs[c]);
        fill_input(ctxs[c].input, (float)(c * 10));
        ctxs[c].remaining = links;
        ctxs[c].done = &done;
        atomic_init(&ctxs[c].calls, 0);
        atomic_init(&ctxs[c].good, 0);
        CHECK_OK(au_dummy_request(server, "dummy", ctxs[c].input, &ctxs[c].request));
        if (ctxs[c].request == NULL)
            continue;
        CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(ctxs[c].request, chain_cb, &ctxs[c]));
        if (au_expect_ok(OVMS_InferenceAsync(server, ctxs[c].request), "chain start", __FILE__, __LINE__))
            started++;
    }
    CHECK_EQ(started, chains);
    AWAIT(&done, started);
    for (int c = 0; c < chains; c++) {
        CHECK_EQ(atomic_load(&ctxs[c].calls), links);
        CHECK_EQ(atomic_load(&ctxs[c].good), links);
        OVMS_InferenceRequestDelete(ctxs[c].request);
    }
    CHECK_POOL_AT_REST(server, "dummy", 1);
    au_counter_destroy(&done);
}

/* ---- a callback may free its request: the library does not touch it after the callback ------- */
typedef struct {
    OVMS_InferenceRequest *_Atomic request;
    float input[AU_DUMMY_N];
    float output[AU_DUMMY_N];
    atomic_int calls;
    atomic_int flag;
    au_counter *done;
} self_delete_ctx;

static void self_delete_cb(OVMS_InferenceResponse *response, uint32_t flag, void *user) {
    self_delete_ctx *ctx = (self_delete_ctx *)user;
    atomic_fetch_add(&ctx->calls, 1);
    atomic_store(&ctx->flag, (int)flag);
    OVMS_InferenceRequest *request = atomic_exchange(&ctx->request, NULL);
    OVMS_InferenceRequestDelete(request); /* before the response is even looked at */
    if (flag == 0) {
        const void *data = NULL;
        CHECK_DUMMY_RESPONSE(response, ctx->input, &data);
        CHECK(data == (const void *)ctx->output);
    }
    OVMS_InferenceResponseDelete(response);
    au_counter_add(ctx->done, 1);
}

/* A large input (128 KiB) is read from the caller's buffer in place, and the slot lets go of it
 * before the callback: the callback poisons and frees it, and the next request on the same slot
 * still gets its own results (memcheck would also report a later read of the freed buffer). */
#define LARGE_N 32768
typedef struct {
    au_counter *done;
    float first;
    float *input;
    atomic_int calls;
    atomic_bool values_ok;
} large_ctx;

static void large_cb(OVMS_InferenceResponse *response, uint32_t flag, void *user) {
    large_ctx *ctx = (large_ctx *)user;
    bool ok = flag == 0 && response != NULL;
    if (ok) {
        const char *name;
        OVMS_DataType datatype;
        const int64_t *shape;
        size_t dims, bytes = 0;
        const void *data = NULL;
        OVMS_BufferType buffer_type;
        uint32_t device;
        ok = OVMS_InferenceResponseOutput(response, 0, &name, &datatype, &shape, &dims, &data, &bytes, &buffer_type,
                                          &device) == NULL &&
             data != NULL && bytes == LARGE_N * sizeof(float);
        for (int i = 0; ok && i < LARGE_N; i++) {
            float expected = ctx->first + (float)i + 1.0f, got = ((const float *)data)[i];
            if (got < expected - 0.01f || got > expected + 0.01f)
                ok = false;
        }
    }
    if (response != NULL)
        OVMS_InferenceResponseDelete(response);
    memset(ctx->input, 0xff, LARGE_N * sizeof(float));
    free(ctx->input);
    ctx->input = NULL;
    atomic_store(&ctx->values_ok, ok);
    atomic_fetch_add(&ctx->calls, 1);
    au_counter_add(ctx->done, 1);
}

static void test_large_input_released_before_callback(void) {
    au_counter done;
    au_counter_init(&done);
    const int64_t shape[2] = {1, LARGE_N};
    for (int round = 0; round < 3; round++) {
        large_ctx ctx = {&done, (float)(round * 1000), (float *)malloc(LARGE_N * sizeof(float)), 0, false};
        REQUIRE(ctx.input != NULL);
        for (int i = 0; i < LARGE_N; i++)
            ctx.input[i] = ctx.first + (float)i;
        OVMS_InferenceRequest *request = NULL;
        REQUIRE_OK(OVMS_InferenceRequestNew(&request, server, "dummy_large", 1));
        REQUIRE_OK(OVMS_InferenceRequestAddInput(request, "b", OVMS_DATATYPE_FP32, shape, 2));
        REQUIRE_OK(OVMS_InferenceRequestInputSetData(request, "b", ctx.input, LARGE_N * sizeof(float),
                                                     OVMS_BUFFERTYPE_CPU, 0));
        REQUIRE_OK(OVMS_InferenceRequestSetCompletionCallback(request, large_cb, &ctx));
        REQUIRE_OK(OVMS_InferenceAsync(server, request));
        AWAIT(&done, round + 1);
        CHECK_EQ(atomic_load(&ctx.calls), 1);
        CHECK(atomic_load(&ctx.values_ok));
        OVMS_InferenceRequestDelete(request);
    }
    au_counter_destroy(&done);
    CHECK_POOL_AT_REST(server, "dummy_large", 1);
}

static void test_callback_deletes_its_request(void) {
    const int n = (int)au_scaled(200, 30);
    self_delete_ctx *ctxs = calloc((size_t)n, sizeof *ctxs);
    REQUIRE(ctxs != NULL);
    au_counter done;
    au_counter_init(&done);
    int accepted = 0;
    for (int i = 0; i < n; i++) {
        self_delete_ctx *c = &ctxs[i];
        fill_input(c->input, (float)i);
        atomic_init(&c->calls, 0);
        atomic_init(&c->flag, -1);
        c->done = &done;
        OVMS_InferenceRequest *request = NULL;
        CHECK_OK(au_dummy_request(server, "dummy", c->input, &request));
        if (request == NULL)
            continue;
        CHECK_OK(au_dummy_prealloc(request, c->output));
        CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(request, self_delete_cb, c));
        atomic_init(&c->request, request);
        if (au_expect_ok(OVMS_InferenceAsync(server, request), "async", __FILE__, __LINE__))
            accepted++;
        else
            OVMS_InferenceRequestDelete(atomic_exchange(&c->request, NULL));
    }
    CHECK_EQ(accepted, n);
    AWAIT(&done, accepted);
    int good = 0;
    for (int i = 0; i < n; i++) {
        good += atomic_load(&ctxs[i].calls) == 1 && atomic_load(&ctxs[i].flag) == 0;
        CHECK(atomic_load(&ctxs[i].request) == NULL);
    }
    CHECK_EQ(good, n);
    CHECK_POOL_AT_REST(server, "dummy", 1);
    free(ctxs);
    au_counter_destroy(&done);
}

/* ---- blocked and slow callbacks do not hold up other completions ------------------------------ */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static bool gate_open = false;
static au_counter blockers_inside;

typedef struct {
    dummy_ctx inner;
    atomic_bool gate_timed_out;
    long sleep_ms; /* 0: wait for the gate; > 0: just sleep that long */
} slow_ctx;

static void slow_cb(OVMS_InferenceResponse *response, uint32_t flag, void *user) {
    slow_ctx *ctx = (slow_ctx *)user;
    if (ctx->sleep_ms > 0) {
        au_sleep_ms(ctx->sleep_ms);
    } else {
        au_counter_add(&blockers_inside, 1);
        pthread_mutex_lock(&gate_lock);
        double limit = au_now() + AU_STALL_SECONDS;
        while (!gate_open && au_now() < limit) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 1;
            pthread_cond_timedwait(&gate_cond, &gate_lock, &ts);
        }
        if (!gate_open)
            atomic_store(&ctx->gate_timed_out, true);
        pthread_mutex_unlock(&gate_lock);
    }
    dummy_cb(response, flag, &ctx->inner);
}

static void test_blocked_callbacks_do_not_block_others(void) {
    enum { BLOCKERS = 4 };
    const int fast = (int)au_scaled(200, 20);
    au_counter_init(&blockers_inside);
    au_counter blockers_done, fast_done;
    au_counter_init(&blockers_done);
    au_counter_init(&fast_done);
    float input[AU_DUMMY_N];
    fill_input(input, 42.0f);
    gate_open = false;

    slow_ctx blockers[BLOCKERS];
    OVMS_InferenceRequest *blocker_requests[BLOCKERS] = {0};
    for (int i = 0; i < BLOCKERS; i++) {
        dummy_ctx_init(&blockers[i].inner, input, &blockers_done);
        atomic_init(&blockers[i].gate_timed_out, false);
        blockers[i].sleep_ms = 0;
        CHECK_OK(au_dummy_request(server, "dummy", input, &blocker_requests[i]));
        if (blocker_requests[i] == NULL)
            continue;
        CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(blocker_requests[i], slow_cb, &blockers[i]));
        CHECK_OK(OVMS_InferenceAsync(server, blocker_requests[i]));
    }
    /* All blockers are inside their callbacks, holding library threads, not slots. */
    AWAIT(&blockers_inside, BLOCKERS);
    CHECK_POOL_AT_REST(server, "dummy", 1);

    dummy_ctx *ctxs = calloc((size_t)fast, sizeof *ctxs);
    OVMS_InferenceRequest **requests = calloc((size_t)fast, sizeof *requests);
    int accepted = 0;
    for (int i = 0; i < fast; i++) {
        dummy_ctx_init(&ctxs[i], input, &fast_done);
        CHECK_OK(au_dummy_request(server, "dummy", input, &requests[i]));
        if (requests[i] == NULL)
            continue;
        CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(requests[i], dummy_cb, &ctxs[i]));
        if (au_expect_ok(OVMS_InferenceAsync(server, requests[i]), "fast async", __FILE__, __LINE__))
            accepted++;
    }
    /* Every fast request completes while the blockers are still blocked. */
    AWAIT(&fast_done, accepted);
    CHECK_EQ(au_counter_get(&blockers_done), 0);
    pthread_mutex_lock(&gate_lock);
    gate_open = true;
    pthread_cond_broadcast(&gate_cond);
    pthread_mutex_unlock(&gate_lock);
    AWAIT(&blockers_done, BLOCKERS);
    for (int i = 0; i < BLOCKERS; i++) {
        CHECK(!atomic_load(&blockers[i].gate_timed_out));
        CHECK_EQ(atomic_load(&blockers[i].inner.calls), 1);
        CHECK(atomic_load(&blockers[i].inner.values_ok));
        OVMS_InferenceRequestDelete(blocker_requests[i]);
    }
    int good = 0;
    for (int i = 0; i < fast; i++) {
        if (atomic_load(&ctxs[i].calls) == 1 && atomic_load(&ctxs[i].flag) == 0 && atomic_load(&ctxs[i].values_ok))
            good++;
        OVMS_InferenceRequestDelete(requests[i]);
    }
    CHECK_EQ(good, fast);
    free(ctxs);
    free(requests);
    au_counter_destroy(&blockers_done);
    au_counter_destroy(&fast_done);
    au_counter_destroy(&blockers_inside);
    CHECK_POOL_AT_REST(server, "dummy", 1);
}

static void test_slow_callbacks(void) {
    const int total = (int)au_scaled(120, 16); /* every 4th callback sleeps 50 ms */
    au_counter done;
    au_counter_init(&done);
    slow_ctx *ctxs = calloc((size_t)total, sizeof *ctxs);
    float *inputs = calloc((size_t)total * AU_DUMMY_N, sizeof(float));
    OVMS_InferenceRequest **requests = calloc((size_t)total, sizeof *requests);
    REQUIRE(ctxs && inputs && requests);
    int accepted = 0, slow = 0;
    double started = au_now();
    for (int i = 0; i < total; i++) {
        float *input = inputs + (size_t)i * AU_DUMMY_N;
        fill_input(input, (float)i);
        dummy_ctx_init(&ctxs[i].inner, input, &done);
        atomic_init(&ctxs[i].gate_timed_out, false);
        ctxs[i].sleep_ms = i % 4 == 0 ? 50 : 1;
        slow += i % 4 == 0;
        CHECK_OK(au_dummy_request(server, "dummy", input, &requests[i]));
        if (requests[i] == NULL)
            continue;
        CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(requests[i], slow_cb, &ctxs[i]));
        if (au_expect_ok(OVMS_InferenceAsync(server, requests[i]), "slow async", __FILE__, __LINE__))
            accepted++;
    }
    CHECK_EQ(accepted, total);
    AWAIT(&done, accepted);
    int good = 0;
    for (int i = 0; i < total; i++) {
        good += atomic_load(&ctxs[i].inner.calls) == 1 && atomic_load(&ctxs[i].inner.values_ok);
        OVMS_InferenceRequestDelete(requests[i]);
    }
    CHECK_EQ(good, total);
    au_log("%d callbacks (%d sleeping 50 ms) delivered in %.2f s (serial sleeping would take %.2f s)", total, slow,
           au_now() - started, slow * 0.05);
    free(ctxs);
    free(inputs);
    free(requests);
    au_counter_destroy(&done);
    CHECK_POOL_AT_REST(server, "dummy", 1);
}

/* ---- OVMS_ServerDelete with ~1,000 requests queued and running --------------------------------- */
static au_counter delete_calls;
static atomic_int delete_flag0 = 0, delete_flag1 = 0, delete_bad = 0, delete_on_caller = 0;
static int delete_rows = 0;
static float *delete_input = NULL;

static void delete_cb(OVMS_InferenceResponse *response, uint32_t flag, void *user) {
    /* Each callback frees its own request, also the cancelled ones (flag 1). */
    OVMS_InferenceRequest **slot = (OVMS_InferenceRequest **)user;
    /* On a library thread, not inside the OVMS_ServerDelete caller (README: "Callbacks run on
       library threads ... with no library lock held"). */
    if (pthread_equal(pthread_self(), au_main_thread))
        atomic_fetch_add(&delete_on_caller, 1);
    OVMS_InferenceRequestDelete(*slot);
    *slot = NULL;
    if (flag == 0) {
        bool ok = false;
        uint32_t count = 0;
        const char *name;
        OVMS_DataType type;
        const int64_t *shape;
        size_t dims, bytes;
        const void *data;
        OVMS_BufferType bt;
        uint32_t dev;
        if (response && au_expect_ok(OVMS_InferenceResponseOutputCount(response, &count), "count", __FILE__, __LINE__) &&
            count == 1 &&
            au_expect_ok(OVMS_InferenceResponseOutput(response, 0, &name, &type, &shape, &dims, &data, &bytes, &bt, &dev),
                         "output", __FILE__, __LINE__)) {
            const float *a = (const float *)data;
            size_t last = (size_t)delete_rows * 10 - 1;
            ok = dims == 2 && shape[0] == delete_rows && shape[1] == 10 && bytes == (last + 1) * sizeof(float) &&
                 a[0] == delete_input[0] + 1.0f && a[last] == delete_input[last] + 1.0f &&
                 a[last / 2] == delete_input[last / 2] + 1.0f;
        }
        if (!ok)
            atomic_fetch_add(&delete_bad, 1);
        atomic_fetch_add(&delete_flag0, 1);
        OVMS_InferenceResponseDelete(response);
    } else {
        if (response != NULL) {
            atomic_fetch_add(&delete_bad, 1);
            OVMS_InferenceResponseDelete(response);
        }
        atomic_fetch_add(&delete_flag1, 1);
    }
    au_counter_add(&delete_calls, 1);
}

static void test_delete_waits_for_all_callbacks_then_restart(void) {
    const int total = (int)au_scaled(1000, 100);
    delete_rows = (int)au_scaled(20000, 500);
    au_counter_init(&delete_calls);
    delete_input = malloc((size_t)delete_rows * 10 * sizeof(float));
    REQUIRE(delete_input != NULL);
    for (size_t i = 0; i < (size_t)delete_rows * 10; i++)
        delete_input[i] = (float)(i % 1000);
    OVMS_InferenceRequest **requests = calloc((size_t)total, sizeof *requests);
    REQUIRE(requests != NULL);
    const int64_t shape[2] = {delete_rows, 10};
    for (int i = 0; i < total; i++) {
        CHECK_OK(OVMS_InferenceRequestNew(&requests[i], server, "dummy_dyn", 0));
        CHECK_OK(OVMS_InferenceRequestAddInput(requests[i], "b", OVMS_DATATYPE_FP32, shape, 2));
        CHECK_OK(OVMS_InferenceRequestInputSetData(requests[i], "b", delete_input,
                                                   (size_t)delete_rows * 10 * sizeof(float), OVMS_BUFFERTYPE_CPU, 0));
        CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(requests[i], delete_cb, &requests[i]));
    }
    /* A response the test keeps across Delete and the restart: it is ours, not the server's. */
    float kept_input[AU_DUMMY_N];
    fill_input(kept_input, 77.0f);
    au_counter kept_done;
    au_counter_init(&kept_done);
    dummy_ctx kept_ctx;
    dummy_ctx_init(&kept_ctx, kept_input, &kept_done);
    kept_ctx.keep = true;
    OVMS_InferenceRequest *kept_request = NULL;
    REQUIRE_OK(au_dummy_request(server, "dummy", kept_input, &kept_request));
    REQUIRE_OK(OVMS_InferenceRequestSetCompletionCallback(kept_request, dummy_cb, &kept_ctx));
    REQUIRE_OK(OVMS_InferenceAsync(server, kept_request));
    AWAIT(&kept_done, 1);
    OVMS_InferenceRequestDelete(kept_request);
    OVMS_InferenceResponse *kept_response = atomic_load(&kept_ctx.kept);
    CHECK(kept_response != NULL);
    int accepted = 0;
    for (int i = 0; i < total; i++)
        if (au_expect_ok(OVMS_InferenceAsync(server, requests[i]), "async dummy_dyn", __FILE__, __LINE__))
            accepted++;
    au_slots before = au_get_slots(server, "dummy_dyn");
    long delivered_before = au_counter_get(&delete_calls);
    double t0 = au_now();
    OVMS_ServerDelete(server);
    double delete_seconds = au_now() - t0;
    long at_return = au_counter_get(&delete_calls);
    au_log("Delete with %d accepted: %ld delivered before Delete, pool before Delete: %u idle, %u waiting; "
           "Delete took %.2f s; flag 0: %d, flag 1: %d",
           accepted, delivered_before, before.idle, before.queued, delete_seconds, atomic_load(&delete_flag0),
           atomic_load(&delete_flag1));
    CHECK_EQ(accepted, total);
    CHECK(before.queued > 0); /* setup: the queue was not empty when Delete began */
    CHECK_EQ(at_return, accepted);
    au_sleep_ms(300);
    CHECK_EQ(au_counter_get(&delete_calls), at_return); /* nothing after Delete returned */
    CHECK_EQ(atomic_load(&delete_flag0) + atomic_load(&delete_flag1), accepted);
    CHECK(atomic_load(&delete_flag1) > 0); /* the queued ones were cancelled with flag 1 */
    CHECK_EQ(atomic_load(&delete_bad), 0);
    au_log("callbacks run on the thread that called OVMS_ServerDelete: %d", atomic_load(&delete_on_caller));
    int left = 0;
    for (int i = 0; i < total; i++) {
        left += requests[i] != NULL; /* every callback freed its request */
        OVMS_InferenceRequestDelete(requests[i]);
    }
    CHECK_EQ(left, 0);
    free(requests);
    if (kept_response != NULL) /* still readable after the server stopped */
        CHECK_DUMMY_RESPONSE(kept_response, kept_input, NULL);

    /* Not started anymore: refused. */
    float input[AU_DUMMY_N];
    fill_input(input, 5.0f);
    OVMS_InferenceRequest *request = NULL;
    CHECK_OK(au_dummy_request(server, "dummy", input, &request));
    if (request != NULL) {
        CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(request, never_cb, NULL));
        CHECK_CODE(OVMS_InferenceAsync(server, request), AU_SERVER_NOT_READY);
        OVMS_InferenceRequestDelete(request);
    }

    /* Start again and serve. */
    REQUIRE_OK(au_start_server(server, "basic.json"));
    CHECK(async_dummy_roundtrip("dummy", input));
    CHECK(sync_dummy("dummy", input) != NULL);
    CHECK_POOL_AT_REST(server, "dummy", 1);
    CHECK_POOL_AT_REST(server, "dummy_dyn", 1);
    if (kept_response != NULL) { /* and after the restart */
        CHECK_DUMMY_RESPONSE(kept_response, kept_input, NULL);
        OVMS_InferenceResponseDelete(kept_response);
    }
    au_counter_destroy(&kept_done);
    free(delete_input);
    delete_input = NULL;
    CHECK_EQ(au_counter_get(&delete_calls), at_return);
    au_counter_destroy(&delete_calls);
}

/* The callbacks of the requests that OVMS_ServerDelete cancelled (above) ran on library threads,
   like every callback (README: "Callbacks run on library threads ... with no library lock
   held"), not synchronously inside OVMS_ServerDelete on the caller's thread. */
static void test_cancelled_callbacks_run_on_library_threads(void) {
    CHECK(atomic_load(&delete_flag1) > 0); /* there were cancelled requests */
    CHECK_EQ(atomic_load(&delete_on_caller), 0);
}

int main(void) {
    au_start_watchdog();
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("test_async_basic (scale: %s)\n", au_small() ? "small" : "full");
    au_main_thread = pthread_self();
    if (!au_expect_ok(OVMS_ServerNew(&server), "OVMS_ServerNew", __FILE__, __LINE__))
        return au_summary();

    RUN_TEST(test_not_started_server_refuses, 30);
    atomic_store(&au_deadline, au_now() + (au_small() ? 600 : 120));
    OVMS_Status *started = au_start_server(server, "basic.json");
    atomic_store(&au_deadline, 0.0);
    if (!au_expect_ok(started, "start basic.json", __FILE__, __LINE__))
        return au_summary();

    RUN_TEST(test_success_callback_owns_response, 60);
    RUN_TEST(test_no_callback_is_refused, 60);
    RUN_TEST(test_validation_errors_are_returned, 60);
    RUN_TEST(test_unknown_servable_is_refused, 60);
    RUN_TEST(test_preallocated_output_and_restore, 60);
    RUN_TEST(test_fail_odd_mixed, 120);
    RUN_TEST(test_fail_odd_preallocated_output, 60);
    RUN_TEST(test_callback_runs_sync_inference_same_model, 120);
    RUN_TEST(test_callback_resubmits_request, 120);
    RUN_TEST(test_callback_deletes_its_request, 60);
    RUN_TEST(test_large_input_released_before_callback, 120);
    RUN_TEST(test_blocked_callbacks_do_not_block_others, 180);
    RUN_TEST(test_slow_callbacks, 120);
    RUN_TEST(test_delete_waits_for_all_callbacks_then_restart, 240);
    RUN_TEST(test_cancelled_callbacks_run_on_library_threads, 10);

    atomic_store(&au_current_test, "(final shutdown)");
    atomic_store(&au_deadline, au_now() + (au_small() ? 600 : 120));
    OVMS_ServerDelete(server);
    atomic_store(&au_deadline, 0.0);
    au_sleep_ms(100);
    au_expect_eq(atomic_load(&never_calls), 0, "never_calls", "0", __FILE__, __LINE__);
    return au_summary();
}
