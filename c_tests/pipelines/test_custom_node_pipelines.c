/*
 * test_custom_node_pipelines.c: pipelines with "custom" nodes (custom_nodes/add_sub) through the
 * public header, against configs/custom_nodes.json.in (CMake writes the library's path in):
 * - request -> dummy -> add_sub(multiply 2, add 3) -> response: (b + 1) * 2 + 3, sync and async;
 * - a custom-only pipeline: -b + 0.5;
 * - a failing node (fail=1) fails the request once with NODE_LIBRARY_EXECUTION_FAILED, sync and
 *   async, the node after it never runs, and the dummy pool is at rest afterwards;
 * - metadata from the library's inputs/outputs info ([1, 0] is [1, -1]);
 * - a node naming a library the config does not load: LOADING_FAILED, and inference names
 *   PIPELINE_DEFINITION_INVALID_NODE_LIBRARY.
 */
#include "async_util.h"

#include <math.h>

enum {
    CN_PIPELINE_DEFINITION_NOT_LOADED_YET = 146,
    CN_NODE_LIBRARY_EXECUTION_FAILED = 224
};

/* A request on `name` with one FP32 [1,10] input `input` bound to `values`. */
static OVMS_InferenceRequest *cn_request(const char *name, const char *input, const float *values) {
    OVMS_InferenceRequest *request = NULL;
    if (!au_expect_ok(OVMS_InferenceRequestNew(&request, server, name, 0), "RequestNew", __FILE__, __LINE__))
        return NULL;
    if (!au_expect_ok(OVMS_InferenceRequestAddInput(request, input, OVMS_DATATYPE_FP32, AU_DUMMY_SHAPE, 2),
                      "AddInput", __FILE__, __LINE__) ||
        !au_expect_ok(OVMS_InferenceRequestInputSetData(request, input, values, AU_DUMMY_N * sizeof(float),
                                                        OVMS_BUFFERTYPE_CPU, 0),
                      "SetData", __FILE__, __LINE__)) {
        OVMS_InferenceRequestDelete(request);
        return NULL;
    }
    return request;
}

/* The response has one output "out", FP32 [1,10], values in[i] * multiply + add. */
static bool cn_check(OVMS_InferenceResponse *response, const float *in, float multiply, float add) {
    au_output o;
    if (!au_read_output(response, 0, true, &o, __FILE__, __LINE__))
        return false;
    bool ok = strcmp(o.name, "out") == 0 && o.datatype == OVMS_DATATYPE_FP32 && o.dims == 2 && o.shape[0] == 1 &&
              o.shape[1] == AU_DUMMY_N && o.bytes == AU_DUMMY_N * sizeof(float) &&
              o.buffer_type == OVMS_BUFFERTYPE_CPU;
    const float *data = (const float *)o.data;
    for (int i = 0; ok && i < AU_DUMMY_N; i++)
        ok = fabsf(data[i] - (in[i] * multiply + add)) < 1e-5f;
    if (!ok) {
        char buf[256];
        snprintf(buf, sizeof buf, "output %s: type %d, dims %zu, bytes %zu, first %g (expected %g)", o.name,
                 (int)o.datatype, o.dims, o.bytes, data ? (double)data[0] : -1.0, (double)(in[0] * multiply + add));
        au_fail(__FILE__, __LINE__, buf);
    }
    return ok;
}

static void test_model_then_custom_node(void) {
    float b[AU_DUMMY_N];
    fill_input(b, -2.0f);
    float plus_one[AU_DUMMY_N];
    for (int i = 0; i < AU_DUMMY_N; i++)
        plus_one[i] = b[i] + 1.0f;
    OVMS_InferenceRequest *request = cn_request("dummy_add_sub", "b", b);
    REQUIRE(request != NULL);
    for (int round = 0; round < 3; round++) {
        OVMS_InferenceResponse *response = NULL;
        CHECK_OK(OVMS_Inference(server, request, &response));
        if (response != NULL)
            cn_check(response, plus_one, 2.0f, 3.0f);
        OVMS_InferenceResponseDelete(response);
    }
    OVMS_InferenceRequestDelete(request);
    CHECK_POOL_AT_REST(server, "dummy", 2);
}

static void test_custom_only_pipeline(void) {
    float in[AU_DUMMY_N];
    fill_input(in, 4.0f);
    OVMS_InferenceRequest *request = cn_request("add_sub_only", "in", in);
    REQUIRE(request != NULL);
    OVMS_InferenceResponse *response = NULL;
    CHECK_OK(OVMS_Inference(server, request, &response));
    if (response != NULL)
        cn_check(response, in, -1.0f, 0.5f);
    OVMS_InferenceResponseDelete(response);
    OVMS_InferenceRequestDelete(request);
}

/* ---- async -------------------------------------------------------------------------------- */
typedef struct {
    au_batch_count count; /* first: au_async_batch reads it */
    const float *expected_in;
    float multiply, add;
    bool expect_failure;
} cn_ctx;

static void cn_cb(OVMS_InferenceResponse *response, uint32_t flag, void *user) {
    cn_ctx *ctx = (cn_ctx *)user;
    if (atomic_fetch_add(&ctx->count.calls, 1) > 0)
        au_fail(__FILE__, __LINE__, "a second callback for one pipeline request");
    if (pthread_equal(pthread_self(), au_main_thread))
        au_fail(__FILE__, __LINE__, "the callback ran on the submitting thread");
    if (ctx->expect_failure) {
        if (flag != 1 || response != NULL)
            atomic_fetch_add(&ctx->count.bad, 1);
    } else if (flag != 0 || response == NULL || !cn_check(response, ctx->expected_in, ctx->multiply, ctx->add)) {
        atomic_fetch_add(&ctx->count.bad, 1);
    }
    OVMS_InferenceResponseDelete(response);
    au_counter_add(ctx->count.done, 1);
}

/* A dummy -> add_sub request's context with its own input and the values add_sub gets. */
typedef struct {
    cn_ctx cn; /* first: cn_cb and au_async_batch read it */
    float in[AU_DUMMY_N];
    float plus_one[AU_DUMMY_N];
} cn_batch_ctx;

static OVMS_InferenceRequest *cn_prepare(int i, void *context) {
    cn_batch_ctx *ctx = (cn_batch_ctx *)context;
    fill_input(ctx->in, (float)i);
    for (int k = 0; k < AU_DUMMY_N; k++)
        ctx->plus_one[k] = ctx->in[k] + 1.0f;
    ctx->cn.expected_in = ctx->plus_one;
    ctx->cn.multiply = 2.0f;
    ctx->cn.add = 3.0f;
    return cn_request("dummy_add_sub", "b", ctx->in);
}

/* Many async requests through dummy -> add_sub: each calls back once with its own values. */
static void test_async_custom_node_calls_back_once_each(void) {
    au_async_batch(server, (int)au_scaled(200, 20), sizeof(cn_batch_ctx), cn_prepare, cn_cb,
                   "OVMS_InferenceAsync(dummy_add_sub)", "dummy", 2);
}

/* add_sub with fail=1 between two dummy nodes: the request fails once with the node's code. */
static void test_failing_custom_node_fails_the_request_once(void) {
    float b[AU_DUMMY_N];
    fill_input(b, 1.0f);
    OVMS_InferenceRequest *request = cn_request("add_sub_fails", "b", b);
    REQUIRE(request != NULL);
    for (int round = 0; round < (int)au_scaled(10, 3); round++) {
        OVMS_InferenceResponse *response = NULL;
        OVMS_Status *status = OVMS_Inference(server, request, &response);
        const char *details = au_details(status);
        if (details == NULL || strstr(details, "execute returned 1") == NULL)
            au_fail(__FILE__, __LINE__, details ? details : "no details");
        CHECK_CODE(status, CN_NODE_LIBRARY_EXECUTION_FAILED);
        CHECK(response == NULL);
        au_counter done;
        au_counter_init(&done);
        cn_ctx ctx;
        memset(&ctx, 0, sizeof ctx);
        ctx.expect_failure = true;
        ctx.count.done = &done;
        CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(request, cn_cb, &ctx));
        REQUIRE_OK(OVMS_InferenceAsync(server, request));
        AWAIT(&done, 1);
        au_sleep_ms(20);
        CHECK_EQ(atomic_load(&ctx.count.calls), 1);
        CHECK_EQ(atomic_load(&ctx.count.bad), 0);
        CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(request, NULL, NULL));
        au_counter_destroy(&done);
    }
    OVMS_InferenceRequestDelete(request);
    CHECK_POOL_AT_REST(server, "dummy", 2);
}

/* Metadata from the nodes: b as the dummy model takes it, out as add_sub declares it. */
static void test_metadata_of_custom_node_pipelines(void) {
    static const struct {
        const char *pipeline, *input;
        int64_t input_dim1;
    } cases[] = {{"dummy_add_sub", "b", 10}, {"add_sub_only", "in", -1}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        OVMS_ServableMetadata *metadata = NULL;
        REQUIRE_OK(OVMS_GetServableMetadata(server, cases[i].pipeline, 0, &metadata));
        uint32_t inputs = 0, outputs = 0;
        CHECK_OK(OVMS_ServableMetadataInputCount(metadata, &inputs));
        CHECK_OK(OVMS_ServableMetadataOutputCount(metadata, &outputs));
        CHECK_EQ(inputs, 1);
        CHECK_EQ(outputs, 1);
        for (int side = 0; side < 2; side++) {
            const char *name = NULL;
            OVMS_DataType datatype = OVMS_DATATYPE_UNDEFINED;
            size_t dims = 0;
            int64_t *min = NULL, *max = NULL;
            OVMS_Status *status = side == 0
                                      ? OVMS_ServableMetadataInput(metadata, 0, &name, &datatype, &dims, &min, &max)
                                      : OVMS_ServableMetadataOutput(metadata, 0, &name, &datatype, &dims, &min, &max);
            CHECK_OK(status);
            CHECK(name != NULL && strcmp(name, side == 0 ? cases[i].input : "out") == 0);
            CHECK_EQ(datatype, OVMS_DATATYPE_FP32);
            CHECK_EQ(dims, 2);
            if (dims == 2) {
                int64_t dim1 = side == 0 ? cases[i].input_dim1 : -1;
                CHECK_EQ(min[0], 1);
                CHECK_EQ(max[0], 1);
                CHECK_EQ(min[1], dim1);
                CHECK_EQ(max[1], dim1);
            }
        }
        OVMS_ServableMetadataDelete(metadata);
        OVMS_ServableState state = OVMS_STATE_BEGIN;
        CHECK_OK(OVMS_GetServableState(server, cases[i].pipeline, 0, &state));
        CHECK_EQ(state, OVMS_STATE_AVAILABLE);
    }
}

static void test_missing_library_fails_loading(void) {
    OVMS_ServableState state = OVMS_STATE_AVAILABLE;
    CHECK_OK(OVMS_GetServableState(server, "missing_library", 0, &state));
    CHECK_EQ(state, OVMS_STATE_LOADING_FAILED);
    float b[AU_DUMMY_N];
    fill_input(b, 0.0f);
    OVMS_InferenceRequest *request = cn_request("missing_library", "b", b);
    REQUIRE(request != NULL);
    OVMS_InferenceResponse *response = NULL;
    OVMS_Status *status = OVMS_Inference(server, request, &response);
    CHECK_EQ(au_code(status), CN_PIPELINE_DEFINITION_NOT_LOADED_YET);
    const char *details = au_details(status);
    if (details == NULL || strstr(details, "PIPELINE_DEFINITION_INVALID_NODE_LIBRARY") == NULL)
        au_fail(__FILE__, __LINE__, details ? details : "no details");
    OVMS_StatusDelete(status);
    OVMS_InferenceRequestDelete(request);
}

int main(void) {
    au_start_watchdog();
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("test_custom_node_pipelines (scale: %s)\n", au_small() ? "small" : "full");
    au_main_thread = pthread_self();
    if (!au_expect_ok(OVMS_ServerNew(&server), "OVMS_ServerNew", __FILE__, __LINE__))
        return au_summary();
    atomic_store(&au_deadline, au_now() + (au_small() ? 600 : 120));
    OVMS_Status *started = au_start_server(server, "custom_nodes.json");
    atomic_store(&au_deadline, 0.0);
    if (!au_expect_ok(started, "start custom_nodes.json", __FILE__, __LINE__))
        return au_summary();
    RUN_TEST(test_model_then_custom_node, 60);
    RUN_TEST(test_custom_only_pipeline, 60);
    RUN_TEST(test_async_custom_node_calls_back_once_each, 120);
    RUN_TEST(test_failing_custom_node_fails_the_request_once, 60);
    RUN_TEST(test_metadata_of_custom_node_pipelines, 60);
    RUN_TEST(test_missing_library_fails_loading, 60);
    OVMS_ServerDelete(server);
    server = NULL;
    return au_summary();
}
