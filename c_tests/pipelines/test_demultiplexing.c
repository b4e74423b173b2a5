/*
 * test_demultiplexing.c: demultiplexing and gathering at a node through the public header,
 * against configs/demultiplexing.json.in (CMake writes the libraries' paths in). The custom node
 * `split` turns [1, N, 10] into [N, 1, 10] and demultiplies it into N shards of [1, 10]; the
 * dummy model (a = b + 1) runs once per shard:
 * - gathered at the response (demultiply_count 3, -1, and 0 with a custom node per shard too):
 *   out [N, 1, 10] = each shard + 1, in shard order, sync and async;
 * - gathered by a node (gather_from_node: add_sub + 10 on the stacked [3, 1, 10]), and by a node
 *   that demultiplies again (its shards through dummy, gathered at the response);
 * - failures fail the request once with the node's code, sync and async: a node that fails in
 *   every shard, a failing demultiplexer, a count other than the fixed one (OVMS's run-time
 *   PIPELINE_WRONG_DIMENSION_SIZE_TO_DEMULTIPLY), no shard at all (PIPELINE_DEMULTIPLEXER_NO_RESULTS);
 * - a gather from a node that does not exist fails loading (PIPELINE_NODE_GATHER_FROM_NOT_EXISTING_NODE);
 * - metadata: the response's shard dimension first;
 * and after each, every dummy slot is idle and nothing waits.
 */
#include "async_util.h"

#include <math.h>

enum {
    DM_PIPELINE_DEFINITION_NOT_LOADED_YET = 146,
    DM_WRONG_DIMENSION_SIZE_TO_DEMULTIPLY = 163,
    DM_DEMULTIPLEXER_NO_RESULTS = 175,
    DM_NODE_LIBRARY_EXECUTION_FAILED = 224,
    DM_MAX_SHARDS = 6,
    DM_ROW = 10
};

/* The input [1, shards, 10]: row s, element k is s * 100 + k * 0.5 + base. */
static void dm_fill(float *values, int shards, float base) {
    for (int s = 0; s < shards; s++)
        for (int k = 0; k < DM_ROW; k++)
            values[s * DM_ROW + k] = base + (float)s * 100.0f + (float)k * 0.5f;
}

/* A request on `pipeline` with input "in", FP32 [1, shards, 10], bound to `values`. */
static OVMS_InferenceRequest *dm_request(const char *pipeline, const float *values, int shards) {
    OVMS_InferenceRequest *request = NULL;
    const int64_t shape[3] = {1, shards, DM_ROW};
    if (!au_expect_ok(OVMS_InferenceRequestNew(&request, server, pipeline, 0), "RequestNew", __FILE__, __LINE__))
        return NULL;
    if (!au_expect_ok(OVMS_InferenceRequestAddInput(request, "in", OVMS_DATATYPE_FP32, shape, 3), "AddInput",
                      __FILE__, __LINE__) ||
        !au_expect_ok(OVMS_InferenceRequestInputSetData(request, "in", values,
                                                        (size_t)shards * DM_ROW * sizeof(float),
                                                        OVMS_BUFFERTYPE_CPU, 0),
                      "SetData", __FILE__, __LINE__)) {
        OVMS_InferenceRequestDelete(request);
        return NULL;
    }
    return request;
}

/* The response has one output "out", FP32 [shards, 1, 10], values in * multiply + add. */
static bool dm_check(OVMS_InferenceResponse *response, const float *in, int shards, float multiply, float add) {
    uint32_t count = 0;
    if (!au_expect_ok(OVMS_InferenceResponseOutputCount(response, &count), "OutputCount", __FILE__, __LINE__))
        return false;
    const char *name = NULL;
    OVMS_DataType datatype = OVMS_DATATYPE_UNDEFINED;
    const int64_t *shape = NULL;
    size_t dims = 0;
    const void *data = NULL;
    size_t bytes = 0;
    OVMS_BufferType buffer_type = OVMS_BUFFERTYPE_HDDL;
    uint32_t device = 99;
    if (count != 1 || !au_expect_ok(OVMS_InferenceResponseOutput(response, 0, &name, &datatype, &shape, &dims, &data,
                                                                 &bytes, &buffer_type, &device),
                                    "ResponseOutput", __FILE__, __LINE__)) {
        au_fail(__FILE__, __LINE__, "expected one readable output");
        return false;
    }
    bool ok = strcmp(name, "out") == 0 && datatype == OVMS_DATATYPE_FP32 && dims == 3 && shape[0] == shards &&
              shape[1] == 1 && shape[2] == DM_ROW && bytes == (size_t)shards * DM_ROW * sizeof(float);
    int wrong = -1;
    for (int i = 0; ok && i < shards * DM_ROW; i++) {
        if (fabsf(((const float *)data)[i] - (in[i] * multiply + add)) > 1e-4f) {
            ok = false;
            wrong = i;
        }
    }
    if (!ok) {
        char buf[256];
        snprintf(buf, sizeof buf, "output %s: type %d, dims %zu, dim0 %lld, bytes %zu, element %d: %g (expected %g)",
                 name, (int)datatype, dims, dims > 0 ? (long long)shape[0] : -1LL, bytes, wrong,
                 wrong >= 0 ? (double)((const float *)data)[wrong] : 0.0,
                 wrong >= 0 ? (double)(in[wrong] * multiply + add) : 0.0);
        au_fail(__FILE__, __LINE__, buf);
    }
    return ok;
}

/* Sync inference on `pipeline` with `shards` rows; checks the values. */
static void dm_sync(const char *pipeline, int shards, float multiply, float add) {
    float in[DM_MAX_SHARDS * DM_ROW];
    dm_fill(in, shards, (float)shards);
    OVMS_InferenceRequest *request = dm_request(pipeline, in, shards);
    REQUIRE(request != NULL);
    OVMS_InferenceResponse *response = NULL;
    CHECK_OK(OVMS_Inference(server, request, &response));
    if (response != NULL)
        dm_check(response, in, shards, multiply, add);
    OVMS_InferenceResponseDelete(response);
    OVMS_InferenceRequestDelete(request);
}

static void test_gathered_at_the_response(void) {
    for (int round = 0; round < 2; round++)
        dm_sync("demux_implicit", 3, 1.0f, 1.0f);
    for (int shards = 1; shards <= DM_MAX_SHARDS; shards++)
        dm_sync("demux_dynamic", shards, 1.0f, 1.0f);
    /* demultiply_count 0, with add_sub (x2) before dummy in each shard. */
    for (int shards = 1; shards <= 4; shards++)
        dm_sync("demux_zero", shards, 2.0f, 1.0f);
    CHECK_POOL_AT_REST(server, "dummy", 2);
}

static void test_gathered_by_a_node(void) {
    for (int round = 0; round < 3; round++) {
        dm_sync("demux_gather", 3, 1.0f, 11.0f);
        /* The gather demultiplies again: dummy, add_sub + 10, dummy, gathered at the response. */
        dm_sync("demux_twice", 3, 1.0f, 12.0f);
    }
    CHECK_POOL_AT_REST(server, "dummy", 2);
}

/* ---- async -------------------------------------------------------------------------------- */
typedef struct {
    float in[DM_MAX_SHARDS * DM_ROW];
    int shards;
    float multiply, add;
    uint32_t expect_code; /* 0: success */
    atomic_int calls;
    atomic_int bad;
    au_counter *done;
} dm_ctx;

static void dm_cb(OVMS_InferenceResponse *response, uint32_t flag, void *user) {
    dm_ctx *ctx = (dm_ctx *)user;
    if (atomic_fetch_add(&ctx->calls, 1) > 0)
        au_fail(__FILE__, __LINE__, "a second callback for one pipeline request");
    if (pthread_equal(pthread_self(), au_main_thread))
        au_fail(__FILE__, __LINE__, "the callback ran on the submitting thread");
    if (ctx->expect_code != 0) {
        if (flag != 1 || response != NULL)
            atomic_fetch_add(&ctx->bad, 1);
    } else if (flag != 0 || response == NULL ||
               !dm_check(response, ctx->in, ctx->shards, ctx->multiply, ctx->add)) {
        atomic_fetch_add(&ctx->bad, 1);
    }
    OVMS_InferenceResponseDelete(response);
    au_counter_add(ctx->done, 1);
}

/* Many async requests with 1..6 shards each (dynamic) and 3 (gathered by a node): each calls
 * back once with its own values, in shard order. */
static void test_async_shards_call_back_once_each(void) {
    const int n = (int)au_scaled(150, 12);
    dm_ctx *ctxs = calloc((size_t)n, sizeof(dm_ctx));
    OVMS_InferenceRequest **requests = calloc((size_t)n, sizeof(OVMS_InferenceRequest *));
    REQUIRE(ctxs != NULL && requests != NULL);
    au_counter done;
    au_counter_init(&done);
    int submitted = 0;
    for (int i = 0; i < n; i++) {
        bool gathered = i % 3 == 2;
        dm_ctx *ctx = &ctxs[i];
        ctx->shards = gathered ? 3 : 1 + i % DM_MAX_SHARDS;
        ctx->multiply = 1.0f;
        ctx->add = gathered ? 11.0f : 1.0f;
        ctx->done = &done;
        dm_fill(ctx->in, ctx->shards, (float)i);
        requests[i] = dm_request(gathered ? "demux_gather" : "demux_dynamic", ctx->in, ctx->shards);
        if (requests[i] == NULL)
            break;
        CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(requests[i], dm_cb, ctx));
        OVMS_Status *status = OVMS_InferenceAsync(server, requests[i]);
        if (status != NULL) {
            au_expect_ok(status, "OVMS_InferenceAsync(demux)", __FILE__, __LINE__);
            break;
        }
        submitted++;
    }
    CHECK_EQ(submitted, n);
    AWAIT(&done, submitted);
    au_sleep_ms(50); /* a doubled callback would show up now */
    int bad = 0, calls = 0;
    for (int i = 0; i < submitted; i++) {
        bad += atomic_load(&ctxs[i].bad);
        calls += atomic_load(&ctxs[i].calls);
    }
    CHECK_EQ(calls, submitted);
    CHECK_EQ(bad, 0);
    CHECK_POOL_AT_REST(server, "dummy", 2);
    for (int i = 0; i < n; i++)
        OVMS_InferenceRequestDelete(requests[i]);
    au_counter_destroy(&done);
    free(requests);
    free(ctxs);
}

/* `pipeline` with `shards` rows fails with `code` (details naming `details` when not NULL),
 * sync and then async with exactly one callback, a few rounds. */
static void dm_expect_failure(const char *pipeline, int shards, uint32_t code, const char *details) {
    float in[DM_MAX_SHARDS * DM_ROW];
    dm_fill(in, shards, 0.0f);
    OVMS_InferenceRequest *request = dm_request(pipeline, in, shards);
    REQUIRE(request != NULL);
    for (int round = 0; round < (int)au_scaled(5, 2); round++) {
        OVMS_InferenceResponse *response = NULL;
        OVMS_Status *status = OVMS_Inference(server, request, &response);
        const char *text = au_details(status);
        if (details != NULL && (text == NULL || strstr(text, details) == NULL))
            au_fail(__FILE__, __LINE__, text ? text : "no details");
        CHECK_CODE(status, code);
        CHECK(response == NULL);
        au_counter done;
        au_counter_init(&done);
        dm_ctx *ctx = calloc(1, sizeof(dm_ctx));
        REQUIRE(ctx != NULL);
        ctx->expect_code = code;
        ctx->done = &done;
        CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(request, dm_cb, ctx));
        REQUIRE_OK(OVMS_InferenceAsync(server, request));
        AWAIT(&done, 1);
        au_sleep_ms(20);
        CHECK_EQ(atomic_load(&ctx->calls), 1);
        CHECK_EQ(atomic_load(&ctx->bad), 0);
        CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(request, NULL, NULL));
        au_counter_destroy(&done);
        free(ctx);
    }
    OVMS_InferenceRequestDelete(request);
    CHECK_POOL_AT_REST(server, "dummy", 2);
}

static void test_a_failing_shard_fails_the_request_once(void) {
    dm_expect_failure("demux_shard_fails", 3, DM_NODE_LIBRARY_EXECUTION_FAILED, "execute returned 1");
}

static void test_a_failing_demultiplexer_fails_the_request_once(void) {
    dm_expect_failure("demux_split_fails", 3, DM_NODE_LIBRARY_EXECUTION_FAILED, "execute returned 1");
}

/* split gives 4 shards where demultiply_count is 3: OVMS's run-time check. */
static void test_a_wrong_shard_count_fails_at_run_time(void) {
    dm_expect_failure("demux_implicit", 4, DM_WRONG_DIMENSION_SIZE_TO_DEMULTIPLY, "expected: 3");
}

static void test_no_shard_fails_with_no_results(void) {
    dm_expect_failure("demux_dynamic", 0, DM_DEMULTIPLEXER_NO_RESULTS, NULL);
}

static void test_gather_from_a_missing_node_fails_loading(void) {
    OVMS_ServableState state = OVMS_STATE_AVAILABLE;
    CHECK_OK(OVMS_GetServableState(server, "demux_gather_ghost", 0, &state));
    CHECK_EQ(state, OVMS_STATE_LOADING_FAILED);
    float in[3 * DM_ROW];
    dm_fill(in, 3, 0.0f);
    OVMS_InferenceRequest *request = dm_request("demux_gather_ghost", in, 3);
    REQUIRE(request != NULL);
    OVMS_InferenceResponse *response = NULL;
    OVMS_Status *status = OVMS_Inference(server, request, &response);
    CHECK_EQ(au_code(status), DM_PIPELINE_DEFINITION_NOT_LOADED_YET);
    const char *details = au_details(status);
    if (details == NULL || strstr(details, "PIPELINE_NODE_GATHER_FROM_NOT_EXISTING_NODE") == NULL)
        au_fail(__FILE__, __LINE__, details ? details : "no details");
    OVMS_StatusDelete(status);
    OVMS_InferenceRequestDelete(request);
}

/* The response gathers: out is [3, 1, 10] for a count of 3, [-1, 1, 10] for a dynamic one;
 * gathered by add_sub (rank 3): what add_sub declares, 3 dimensions of any size. */
static void test_metadata_has_the_shard_dimension_first(void) {
    static const struct {
        const char *pipeline;
        int64_t out_min[3], out_max[3];
    } cases[] = {
        {"demux_implicit", {3, 1, 10}, {3, 1, 10}},
        {"demux_dynamic", {-1, 1, 10}, {-1, 1, 10}},
        {"demux_gather", {-1, -1, -1}, {-1, -1, -1}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        OVMS_ServableMetadata *metadata = NULL;
        REQUIRE_OK(OVMS_GetServableMetadata(server, cases[i].pipeline, 0, &metadata));
        const char *name = NULL;
        OVMS_DataType datatype = OVMS_DATATYPE_UNDEFINED;
        size_t dims = 0;
        int64_t *min = NULL, *max = NULL;
        CHECK_OK(OVMS_ServableMetadataOutput(metadata, 0, &name, &datatype, &dims, &min, &max));
        CHECK(name != NULL && strcmp(name, "out") == 0);
        CHECK_EQ(datatype, OVMS_DATATYPE_FP32);
        CHECK_EQ(dims, 3);
        for (size_t d = 0; dims == 3 && d < 3; d++) {
            CHECK_EQ(min[d], cases[i].out_min[d]);
            CHECK_EQ(max[d], cases[i].out_max[d]);
        }
        /* The input as split declares it: [1, any, any]. */
        CHECK_OK(OVMS_ServableMetadataInput(metadata, 0, &name, &datatype, &dims, &min, &max));
        CHECK(name != NULL && strcmp(name, "in") == 0);
        CHECK_EQ(dims, 3);
        if (dims == 3) {
            CHECK_EQ(min[0], 1);
            CHECK_EQ(max[1], -1);
        }
        OVMS_ServableMetadataDelete(metadata);
    }
}

int main(void) {
    au_start_watchdog();
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("test_demultiplexing (scale: %s)\n", au_small() ? "small" : "full");
    au_main_thread = pthread_self();
    if (!au_expect_ok(OVMS_ServerNew(&server), "OVMS_ServerNew", __FILE__, __LINE__))
        return au_summary();
    atomic_store(&au_deadline, au_now() + (au_small() ? 600 : 120));
    OVMS_Status *started = au_start_server(server, "demultiplexing.json");
    atomic_store(&au_deadline, 0.0);
    if (!au_expect_ok(started, "start demultiplexing.json", __FILE__, __LINE__))
        return au_summary();
    RUN_TEST(test_gathered_at_the_response, 60);
    RUN_TEST(test_gathered_by_a_node, 60);
    RUN_TEST(test_async_shards_call_back_once_each, 120);
    RUN_TEST(test_a_failing_shard_fails_the_request_once, 60);
    RUN_TEST(test_a_failing_demultiplexer_fails_the_request_once, 60);
    RUN_TEST(test_a_wrong_shard_count_fails_at_run_time, 60);
    RUN_TEST(test_no_shard_fails_with_no_results, 60);
    RUN_TEST(test_gather_from_a_missing_node_fails_loading, 60);
    RUN_TEST(test_metadata_has_the_shard_dimension_first, 60);
    OVMS_ServerDelete(server);
    server = NULL;
    return au_summary();
}
