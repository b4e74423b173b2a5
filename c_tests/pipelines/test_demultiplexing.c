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
 * - two levels (split rank 4 splits [1, 3, 2, 10] into 3 rows, each split again into 2 shards
 *   of [1, 10]): both gathered at the response (out [3, 2, 1, 10]), the inner one gathered by
 *   add_sub + 10 and the outer at the response, and the entry's demultiply_count 2 around a
 *   node split of 3 ([2, 1, 3, 10] in, [2, 3, 1, 10] out), also with both levels gathered by
 *   nodes (gather_from_node "split", then "request"); sync, a batch of async requests
 *   with one callback each, a node failing in the inner shards, a dynamic count with two
 *   demultiplexers refused at loading (NOT_IMPLEMENTED, as OVMS), and the metadata's
 *   dimensions, one per level, the outermost first;
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

/* How many elements a shape holds. */
static size_t dm_elements(const int64_t *shape, size_t dims) {
    size_t elements = 1;
    for (size_t d = 0; d < dims; d++)
        elements *= (size_t)shape[d];
    return elements;
}

/* A request on `pipeline` with input "in", FP32 of `shape`, bound to `values`. */
static OVMS_InferenceRequest *dm_request_shaped(const char *pipeline, const float *values, const int64_t *shape,
                                                size_t dims) {
    OVMS_InferenceRequest *request = NULL;
    if (!au_expect_ok(OVMS_InferenceRequestNew(&request, server, pipeline, 0), "RequestNew", __FILE__, __LINE__))
        return NULL;
    if (!au_expect_ok(OVMS_InferenceRequestAddInput(request, "in", OVMS_DATATYPE_FP32, shape, dims), "AddInput",
                      __FILE__, __LINE__) ||
        !au_expect_ok(OVMS_InferenceRequestInputSetData(request, "in", values,
                                                        dm_elements(shape, dims) * sizeof(float),
                                                        OVMS_BUFFERTYPE_CPU, 0),
                      "SetData", __FILE__, __LINE__)) {
        OVMS_InferenceRequestDelete(request);
        return NULL;
    }
    return request;
}

/* A request on `pipeline` with input "in", FP32 [1, shards, 10], bound to `values`. */
static OVMS_InferenceRequest *dm_request(const char *pipeline, const float *values, int shards) {
    const int64_t shape[3] = {1, shards, DM_ROW};
    return dm_request_shaped(pipeline, values, shape, 3);
}

/* The response has one output "out", FP32 of shape `want`, values in * multiply + add (the
 * stacked shards hold the input's elements in the input's order). */
static bool dm_check_shaped(OVMS_InferenceResponse *response, const float *in, const int64_t *want, size_t want_dims,
                            float multiply, float add) {
    au_output o;
    if (!au_read_output(response, 0, true, &o, __FILE__, __LINE__))
        return false;
    const size_t elements = dm_elements(want, want_dims);
    bool ok = strcmp(o.name, "out") == 0 && o.datatype == OVMS_DATATYPE_FP32 && o.dims == want_dims &&
              o.bytes == elements * sizeof(float);
    for (size_t d = 0; ok && d < o.dims; d++)
        ok = o.shape[d] == want[d];
    const float *data = (const float *)o.data;
    int wrong = -1;
    for (int i = 0; ok && i < (int)elements; i++) {
        if (fabsf(data[i] - (in[i] * multiply + add)) > 1e-4f) {
            ok = false;
            wrong = i;
        }
    }
    if (!ok) {
        char buf[256];
        snprintf(buf, sizeof buf, "output %s: type %d, dims %zu, dim0 %lld, bytes %zu, element %d: %g (expected %g)",
                 o.name, (int)o.datatype, o.dims, o.dims > 0 ? (long long)o.shape[0] : -1LL, o.bytes, wrong,
                 wrong >= 0 ? (double)data[wrong] : 0.0, wrong >= 0 ? (double)(in[wrong] * multiply + add) : 0.0);
        au_fail(__FILE__, __LINE__, buf);
    }
    return ok;
}

/* dm_check_shaped for out [shards, 1, 10]. */
static bool dm_check(OVMS_InferenceResponse *response, const float *in, int shards, float multiply, float add) {
    const int64_t want[3] = {shards, 1, DM_ROW};
    return dm_check_shaped(response, in, want, 3, multiply, add);
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
/* A pipeline with two shard levels: its input and output shapes (60 elements each) and what
 * it adds to each element. */
typedef struct {
    const char *pipeline;
    int64_t in_shape[4];
    int64_t out_shape[4];
    float add;
} dm_nested_case;

static const dm_nested_case dm_nested_cases[] = {
    {"demux_nested", {1, 3, 2, DM_ROW}, {3, 2, 1, DM_ROW}, 1.0f},
    {"demux_nested_gathered", {1, 3, 2, DM_ROW}, {3, 2, 1, DM_ROW}, 11.0f},
    {"demux_entry_nested", {2, 1, 3, DM_ROW}, {2, 3, 1, DM_ROW}, 1.0f},
    /* The same levels, gathered by nodes: add_sub + 10 from split, then + 100 from request. */
    {"demux_entry_gathered", {2, 1, 3, DM_ROW}, {2, 3, 1, DM_ROW}, 111.0f},
    /* A node that gathers the request's shards and reads the request itself: it gets the
     * request's tensor whole. */
    {"demux_entry_whole", {2, 1, 3, DM_ROW}, {2, 1, 3, DM_ROW}, 100.0f},
};
enum { DM_NESTED_CASES = sizeof dm_nested_cases / sizeof dm_nested_cases[0] };

/* 60 distinct values from `base`. */
static void dm_fill_nested(float *values, float base) {
    for (int i = 0; i < DM_MAX_SHARDS * DM_ROW; i++)
        values[i] = base + (float)i * 0.25f;
}

typedef struct {
    au_batch_count count; /* first: au_async_batch reads it */
    float in[DM_MAX_SHARDS * DM_ROW];
    const dm_nested_case *nested; /* NULL: [shards, 1, 10] out */
    int shards;
    float multiply, add;
    uint32_t expect_code; /* 0: success */
} dm_ctx;

static void dm_cb(OVMS_InferenceResponse *response, uint32_t flag, void *user) {
    dm_ctx *ctx = (dm_ctx *)user;
    if (atomic_fetch_add(&ctx->count.calls, 1) > 0)
        au_fail(__FILE__, __LINE__, "a second callback for one pipeline request");
    if (pthread_equal(pthread_self(), au_main_thread))
        au_fail(__FILE__, __LINE__, "the callback ran on the submitting thread");
    if (ctx->expect_code != 0) {
        if (flag != 1 || response != NULL)
            atomic_fetch_add(&ctx->count.bad, 1);
    } else if (flag != 0 || response == NULL ||
               !(ctx->nested != NULL ? dm_check_shaped(response, ctx->in, ctx->nested->out_shape, 4, 1.0f,
                                                       ctx->nested->add)
                                     : dm_check(response, ctx->in, ctx->shards, ctx->multiply, ctx->add))) {
        atomic_fetch_add(&ctx->count.bad, 1);
    }
    OVMS_InferenceResponseDelete(response);
    au_counter_add(ctx->count.done, 1);
}

/* 1..6 shards (dynamic), or 3 gathered by a node for every third request. */
static OVMS_InferenceRequest *dm_prepare_shards(int i, void *context) {
    dm_ctx *ctx = (dm_ctx *)context;
    bool gathered = i % 3 == 2;
    ctx->shards = gathered ? 3 : 1 + i % DM_MAX_SHARDS;
    ctx->multiply = 1.0f;
    ctx->add = gathered ? 11.0f : 1.0f;
    dm_fill(ctx->in, ctx->shards, (float)i);
    return dm_request(gathered ? "demux_gather" : "demux_dynamic", ctx->in, ctx->shards);
}

/* Many async requests with 1..6 shards each (dynamic) and 3 (gathered by a node): each calls
 * back once with its own values, in shard order. */
static void test_async_shards_call_back_once_each(void) {
    au_async_batch(server, (int)au_scaled(150, 12), sizeof(dm_ctx), dm_prepare_shards, dm_cb,
                   "OVMS_InferenceAsync(demux)", "dummy", 2);
}

/* `pipeline` with `shards` rows (or an input of `shape`, 4 dimensions, when not NULL) fails
 * with `code` (details naming `details` when not NULL), sync and then async with exactly one
 * callback, a few rounds. */
static void dm_expect_failure(const char *pipeline, int shards, const int64_t *shape, uint32_t code,
                              const char *details) {
    float in[DM_MAX_SHARDS * DM_ROW];
    dm_fill(in, shards, 0.0f);
    OVMS_InferenceRequest *request =
        shape != NULL ? dm_request_shaped(pipeline, in, shape, 4) : dm_request(pipeline, in, shards);
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
        ctx->count.done = &done;
        CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(request, dm_cb, ctx));
        REQUIRE_OK(OVMS_InferenceAsync(server, request));
        AWAIT(&done, 1);
        au_sleep_ms(20);
        CHECK_EQ(atomic_load(&ctx->count.calls), 1);
        CHECK_EQ(atomic_load(&ctx->count.bad), 0);
        CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(request, NULL, NULL));
        au_counter_destroy(&done);
        free(ctx);
    }
    OVMS_InferenceRequestDelete(request);
    CHECK_POOL_AT_REST(server, "dummy", 2);
}

static void test_a_failing_shard_fails_the_request_once(void) {
    dm_expect_failure("demux_shard_fails", 3, NULL, DM_NODE_LIBRARY_EXECUTION_FAILED, "execute returned 1");
}

static void test_a_failing_demultiplexer_fails_the_request_once(void) {
    dm_expect_failure("demux_split_fails", 3, NULL, DM_NODE_LIBRARY_EXECUTION_FAILED, "execute returned 1");
}

/* split gives 4 shards where demultiply_count is 3: OVMS's run-time check. */
static void test_a_wrong_shard_count_fails_at_run_time(void) {
    dm_expect_failure("demux_implicit", 4, NULL, DM_WRONG_DIMENSION_SIZE_TO_DEMULTIPLY, "expected: 3");
}

static void test_no_shard_fails_with_no_results(void) {
    dm_expect_failure("demux_dynamic", 0, NULL, DM_DEMULTIPLEXER_NO_RESULTS, NULL);
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

/* ---- two shard levels ---------------------------------------------------------------------- */
static void test_nested_levels_stack_one_dimension_each(void) {
    for (int round = 0; round < 2; round++) {
        for (int c = 0; c < DM_NESTED_CASES; c++) {
            const dm_nested_case *nested = &dm_nested_cases[c];
            float in[DM_MAX_SHARDS * DM_ROW];
            dm_fill_nested(in, (float)(round * 10 + c));
            OVMS_InferenceRequest *request = dm_request_shaped(nested->pipeline, in, nested->in_shape, 4);
            REQUIRE(request != NULL);
            OVMS_InferenceResponse *response = NULL;
            CHECK_OK(OVMS_Inference(server, request, &response));
            if (response != NULL && !dm_check_shaped(response, in, nested->out_shape, 4, 1.0f, nested->add))
                printf("  (pipeline %s)\n", nested->pipeline);
            OVMS_InferenceResponseDelete(response);
            OVMS_InferenceRequestDelete(request);
        }
    }
    CHECK_POOL_AT_REST(server, "dummy", 2);
}

/* The nested pipelines in turn. */
static OVMS_InferenceRequest *dm_prepare_nested(int i, void *context) {
    dm_ctx *ctx = (dm_ctx *)context;
    ctx->nested = &dm_nested_cases[i % DM_NESTED_CASES];
    dm_fill_nested(ctx->in, (float)i);
    return dm_request_shaped(ctx->nested->pipeline, ctx->in, ctx->nested->in_shape, 4);
}

/* A batch of async requests over the nested pipelines: one callback each, with its values. */
static void test_async_nested_call_back_once_each(void) {
    au_async_batch(server, (int)au_scaled(60, 6), sizeof(dm_ctx), dm_prepare_nested, dm_cb,
                   "OVMS_InferenceAsync(nested)", "dummy", 2);
}

/* add_sub fails in each of the 6 inner shards (after dummy): the request fails once. */
static void test_a_failing_inner_shard_fails_the_request_once(void) {
    const int64_t shape[4] = {1, 3, 2, DM_ROW};
    dm_expect_failure("demux_nested_fails", 6, shape, DM_NODE_LIBRARY_EXECUTION_FAILED, "execute returned 1");
}

/* As OVMS: with two demultiplexers, a dynamic count is not served. */
static void test_a_dynamic_count_with_two_demultiplexers_fails_loading(void) {
    OVMS_ServableState state = OVMS_STATE_AVAILABLE;
    CHECK_OK(OVMS_GetServableState(server, "demux_nested_dynamic", 0, &state));
    CHECK_EQ(state, OVMS_STATE_LOADING_FAILED);
    float in[DM_MAX_SHARDS * DM_ROW];
    dm_fill_nested(in, 0.0f);
    const int64_t shape[4] = {1, 3, 2, DM_ROW};
    OVMS_InferenceRequest *request = dm_request_shaped("demux_nested_dynamic", in, shape, 4);
    REQUIRE(request != NULL);
    OVMS_InferenceResponse *response = NULL;
    OVMS_Status *status = OVMS_Inference(server, request, &response);
    CHECK_EQ(au_code(status), DM_PIPELINE_DEFINITION_NOT_LOADED_YET);
    const char *details = au_details(status);
    if (details == NULL || strstr(details, "NOT_IMPLEMENTED") == NULL ||
        strstr(details, "multiple demultiplexers with at least one dynamic") == NULL)
        au_fail(__FILE__, __LINE__, details ? details : "no details");
    OVMS_StatusDelete(status);
    OVMS_InferenceRequestDelete(request);
}

/* One dimension per level the response gathers, the outermost first: [3, 2, 1, 10]; the
 * inner level gathered by add_sub (3 any-size dimensions): [3, -1, -1, -1]; the entry's
 * level around a node's: [2, 3, 1, 10]; both gathered by add_sub (rank 4): what it declares.
 * The inputs as split declares them (rank 4: [1, any,
 * any, any]; behind the entry's count of 2: [2, 1, any, any]). */
static void test_nested_metadata_has_one_dimension_per_level(void) {
    static const struct {
        const char *pipeline;
        int64_t out[4], in_min[4];
    } cases[] = {
        {"demux_nested", {3, 2, 1, DM_ROW}, {1, -1, -1, -1}},
        {"demux_nested_gathered", {3, -1, -1, -1}, {1, -1, -1, -1}},
        {"demux_entry_nested", {2, 3, 1, DM_ROW}, {2, 1, -1, -1}},
        {"demux_entry_gathered", {-1, -1, -1, -1}, {2, 1, -1, -1}},
        /* add_sub's 4 dimensions are the request's whole: the shards' dimension is its first. */
        {"demux_entry_whole", {-1, -1, -1, -1}, {2, -1, -1, -1}},
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
        CHECK_EQ(dims, 4);
        for (size_t d = 0; dims == 4 && d < 4; d++) {
            CHECK_EQ(min[d], cases[i].out[d]);
            CHECK_EQ(max[d], cases[i].out[d]);
        }
        CHECK_OK(OVMS_ServableMetadataInput(metadata, 0, &name, &datatype, &dims, &min, &max));
        CHECK(name != NULL && strcmp(name, "in") == 0);
        CHECK_EQ(dims, 4);
        for (size_t d = 0; dims == 4 && d < 4; d++)
            CHECK_EQ(min[d], cases[i].in_min[d]);
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
    RUN_TEST(test_nested_levels_stack_one_dimension_each, 60);
    RUN_TEST(test_async_nested_call_back_once_each, 120);
    RUN_TEST(test_a_failing_inner_shard_fails_the_request_once, 60);
    RUN_TEST(test_a_dynamic_count_with_two_demultiplexers_fails_loading, 60);
    RUN_TEST(test_nested_metadata_has_one_dimension_per_level, 60);
    OVMS_ServerDelete(server);
    server = NULL;
    return au_summary();
}
