/*
 * test_pipelines.c: pipeline_config_list DAGs through the public header, OVMS's C-API pipeline
 * cases ported (CAPIDagInference.BasicDummyDag, CAPIInference.TwoInputs, CAPIMetadata.BasicDummyDag,
 * the pipeline states) plus this library's async pipelines:
 * - a pipeline answers OVMS_Inference and OVMS_InferenceAsync with its outputs in name order;
 * - a chain feeds one node's output to the next (b + 2 through two dummy nodes);
 * - a node that fails fails the request once (flag 1, or the node's status when sync), and
 *   every slot of every node's model is idle afterwards;
 * - a definition that does not validate answers PIPELINE_DEFINITION_NOT_LOADED_YET naming its
 *   validation code, its state is LOADING_FAILED; a removed one answers
 *   PIPELINE_DEFINITION_NOT_LOADED_ANYMORE and is RETIRED.
 */
#include "async_util.h"

#ifndef OVMS_PIPELINE_MODELS_DIR
#error "OVMS_PIPELINE_MODELS_DIR must be defined by the build"
#endif

enum {
    PT_MODEL_NAME_MISSING = 45,
    PT_PIPELINE_DEFINITION_NOT_LOADED_ANYMORE = 145,
    PT_PIPELINE_DEFINITION_NOT_LOADED_YET = 146
};

/* A request on `name` with FP32 inputs; names[i] gets values[i] of shape shapes[i] (2 dims). */
static OVMS_InferenceRequest *pt_request(const char *name, int n, const char *const *names,
                                         const float *const *values, const int64_t (*shapes)[2]) {
    OVMS_InferenceRequest *request = NULL;
    if (!au_expect_ok(OVMS_InferenceRequestNew(&request, server, name, 0), "RequestNew", __FILE__, __LINE__))
        return NULL;
    for (int i = 0; i < n; i++) {
        size_t bytes = (size_t)(shapes[i][0] * shapes[i][1]) * sizeof(float);
        if (!au_expect_ok(OVMS_InferenceRequestAddInput(request, names[i], OVMS_DATATYPE_FP32, shapes[i], 2),
                          "AddInput", __FILE__, __LINE__) ||
            !au_expect_ok(OVMS_InferenceRequestInputSetData(request, names[i], values[i], bytes,
                                                            OVMS_BUFFERTYPE_CPU, 0),
                          "SetData", __FILE__, __LINE__)) {
            OVMS_InferenceRequestDelete(request);
            return NULL;
        }
    }
    return request;
}

/* Output `id` is `name`, FP32 [1,10], values input[i] + delta. */
static bool pt_check_output(OVMS_InferenceResponse *response, uint32_t id, const char *expected_name,
                            const float *input, float delta) {
    au_output o;
    if (!au_read_output(response, id, false, &o, __FILE__, __LINE__))
        return false;
    bool ok = o.name != NULL && strcmp(o.name, expected_name) == 0 && o.datatype == OVMS_DATATYPE_FP32 &&
              o.dims == 2 && o.shape[0] == 1 && o.shape[1] == 10 && o.bytes == 10 * sizeof(float) &&
              o.buffer_type == OVMS_BUFFERTYPE_CPU;
    const float *data = (const float *)o.data;
    for (int i = 0; ok && i < 10; i++)
        ok = data[i] == input[i] + delta;
    if (!ok) {
        char buf[256];
        snprintf(buf, sizeof buf, "output %u: name %s (expected %s), type %d, dims %zu, bytes %zu, first %g", id,
                 o.name ? o.name : "(null)", expected_name, (int)o.datatype, o.dims, o.bytes,
                 data ? (double)data[0] : -1.0);
        au_fail(__FILE__, __LINE__, buf);
    }
    return ok;
}

static uint32_t pt_output_count(OVMS_InferenceResponse *response) {
    uint32_t count = UINT32_MAX;
    CHECK_OK(OVMS_InferenceResponseOutputCount(response, &count));
    return count;
}

static const int64_t SHAPE_1x10[2] = {1, 10};

/* CAPIDagInference.BasicDummyDag: one dummy node, a = b + 1. */
static void test_basic_dummy_dag(void) {
    float b[10];
    fill_input(b, 2.0f);
    const char *names[] = {"b"};
    const float *values[] = {b};
    const int64_t shapes[][2] = {{1, 10}};
    OVMS_InferenceRequest *request = pt_request("pipeline1Dummy", 1, names, values, shapes);
    REQUIRE(request != NULL);
    OVMS_InferenceResponse *response = NULL;
    CHECK_OK(OVMS_Inference(server, request, &response));
    if (response != NULL) {
        CHECK_DUMMY_RESPONSE(response, b, NULL);
        OVMS_InferenceResponseDelete(response);
    }
    /* The request can run again once answered. */
    response = NULL;
    CHECK_OK(OVMS_Inference(server, request, &response));
    if (response != NULL) {
        CHECK_DUMMY_RESPONSE(response, b, NULL);
        OVMS_InferenceResponseDelete(response);
    }
    OVMS_InferenceRequestDelete(request);
    CHECK_POOL_AT_REST(server, "dummy", 2);
}

/* A two-model chain: the second dummy takes the first one's output, a = b + 2. */
static void test_chain(void) {
    float b[10];
    fill_input(b, -1.0f);
    const char *names[] = {"b"};
    const float *values[] = {b};
    const int64_t shapes[][2] = {{1, 10}};
    OVMS_InferenceRequest *request = pt_request("chain", 1, names, values, shapes);
    REQUIRE(request != NULL);
    OVMS_InferenceResponse *response = NULL;
    CHECK_OK(OVMS_Inference(server, request, &response));
    if (response != NULL) {
        CHECK_EQ(pt_output_count(response), 1);
        pt_check_output(response, 0, "a", b, 2.0f);
        OVMS_InferenceResponseDelete(response);
    }
    OVMS_InferenceRequestDelete(request);
    CHECK_POOL_AT_REST(server, "dummy", 2);
}

/* CAPIInference.TwoInputs: two independent dummy nodes; outputs "a" then "d" (name order). */
static void test_two_inputs(void) {
    float b[10], c[10];
    fill_input(b, 1.0f);
    fill_input(c, 100.0f);
    const char *names[] = {"b", "c"};
    const float *values[] = {b, c};
    const int64_t shapes[][2] = {{1, 10}, {1, 10}};
    OVMS_InferenceRequest *request = pt_request("double_dummy", 2, names, values, shapes);
    REQUIRE(request != NULL);
    OVMS_InferenceResponse *response = NULL;
    CHECK_OK(OVMS_Inference(server, request, &response));
    if (response != NULL) {
        CHECK_EQ(pt_output_count(response), 2);
        pt_check_output(response, 0, "a", b, 1.0f);
        pt_check_output(response, 1, "d", c, 1.0f);
        OVMS_InferenceResponseDelete(response);
    }
    OVMS_InferenceRequestDelete(request);
    /* A missing pipeline input is refused before any node runs. */
    request = pt_request("double_dummy", 1, names, values, shapes);
    REQUIRE(request != NULL);
    response = NULL;
    OVMS_Status *status = OVMS_Inference(server, request, &response);
    CHECK(status != NULL);
    CHECK(au_code(status) == 51 /* INVALID_NO_OF_INPUTS */ || au_code(status) == 52 /* INVALID_MISSING_INPUT */);
    OVMS_StatusDelete(status);
    CHECK(response == NULL);
    OVMS_InferenceRequestDelete(request);
}

/* CAPIMetadata.BasicDummyDag and the pipeline states. */
static void test_metadata_and_state(void) {
    OVMS_ServableMetadata *metadata = NULL;
    REQUIRE_OK(OVMS_GetServableMetadata(server, "pipeline1Dummy", 1, &metadata));
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
        OVMS_Status *status = side == 0 ? OVMS_ServableMetadataInput(metadata, 0, &name, &datatype, &dims, &min, &max)
                                        : OVMS_ServableMetadataOutput(metadata, 0, &name, &datatype, &dims, &min, &max);
        CHECK_OK(status);
        CHECK(name != NULL && strcmp(name, side == 0 ? "b" : "a") == 0);
        CHECK_EQ(datatype, OVMS_DATATYPE_FP32);
        CHECK_EQ(dims, 2);
        if (dims == 2) {
            CHECK_EQ(min[0], 1);
            CHECK_EQ(max[0], 1);
            CHECK_EQ(min[1], 10);
            CHECK_EQ(max[1], 10);
        }
    }
    OVMS_ServableMetadataDelete(metadata);
    OVMS_ServableState state = OVMS_STATE_BEGIN;
    CHECK_OK(OVMS_GetServableState(server, "pipeline1Dummy", 0, &state));
    CHECK_EQ(state, OVMS_STATE_AVAILABLE);
    CHECK_CODE(OVMS_GetServableState(server, "no_such_servable", 0, &state), PT_MODEL_NAME_MISSING);
    CHECK_CODE(OVMS_GetServableMetadata(server, "no_such_servable", 0, &metadata), AU_PIPELINE_DEFINITION_NAME_MISSING);
}

/* ---- async: every accepted pipeline request calls back once ------------------------------------ */
typedef struct {
    au_batch_count count; /* first: au_async_batch reads it */
    const float *input;
    float delta;
    bool expect_failure;
    OVMS_InferenceResponse *kept;
} chain_ctx;

static void chain_cb(OVMS_InferenceResponse *response, uint32_t flag, void *user) {
    chain_ctx *ctx = (chain_ctx *)user;
    if (atomic_fetch_add(&ctx->count.calls, 1) > 0)
        au_fail(__FILE__, __LINE__, "a second callback for one pipeline request");
    if (pthread_equal(pthread_self(), au_main_thread))
        au_fail(__FILE__, __LINE__, "the callback ran on the submitting thread");
    if (ctx->expect_failure) {
        if (flag != 1 || response != NULL)
            atomic_fetch_add(&ctx->count.bad, 1);
    } else if (flag != 0 || response == NULL || pt_output_count(response) < 1 ||
               !pt_check_output(response, 0, "a", ctx->input, ctx->delta)) {
        atomic_fetch_add(&ctx->count.bad, 1);
    }
    OVMS_InferenceResponseDelete(response);
    au_counter_add(ctx->count.done, 1);
}

/* Keeps a successful response in ctx->kept for the test. */
static void keep_cb(OVMS_InferenceResponse *response, uint32_t flag, void *user) {
    chain_ctx *ctx = (chain_ctx *)user;
    if (atomic_fetch_add(&ctx->count.calls, 1) > 0)
        au_fail(__FILE__, __LINE__, "a second callback for one pipeline request");
    if (flag != 0)
        au_fail(__FILE__, __LINE__, "the pipeline request failed");
    ctx->kept = response;
    au_counter_add(ctx->count.done, 1);
}

/* CAPIDagInference.DynamicEntryDummyDag: demultiplexed at the entry, [3,1,10] in, each shard + 1. */
static void test_dynamic_entry_dummy_dag(void) {
    float b[30];
    for (int i = 0; i < 30; i++)
        b[i] = (float)i * 0.5f;
    const int64_t shape[3] = {3, 1, 10};
    OVMS_InferenceRequest *request = NULL;
    REQUIRE_OK(OVMS_InferenceRequestNew(&request, server, "dynamic_entry", 1));
    CHECK_OK(OVMS_InferenceRequestAddInput(request, "b", OVMS_DATATYPE_FP32, shape, 3));
    CHECK_OK(OVMS_InferenceRequestInputSetData(request, "b", b, sizeof b, OVMS_BUFFERTYPE_CPU, 0));
    for (int mode = 0; mode < 2; mode++) {
        OVMS_InferenceResponse *response = NULL;
        au_counter done;
        au_counter_init(&done);
        chain_ctx ctx;
        memset(&ctx, 0, sizeof ctx);
        if (mode == 0) {
            CHECK_OK(OVMS_Inference(server, request, &response));
        } else {
            /* Async: the callback keeps the response for the checks below. */
            ctx.count.done = &done;
            CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(request, keep_cb, &ctx));
            CHECK_OK(OVMS_InferenceAsync(server, request));
            AWAIT(&done, 1);
            CHECK_EQ(atomic_load(&ctx.count.calls), 1);
            response = ctx.kept;
            CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(request, NULL, NULL));
        }
        au_counter_destroy(&done);
        if (response == NULL)
            continue;
        au_output o;
        if (au_read_output(response, 0, true, &o, __FILE__, __LINE__)) {
            CHECK(o.name != NULL && strcmp(o.name, "a") == 0);
            CHECK_EQ(o.dims, 3);
            if (o.dims == 3) {
                CHECK_EQ(o.shape[0], 3);
                CHECK_EQ(o.shape[1], 1);
                CHECK_EQ(o.shape[2], 10);
            }
            CHECK_EQ(o.bytes, sizeof b);
            if (o.data != NULL && o.bytes == sizeof b) {
                int wrong = 0;
                for (int i = 0; i < 30; i++)
                    wrong += ((const float *)o.data)[i] != b[i] + 1.0f;
                CHECK_EQ(wrong, 0);
            }
        }
        OVMS_InferenceResponseDelete(response);
    }
    OVMS_InferenceRequestDelete(request);
    /* Its metadata carries the shards' dimension: b [-1,1,10]. */
    OVMS_ServableMetadata *metadata = NULL;
    REQUIRE_OK(OVMS_GetServableMetadata(server, "dynamic_entry", 1, &metadata));
    const char *name = NULL;
    OVMS_DataType datatype = OVMS_DATATYPE_UNDEFINED;
    size_t dims = 0;
    int64_t *min = NULL, *max = NULL;
    CHECK_OK(OVMS_ServableMetadataInput(metadata, 0, &name, &datatype, &dims, &min, &max));
    CHECK_EQ(dims, 3);
    if (dims == 3) {
        CHECK_EQ(min[0], -1);
        CHECK_EQ(max[0], -1);
        CHECK_EQ(max[2], 10);
    }
    CHECK_OK(OVMS_ServableMetadataOutput(metadata, 0, &name, &datatype, &dims, &min, &max));
    CHECK_EQ(dims, 3);
    OVMS_ServableMetadataDelete(metadata);
    /* Too few dimensions to split: OVMS's code, before anything runs. */
    const int64_t flat[2] = {1, 10};
    REQUIRE_OK(OVMS_InferenceRequestNew(&request, server, "dynamic_entry", 1));
    CHECK_OK(OVMS_InferenceRequestAddInput(request, "b", OVMS_DATATYPE_FP32, flat, 2));
    CHECK_OK(OVMS_InferenceRequestInputSetData(request, "b", b, 10 * sizeof(float), OVMS_BUFFERTYPE_CPU, 0));
    OVMS_InferenceResponse *response = NULL;
    CHECK_CODE(OVMS_Inference(server, request, &response), 162 /* PIPELINE_WRONG_NUMBER_OF_DIMENSIONS_TO_DEMULTIPLY */);
    OVMS_InferenceRequestDelete(request);
    CHECK_POOL_AT_REST(server, "dummy", 2);
}

/* A chain request's context with its own input. */
typedef struct {
    chain_ctx chain; /* first: chain_cb and au_async_batch read it */
    float in[10];
} chain_batch_ctx;

static OVMS_InferenceRequest *chain_prepare(int i, void *context) {
    chain_batch_ctx *ctx = (chain_batch_ctx *)context;
    const char *names[] = {"b"};
    const int64_t shapes[][2] = {{1, 10}};
    fill_input(ctx->in, (float)i);
    const float *values[] = {ctx->in};
    ctx->chain.input = ctx->in;
    ctx->chain.delta = 2.0f;
    return pt_request("chain", 1, names, values, shapes);
}

static void test_async_chain_calls_back_once_each(void) {
    au_async_batch(server, (int)au_scaled(400, 40), sizeof(chain_batch_ctx), chain_prepare, chain_cb,
                   "OVMS_InferenceAsync(chain)", "dummy", 2);
}

/* One branch fails (fail_odd on an odd length) while the other succeeds: one failure, once. */
static void test_failing_node_fails_the_request_once(void) {
    float b[10];
    fill_input(b, 5.0f);
    float x_odd[3] = {1, 2, 3};
    float x_even[4] = {1, 2, 3, 4};
    const char *names[] = {"b", "x"};
    for (int round = 0; round < (int)au_scaled(20, 4); round++) {
        bool odd = round % 2 == 0;
        OVMS_InferenceRequest *request = NULL;
        REQUIRE_OK(OVMS_InferenceRequestNew(&request, server, "branch_fail", 0));
        CHECK_OK(OVMS_InferenceRequestAddInput(request, names[0], OVMS_DATATYPE_FP32, SHAPE_1x10, 2));
        CHECK_OK(OVMS_InferenceRequestInputSetData(request, names[0], b, sizeof b, OVMS_BUFFERTYPE_CPU, 0));
        const int64_t x_shape[1] = {odd ? 3 : 4};
        CHECK_OK(OVMS_InferenceRequestAddInput(request, names[1], OVMS_DATATYPE_FP32, x_shape, 1));
        CHECK_OK(OVMS_InferenceRequestInputSetData(request, names[1], odd ? x_odd : x_even,
                                                   odd ? sizeof x_odd : sizeof x_even, OVMS_BUFFERTYPE_CPU, 0));
        au_counter done;
        au_counter_init(&done);
        chain_ctx ctx;
        memset(&ctx, 0, sizeof ctx);
        ctx.input = b;
        ctx.delta = 1.0f;
        ctx.expect_failure = odd;
        ctx.count.done = &done;
        CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(request, chain_cb, &ctx));
        REQUIRE_OK(OVMS_InferenceAsync(server, request));
        AWAIT(&done, 1);
        au_sleep_ms(20);
        CHECK_EQ(atomic_load(&ctx.count.calls), 1);
        CHECK_EQ(atomic_load(&ctx.count.bad), 0);
        CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(request, NULL, NULL));
        /* The same through OVMS_Inference: the node's own status. */
        OVMS_InferenceResponse *response = NULL;
        OVMS_Status *status = OVMS_Inference(server, request, &response);
        if (odd) {
            CHECK_CODE(status, AU_OV_INTERNAL_INFERENCE_ERROR);
            CHECK(response == NULL);
        } else {
            CHECK_OK(status);
            if (response != NULL) {
                CHECK_EQ(pt_output_count(response), 2);
                pt_check_output(response, 0, "a", b, 1.0f);
            }
        }
        OVMS_InferenceResponseDelete(response);
        OVMS_InferenceRequestDelete(request);
        au_counter_destroy(&done);
    }
    CHECK_POOL_AT_REST(server, "dummy", 2);
    CHECK_POOL_AT_REST(server, "fail_odd", 1);
}

/* Definitions that do not validate: LOADING_FAILED, and inference names the validation code. */
static void test_invalid_definitions(void) {
    static const struct {
        const char *pipeline;
        const char *code_name;
    } cases[] = {
        {"cycle", "PIPELINE_CYCLE_FOUND"},
        {"missing_model", "PIPELINE_NODE_REFERING_TO_MISSING_MODEL"},
        {"bad_shape", "INVALID_SHAPE"},
        {"custom", "PIPELINE_DEFINITION_INVALID_NODE_LIBRARY"},
    };
    float b[10];
    fill_input(b, 0.0f);
    const char *names[] = {"b"};
    const float *values[] = {b};
    const int64_t shapes[][2] = {{1, 10}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        OVMS_ServableState state = OVMS_STATE_AVAILABLE;
        CHECK_OK(OVMS_GetServableState(server, cases[i].pipeline, 0, &state));
        CHECK_EQ(state, OVMS_STATE_LOADING_FAILED);
        OVMS_InferenceRequest *request = pt_request(cases[i].pipeline, 1, names, values, shapes);
        REQUIRE(request != NULL);
        OVMS_InferenceResponse *response = NULL;
        OVMS_Status *status = OVMS_Inference(server, request, &response);
        CHECK_EQ(au_code(status), PT_PIPELINE_DEFINITION_NOT_LOADED_YET);
        const char *details = au_details(status);
        if (details == NULL || strstr(details, cases[i].code_name) == NULL) {
            char buf[512];
            snprintf(buf, sizeof buf, "%s: details %s do not name %s", cases[i].pipeline,
                     details ? details : "(null)", cases[i].code_name);
            au_fail(__FILE__, __LINE__, buf);
        }
        OVMS_StatusDelete(status);
        OVMS_InferenceRequestDelete(request);
    }
    /* A pipeline named like a model: the model keeps serving under the name. */
    fill_input(b, 7.0f);
    sync_dummy("dummy", b);
}

/* OVMS_ServerDelete with pipelines in flight: it returns after every accepted one called back. */
static atomic_int late_callbacks = 0;
static atomic_bool deleted = false;

static void count_cb(OVMS_InferenceResponse *response, uint32_t flag, void *user) {
    chain_ctx *ctx = (chain_ctx *)user;
    if (atomic_load(&deleted))
        atomic_fetch_add(&late_callbacks, 1);
    if (atomic_fetch_add(&ctx->count.calls, 1) > 0)
        au_fail(__FILE__, __LINE__, "a second callback for one pipeline request");
    if ((flag == 0) != (response != NULL))
        atomic_fetch_add(&ctx->count.bad, 1);
    OVMS_InferenceResponseDelete(response);
    au_counter_add(ctx->count.done, 1);
}

static void test_delete_waits_for_pipelines_in_flight(void) {
    const int n = (int)au_scaled(300, 30);
    float b[10];
    fill_input(b, 1.0f);
    chain_ctx *ctxs = calloc((size_t)n, sizeof(chain_ctx));
    OVMS_InferenceRequest **requests = calloc((size_t)n, sizeof(OVMS_InferenceRequest *));
    REQUIRE(ctxs != NULL && requests != NULL);
    au_counter done;
    au_counter_init(&done);
    const char *names[] = {"b"};
    const float *values[] = {b};
    const int64_t shapes[][2] = {{1, 10}};
    int accepted = 0;
    for (int i = 0; i < n; i++) {
        ctxs[i].count.done = &done;
        requests[i] = pt_request(i % 2 ? "chain" : "double_dummy", 1, names, values, shapes);
        if (requests[i] == NULL)
            break;
        if (i % 2 == 0) {
            /* double_dummy needs c too: the same values. */
            CHECK_OK(OVMS_InferenceRequestAddInput(requests[i], "c", OVMS_DATATYPE_FP32, SHAPE_1x10, 2));
            CHECK_OK(OVMS_InferenceRequestInputSetData(requests[i], "c", b, sizeof b, OVMS_BUFFERTYPE_CPU, 0));
        }
        CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(requests[i], count_cb, &ctxs[i]));
        OVMS_Status *status = OVMS_InferenceAsync(server, requests[i]);
        if (status == NULL)
            accepted++;
        else
            OVMS_StatusDelete(status);
    }
    CHECK(accepted > 0);
    OVMS_ServerDelete(server);
    atomic_store(&deleted, true);
    CHECK_EQ(au_counter_get(&done), accepted);
    au_sleep_ms(100);
    CHECK_EQ(atomic_load(&late_callbacks), 0);
    int calls = 0, bad = 0;
    for (int i = 0; i < n; i++) {
        calls += atomic_load(&ctxs[i].count.calls);
        bad += atomic_load(&ctxs[i].count.bad);
        OVMS_InferenceRequestDelete(requests[i]);
    }
    CHECK_EQ(calls, accepted);
    CHECK_EQ(bad, 0);
    au_counter_destroy(&done);
    free(requests);
    free(ctxs);
}

/* ---- reload: a removed pipeline is retired, one whose model arrives becomes available ---------- */
static const char *RELOAD_CONFIG = "pipelines_reload.json";

/* dummy (and, with `with_late_model`, a model "late" that pipeline "q" needs), and pipeline p. */
static bool write_reload_config_with(bool with_pipeline, bool with_late_model) {
    FILE *file = fopen(RELOAD_CONFIG, "w");
    if (file == NULL)
        return false;
    fprintf(file,
            "{\"model_config_list\": [{\"config\": {\"name\": \"dummy\", \"base_path\": \"%s/dummy\"}}%s%s%s],\n"
            " \"pipeline_config_list\": [{\"name\": \"q\", \"inputs\": [\"b\"], \"nodes\": [{\"name\": \"n\", "
            "\"type\": \"DL model\", \"model_name\": \"late\", \"inputs\": [{\"b\": {\"node_name\": \"request\", "
            "\"data_item\": \"b\"}}], \"outputs\": [{\"data_item\": \"a\", \"alias\": \"o\"}]}], "
            "\"outputs\": [{\"a\": {\"node_name\": \"n\", \"data_item\": \"o\"}}]}%s%s]}\n",
            OVMS_PIPELINE_MODELS_DIR, with_late_model ? ", {\"config\": {\"name\": \"late\", \"base_path\": \"" : "",
            with_late_model ? OVMS_PIPELINE_MODELS_DIR : "", with_late_model ? "/dummy\"}}" : "",
            with_pipeline ? ", " : "",
            with_pipeline
                ? "{\"name\": \"p\", \"inputs\": [\"b\"], \"nodes\": [{\"name\": \"n\", \"type\": \"DL model\", "
                  "\"model_name\": \"dummy\", \"inputs\": [{\"b\": {\"node_name\": \"request\", \"data_item\": \"b\"}}], "
                  "\"outputs\": [{\"data_item\": \"a\", \"alias\": \"o\"}]}], "
                  "\"outputs\": [{\"a\": {\"node_name\": \"n\", \"data_item\": \"o\"}}]}"
                : "");
    return fclose(file) == 0;
}

static bool write_reload_config(bool with_pipeline) { return write_reload_config_with(with_pipeline, false); }

static void test_reload_retires_and_revalidates(void) {
    REQUIRE(write_reload_config(true));
    OVMS_ServerSettings *settings = NULL;
    OVMS_ModelsSettings *models = NULL;
    REQUIRE_OK(OVMS_ServerSettingsNew(&settings));
    REQUIRE_OK(OVMS_ModelsSettingsNew(&models));
    CHECK_OK(OVMS_ServerSettingsSetLogLevel(settings, OVMS_LOG_ERROR));
    CHECK_OK(OVMS_ModelsSettingsSetConfigPath(models, RELOAD_CONFIG));
    OVMS_Status *started = OVMS_ServerStartFromConfigurationFile(server, settings, models);
    OVMS_ModelsSettingsDelete(models);
    OVMS_ServerSettingsDelete(settings);
    REQUIRE_OK(started);
    float b[10];
    fill_input(b, 3.0f);
    const char *names[] = {"b"};
    const float *values[] = {b};
    const int64_t shapes[][2] = {{1, 10}};
    OVMS_InferenceRequest *request = pt_request("p", 1, names, values, shapes);
    REQUIRE(request != NULL);
    OVMS_InferenceResponse *response = NULL;
    CHECK_OK(OVMS_Inference(server, request, &response));
    if (response != NULL)
        CHECK_DUMMY_RESPONSE(response, b, NULL);
    OVMS_InferenceResponseDelete(response);
    REQUIRE(write_reload_config(false));
    CHECK_OK(OVMS_ExServerReload(server));
    response = NULL;
    CHECK_CODE(OVMS_Inference(server, request, &response), PT_PIPELINE_DEFINITION_NOT_LOADED_ANYMORE);
    OVMS_ServableState state = OVMS_STATE_AVAILABLE;
    CHECK_OK(OVMS_GetServableState(server, "p", 0, &state));
    CHECK_EQ(state, OVMS_STATE_RETIRED);
    /* A pipeline over a model the config does not serve yet: LOADING_FAILED, then AVAILABLE
       once the model is added (it is revalidated when the models change). */
    CHECK_OK(OVMS_GetServableState(server, "q", 0, &state));
    CHECK_EQ(state, OVMS_STATE_LOADING_FAILED);
    OVMS_InferenceRequest *late = pt_request("q", 1, names, values, shapes);
    REQUIRE(late != NULL);
    response = NULL;
    CHECK_CODE(OVMS_Inference(server, late, &response), PT_PIPELINE_DEFINITION_NOT_LOADED_YET);
    REQUIRE(write_reload_config_with(true, true));
    CHECK_OK(OVMS_ExServerReload(server));
    CHECK_OK(OVMS_GetServableState(server, "q", 0, &state));
    CHECK_EQ(state, OVMS_STATE_AVAILABLE);
    response = NULL;
    CHECK_OK(OVMS_Inference(server, late, &response));
    if (response != NULL)
        CHECK_DUMMY_RESPONSE(response, b, NULL);
    OVMS_InferenceResponseDelete(response);
    OVMS_InferenceRequestDelete(late);
    /* Back in the config: served again. */
    CHECK_OK(OVMS_ExServerReload(server));
    response = NULL;
    CHECK_OK(OVMS_Inference(server, request, &response));
    if (response != NULL)
        CHECK_DUMMY_RESPONSE(response, b, NULL);
    OVMS_InferenceResponseDelete(response);
    OVMS_InferenceRequestDelete(request);
    OVMS_ServerDelete(server);
    server = NULL;
    remove(RELOAD_CONFIG);
}

int main(void) {
    au_start_watchdog();
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("test_pipelines (scale: %s)\n", au_small() ? "small" : "full");
    au_main_thread = pthread_self();
    if (!au_expect_ok(OVMS_ServerNew(&server), "OVMS_ServerNew", __FILE__, __LINE__))
        return au_summary();
    atomic_store(&au_deadline, au_now() + (au_small() ? 600 : 120));
    OVMS_Status *started = au_start_server(server, "pipelines.json");
    atomic_store(&au_deadline, 0.0);
    if (!au_expect_ok(started, "start pipelines.json", __FILE__, __LINE__))
        return au_summary();
    RUN_TEST(test_basic_dummy_dag, 60);
    RUN_TEST(test_chain, 60);
    RUN_TEST(test_two_inputs, 60);
    RUN_TEST(test_metadata_and_state, 60);
    RUN_TEST(test_async_chain_calls_back_once_each, 180);
    RUN_TEST(test_dynamic_entry_dummy_dag, 60);
    RUN_TEST(test_failing_node_fails_the_request_once, 120);
    RUN_TEST(test_invalid_definitions, 60);
    RUN_TEST(test_delete_waits_for_pipelines_in_flight, 120);
    server = NULL;
    if (!au_expect_ok(OVMS_ServerNew(&server), "OVMS_ServerNew", __FILE__, __LINE__))
        return au_summary();
    RUN_TEST(test_reload_retires_and_revalidates, 120);
    return au_summary();
}
