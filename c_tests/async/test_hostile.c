/*
 * test_hostile: what a hostile or careless host does, through the public header only (issue 9):
 * packed sub-byte inputs, callbacks that run blocking inference (more of them than any thread
 * cap), edits of queued requests, OVMS_ServerDelete from inside a callback, preallocated outputs
 * larger or smaller than the result, a model without inputs, names that are not UTF-8, a lying
 * dimCount, config paths that are not regular files and configs with wrong types, one request
 * object run by two threads at once. Each check
 * failed (or hung, crashed, corrupted the heap) before the fixes.
 *
 * Run under valgrind too (ctest hostile_memcheck, OVMS_TEST_SCALE=small).
 */
#include "async_util.h"

#include <sys/stat.h>

enum {
    SC_CONFIG_FILE_INVALID = 4,
    SC_JSON_INVALID = 7,
    SC_INVALID_NO_OF_SHAPE_DIMENSIONS = 55,
    SC_INVALID_CONTENT_SIZE = 60,
    SC_INTERNAL_ERROR = 76,
    SC_DOUBLE_TENSOR_INSERT = 245,
    SC_NONEXISTENT_TENSOR_FOR_REMOVAL = 253,
    SC_PIPELINE_DEFINITION_NAME_MISSING = 144,
};

/* ---- gates: callbacks that wait until the test opens them ----------------------------------- */
typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t opened;
    bool open;
} gate;

static void gate_init(gate *g) {
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->opened, NULL);
    g->open = false;
}

static void gate_open(gate *g) {
    pthread_mutex_lock(&g->lock);
    g->open = true;
    pthread_cond_broadcast(&g->opened);
    pthread_mutex_unlock(&g->lock);
}

/* Waits (bounded: 60 s) until the gate opens. */
static void gate_wait(gate *g) {
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 60;
    pthread_mutex_lock(&g->lock);
    while (!g->open)
        if (pthread_cond_timedwait(&g->opened, &g->lock, &deadline) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&g->lock);
}

static void gate_destroy(gate *g) {
    pthread_cond_destroy(&g->opened);
    pthread_mutex_destroy(&g->lock);
}

/* ---- 1. packed sub-byte inputs ----------------------------------------------------------- */
#define PACKED_N 60000
static const int64_t PACKED_SHAPE[2] = {1, PACKED_N};

/* One inference on packed_<type>: OVMS asks for one byte per element; OpenVINO reads the first
 * half, two elements per byte: bytes of 0x11 are 60000 ones. */
static void packed_round(const char *model, OVMS_DataType type, const uint8_t *bytes) {
    OVMS_InferenceRequest *request = NULL;
    REQUIRE_OK(OVMS_InferenceRequestNew(&request, server, model, 0));
    CHECK_OK(OVMS_InferenceRequestAddInput(request, "x", type, PACKED_SHAPE, 2));
    CHECK_OK(OVMS_InferenceRequestInputSetData(request, "x", bytes, PACKED_N, OVMS_BUFFERTYPE_CPU, 0));
    OVMS_InferenceResponse *response = NULL;
    if (au_expect_ok(OVMS_Inference(server, request, &response), "OVMS_Inference(packed)", __FILE__, __LINE__)) {
        const char *name;
        OVMS_DataType dt;
        const int64_t *shape;
        size_t dims, size;
        const void *data;
        OVMS_BufferType bt;
        uint32_t dev;
        CHECK_OK(OVMS_InferenceResponseOutput(response, 0, &name, &dt, &shape, &dims, &data, &size, &bt, &dev));
        CHECK_EQ(size, sizeof(float));
        if (data != NULL && size == sizeof(float))
            CHECK_EQ((long long)*(const float *)data, PACKED_N);
        OVMS_InferenceResponseDelete(response);
    }
    OVMS_InferenceRequestDelete(request);
}

static void test_packed_inputs_never_overflow(void) {
    uint8_t *bytes = malloc(PACKED_N);
    REQUIRE(bytes != NULL);
    memset(bytes, 0x11, PACKED_N);
    long rounds = au_scaled(500, 20);
    for (long i = 0; i < rounds; i++) {
        packed_round("packed_u4", OVMS_DATATYPE_U4, bytes);
        packed_round("packed_i4", OVMS_DATATYPE_I4, bytes);
    }
    /* The packed byte count is not what OVMS asks for. */
    OVMS_InferenceRequest *request = NULL;
    REQUIRE_OK(OVMS_InferenceRequestNew(&request, server, "packed_u4", 0));
    CHECK_OK(OVMS_InferenceRequestAddInput(request, "x", OVMS_DATATYPE_U4, PACKED_SHAPE, 2));
    CHECK_OK(OVMS_InferenceRequestInputSetData(request, "x", bytes, PACKED_N / 2, OVMS_BUFFERTYPE_CPU, 0));
    OVMS_InferenceResponse *response = NULL;
    CHECK_CODE(OVMS_Inference(server, request, &response), SC_INVALID_CONTENT_SIZE);
    OVMS_InferenceRequestDelete(request);
    free(bytes);
    CHECK_POOL_AT_REST(server, "packed_u4", 1);
}

/* ---- 2. callbacks that run a blocking inference --------------------------------------------- */
typedef struct {
    const char *model;
    float input[AU_DUMMY_N];
    atomic_int sync_ok;
    atomic_int flag;
    au_counter *done;
    gate *submitted;
} sync_in_cb_ctx;

static void sync_in_cb(OVMS_InferenceResponse *response, uint32_t flag, void *user) {
    sync_in_cb_ctx *ctx = user;
    atomic_store(&ctx->flag, (int)flag);
    /* Every callback blocks until all requests are queued, so they all block at once. */
    gate_wait(ctx->submitted);
    OVMS_InferenceResponseDelete(response);
    float input[AU_DUMMY_N];
    fill_input(input, 7.0f);
    if (sync_dummy(ctx->model, input) != NULL)
        atomic_store(&ctx->sync_ok, 1);
    au_counter_add(ctx->done, 1);
}

/* `per_model` async requests on each of `models`, every callback running a sync inference on
 * its own model: all finish, and every pool is at rest afterwards. */
static void run_sync_in_callbacks(const char **models, int nmodels, int per_model, uint32_t slots) {
    int total = nmodels * per_model;
    sync_in_cb_ctx *ctx = calloc((size_t)total, sizeof *ctx);
    OVMS_InferenceRequest **requests = calloc((size_t)total, sizeof *requests);
    REQUIRE(ctx != NULL && requests != NULL);
    au_counter done;
    au_counter_init(&done);
    gate submitted;
    gate_init(&submitted);
    int accepted = 0;
    for (int i = 0; i < total; i++) {
        ctx[i].model = models[i % nmodels];
        fill_input(ctx[i].input, (float)i);
        ctx[i].done = &done;
        ctx[i].submitted = &submitted;
        atomic_init(&ctx[i].flag, -1);
        if (!au_expect_ok(au_dummy_request(server, ctx[i].model, ctx[i].input, &requests[i]), "request", __FILE__,
                          __LINE__))
            break;
        CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(requests[i], sync_in_cb, &ctx[i]));
        if (!au_expect_ok(OVMS_InferenceAsync(server, requests[i]), "OVMS_InferenceAsync", __FILE__, __LINE__))
            break;
        accepted++;
    }
    CHECK_EQ(accepted, total);
    gate_open(&submitted);
    CHECK(au_counter_wait_stall(&done, accepted, au_small() ? 240.0 : 20.0));
    int ok = 0;
    for (int i = 0; i < accepted; i++)
        ok += atomic_load(&ctx[i].flag) == 0 && atomic_load(&ctx[i].sync_ok) == 1;
    CHECK_EQ(ok, accepted);
    au_log("%d of %d callbacks ran a sync inference successfully", ok, accepted);
    for (int m = 0; m < nmodels; m++)
        CHECK_POOL_AT_REST(server, models[m], slots);
    for (int i = 0; i < total; i++)
        OVMS_InferenceRequestDelete(requests[i]);
    au_counter_destroy(&done);
    gate_destroy(&submitted);
    free(requests);
    free(ctx);
}

static void test_callbacks_run_sync_inference_nireq1(void) {
    const char *models[] = {"dummy1"};
    run_sync_in_callbacks(models, 1, (int)au_scaled(400, 40), 1);
}

static void test_more_blocked_callbacks_than_threads(void) {
    /* 10 models x nireq 2 x the default queue (16 x nireq): 320 callbacks that block in a sync
     * inference, more than the 256 threads that may run callbacks at once. */
    const char *models[] = {"many0", "many1", "many2", "many3", "many4",
                            "many5", "many6", "many7", "many8", "many9"};
    run_sync_in_callbacks(models, 10, (int)au_scaled(32, 4), 2);
}

/* ---- 3. editing a request while it waits ---------------------------------------------------- */
typedef struct {
    gate *gate;
    dummy_ctx inner;
} gated_ctx;

static void gated_cb(OVMS_InferenceResponse *response, uint32_t flag, void *user) {
    gated_ctx *ctx = user;
    gate_wait(ctx->gate);
    dummy_cb(response, flag, &ctx->inner);
}

static void test_edits_of_a_queued_request_are_refused(void) {
    enum { N = 9 };
    gate g;
    gate_init(&g);
    au_counter done;
    au_counter_init(&done);
    gated_ctx ctx[N + 1];
    float inputs[N + 1][AU_DUMMY_N];
    OVMS_InferenceRequest *requests[N + 1] = {0};
    for (int i = 0; i <= N; i++) {
        fill_input(inputs[i], (float)(10 * i));
        ctx[i].gate = &g;
        dummy_ctx_init(&ctx[i].inner, inputs[i], &done);
        REQUIRE_OK(au_dummy_request(server, "dummy1", inputs[i], &requests[i]));
        CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(requests[i], gated_cb, &ctx[i]));
        CHECK_OK(OVMS_InferenceAsync(server, requests[i]));
    }
    /* The callbacks wait at the gate, so every request is still in flight: each edit is refused
     * and changes nothing, and running it again is refused too. */
    OVMS_InferenceRequest *ninth = requests[N - 1];
    CHECK_CODE(OVMS_InferenceRequestInputRemoveData(ninth, "b"), SC_INTERNAL_ERROR);
    CHECK_CODE(OVMS_InferenceRequestRemoveInput(ninth, "b"), SC_INTERNAL_ERROR);
    CHECK_CODE(OVMS_InferenceRequestAddInput(ninth, "c", OVMS_DATATYPE_FP32, AU_DUMMY_SHAPE, 2), SC_INTERNAL_ERROR);
    CHECK_CODE(OVMS_InferenceRequestSetCompletionCallback(ninth, never_cb, NULL), SC_INTERNAL_ERROR);
    CHECK_CODE(OVMS_InferenceAsync(server, ninth), SC_INTERNAL_ERROR);
    OVMS_InferenceResponse *response = NULL;
    CHECK_CODE(OVMS_Inference(server, ninth, &response), SC_INTERNAL_ERROR);
    /* A request deleted in flight still completes: the inference kept what it needs. */
    OVMS_InferenceRequestDelete(requests[N]);
    requests[N] = NULL;
    gate_open(&g);
    AWAIT(&done, N + 1);
    for (int i = 0; i <= N; i++) {
        CHECK_EQ(atomic_load(&ctx[i].inner.calls), 1);
        CHECK_EQ(atomic_load(&ctx[i].inner.flag), 0);
        CHECK(atomic_load(&ctx[i].inner.values_ok));
    }
    /* After its callback the request is editable and runs again. */
    CHECK_OK(OVMS_InferenceRequestInputRemoveData(ninth, "b"));
    CHECK_OK(OVMS_InferenceRequestInputSetData(ninth, "b", inputs[N - 1], sizeof inputs[0], OVMS_BUFFERTYPE_CPU, 0));
    CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(ninth, NULL, NULL));
    if (au_expect_ok(OVMS_Inference(server, ninth, &response), "OVMS_Inference", __FILE__, __LINE__)) {
        CHECK_DUMMY_RESPONSE(response, inputs[N - 1], NULL);
        OVMS_InferenceResponseDelete(response);
    }
    for (int i = 0; i < N; i++)
        OVMS_InferenceRequestDelete(requests[i]);
    CHECK_POOL_AT_REST(server, "dummy1", 1);
    au_counter_destroy(&done);
    gate_destroy(&g);
}

/* ---- 4. preallocated outputs larger and smaller than the result ----------------------------- */
static void test_preallocated_output_reports_the_real_shape(void) {
    static const int64_t in_shape[2] = {2, 2};
    static const int64_t big_shape[2] = {2, 5};
    static const int64_t small_shape[2] = {1, 1};
    uint8_t input[4] = {1, 2, 3, 4};
    uint8_t out[16];
    memset(out, 0xEE, sizeof out);
    OVMS_InferenceRequest *request = NULL;
    REQUIRE_OK(OVMS_InferenceRequestNew(&request, server, "passthrough", 0));
    CHECK_OK(OVMS_InferenceRequestAddInput(request, "input", OVMS_DATATYPE_U8, in_shape, 2));
    CHECK_OK(OVMS_InferenceRequestInputSetData(request, "input", input, 4, OVMS_BUFFERTYPE_CPU, 0));
    CHECK_OK(OVMS_InferenceRequestAddOutput(request, "copy:0", OVMS_DATATYPE_U8, big_shape, 2));
    CHECK_OK(OVMS_InferenceRequestOutputSetData(request, "copy:0", out, 10, OVMS_BUFFERTYPE_CPU, 0));
    OVMS_InferenceResponse *response = NULL;
    if (au_expect_ok(OVMS_Inference(server, request, &response), "OVMS_Inference(big buffer)", __FILE__, __LINE__)) {
        const char *name;
        OVMS_DataType dt;
        const int64_t *shape = NULL;
        size_t dims = 0, size = 0;
        const void *data = NULL;
        OVMS_BufferType bt;
        uint32_t dev;
        CHECK_OK(OVMS_InferenceResponseOutput(response, 0, &name, &dt, &shape, &dims, &data, &size, &bt, &dev));
        CHECK(data == (const void *)out);
        CHECK_EQ(dims, 2);
        if (shape != NULL && dims == 2) {
            CHECK_EQ(shape[0], 2);
            CHECK_EQ(shape[1], 2);
        }
        CHECK_EQ(size, 4);
        CHECK(memcmp(out, input, 4) == 0);
        OVMS_InferenceResponseDelete(response);
    }
    /* Too small: a clear status, and nothing written past the one byte declared. */
    memset(out, 0xEE, sizeof out);
    CHECK_OK(OVMS_InferenceRequestRemoveOutput(request, "copy:0"));
    CHECK_OK(OVMS_InferenceRequestAddOutput(request, "copy:0", OVMS_DATATYPE_U8, small_shape, 2));
    CHECK_OK(OVMS_InferenceRequestOutputSetData(request, "copy:0", out, 1, OVMS_BUFFERTYPE_CPU, 0));
    OVMS_Status *status = OVMS_Inference(server, request, &response);
    CHECK(status != NULL);
    if (status == NULL)
        OVMS_InferenceResponseDelete(response);
    else
        au_log("too small a buffer: code %u: %s", au_code(status), au_details(status));
    OVMS_StatusDelete(status);
    for (size_t i = 1; i < sizeof out; i++)
        CHECK_EQ(out[i], 0xEE);
    OVMS_InferenceRequestDelete(request);
    /* The slot serves on, with its own output again. */
    OVMS_InferenceRequest *plain = NULL;
    REQUIRE_OK(OVMS_InferenceRequestNew(&plain, server, "passthrough", 0));
    CHECK_OK(OVMS_InferenceRequestAddInput(plain, "input", OVMS_DATATYPE_U8, in_shape, 2));
    CHECK_OK(OVMS_InferenceRequestInputSetData(plain, "input", input, 4, OVMS_BUFFERTYPE_CPU, 0));
    if (au_expect_ok(OVMS_Inference(server, plain, &response), "OVMS_Inference(plain)", __FILE__, __LINE__)) {
        const char *name;
        OVMS_DataType dt;
        const int64_t *shape;
        size_t dims, size = 0;
        const void *data = NULL;
        OVMS_BufferType bt;
        uint32_t dev;
        CHECK_OK(OVMS_InferenceResponseOutput(response, 0, &name, &dt, &shape, &dims, &data, &size, &bt, &dev));
        CHECK(data != (const void *)out);
        CHECK(size == 4 && data != NULL && memcmp(data, input, 4) == 0);
        OVMS_InferenceResponseDelete(response);
    }
    OVMS_InferenceRequestDelete(plain);
}

/* ---- 5. a model without inputs; names that are not UTF-8; a lying dimCount ------------------- */
static void test_model_without_inputs_is_not_served(void) {
    OVMS_ServableState state = OVMS_STATE_AVAILABLE;
    CHECK_OK(OVMS_GetServableState(server, "no_inputs", 1, &state));
    CHECK_EQ(state, OVMS_STATE_LOADING_FAILED);
    OVMS_InferenceRequest *request = NULL;
    REQUIRE_OK(OVMS_InferenceRequestNew(&request, server, "no_inputs", 1));
    OVMS_InferenceResponse *response = NULL;
    OVMS_Status *status = OVMS_Inference(server, request, &response);
    CHECK(status != NULL);
    OVMS_StatusDelete(status);
    OVMS_InferenceRequestDelete(request);
}

static void test_names_are_compared_as_bytes(void) {
    OVMS_InferenceRequest *request = NULL;
    REQUIRE_OK(OVMS_InferenceRequestNew(&request, server, "\xff", 0));
    CHECK_OK(OVMS_InferenceRequestAddInput(request, "\xff", OVMS_DATATYPE_FP32, AU_DUMMY_SHAPE, 2));
    CHECK_OK(OVMS_InferenceRequestAddInput(request, "\xfe", OVMS_DATATYPE_FP32, AU_DUMMY_SHAPE, 2));
    CHECK_CODE(OVMS_InferenceRequestAddInput(request, "\xff", OVMS_DATATYPE_FP32, AU_DUMMY_SHAPE, 2),
               SC_DOUBLE_TENSOR_INSERT);
    CHECK_OK(OVMS_InferenceRequestRemoveInput(request, "\xfe"));
    CHECK_CODE(OVMS_InferenceRequestRemoveInput(request, "\xfe"), SC_NONEXISTENT_TENSOR_FOR_REMOVAL);
    OVMS_InferenceResponse *response = NULL;
    CHECK_CODE(OVMS_Inference(server, request, &response), SC_PIPELINE_DEFINITION_NAME_MISSING);
    OVMS_InferenceRequestDelete(request);
}

static void test_huge_dim_count_is_refused(void) {
    int64_t shape[64];
    for (int i = 0; i < 64; i++)
        shape[i] = 1;
    OVMS_InferenceRequest *request = NULL;
    REQUIRE_OK(OVMS_InferenceRequestNew(&request, server, "dummy1", 0));
    CHECK_CODE(OVMS_InferenceRequestAddInput(request, "b", OVMS_DATATYPE_FP32, shape, (size_t)1 << 40),
               SC_INVALID_NO_OF_SHAPE_DIMENSIONS);
    CHECK_CODE(OVMS_InferenceRequestAddInput(request, "b", OVMS_DATATYPE_FP32, shape, (size_t)1 << 61),
               SC_INVALID_NO_OF_SHAPE_DIMENSIONS);
    CHECK_CODE(OVMS_InferenceRequestAddOutput(request, "a", OVMS_DATATYPE_FP32, shape, 65),
               SC_INVALID_NO_OF_SHAPE_DIMENSIONS);
    CHECK_OK(OVMS_InferenceRequestAddInput(request, "b", OVMS_DATATYPE_FP32, shape, 64));
    OVMS_InferenceRequestDelete(request);
}

/* ---- 6. OVMS_ServerDelete from inside a callback --------------------------------------------- */
typedef struct {
    dummy_ctx inner;
    bool delete_here;
    atomic_int deleted_returned;
} deleting_ctx;

static void deleting_cb(OVMS_InferenceResponse *response, uint32_t flag, void *user) {
    deleting_ctx *ctx = user;
    if (ctx->delete_here) {
        OVMS_ServerDelete(server);
        atomic_store(&ctx->deleted_returned, 1);
    }
    dummy_cb(response, flag, &ctx->inner);
}

static void test_server_delete_from_a_callback(void) {
    enum { N = 40 };
    au_counter done;
    au_counter_init(&done);
    deleting_ctx ctx[N];
    float inputs[N][AU_DUMMY_N];
    OVMS_InferenceRequest *requests[N] = {0};
    int accepted = 0;
    for (int i = 0; i < N; i++) {
        fill_input(inputs[i], (float)i);
        dummy_ctx_init(&ctx[i].inner, inputs[i], &done);
        ctx[i].delete_here = i == 3;
        atomic_init(&ctx[i].deleted_returned, 0);
        REQUIRE_OK(au_dummy_request(server, "dummy1", inputs[i], &requests[i]));
        CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(requests[i], deleting_cb, &ctx[i]));
        OVMS_Status *status = OVMS_InferenceAsync(server, requests[i]);
        if (status == NULL)
            accepted++;
        else
            OVMS_StatusDelete(status); /* the server may already be stopping */
    }
    AWAIT(&done, accepted);
    CHECK_EQ(atomic_load(&ctx[3].deleted_returned), 1);
    for (int i = 0; i < accepted; i++)
        CHECK_EQ(atomic_load(&ctx[i].inner.calls), 1);
    /* A delete from the main thread returns too, and the server starts again. */
    OVMS_ServerDelete(server);
    bool live = true;
    CHECK_OK(OVMS_ServerLive(server, &live));
    CHECK(!live);
    for (int i = 0; i < N; i++)
        OVMS_InferenceRequestDelete(requests[i]);
    au_counter_destroy(&done);
    REQUIRE_OK(au_start_server(server, "hostile.json"));
    float input[AU_DUMMY_N];
    fill_input(input, 1.0f);
    CHECK(sync_dummy("dummy1", input) != NULL);
}

/* ---- 7. configs: special files, wrong types -------------------------------------------------- */
static OVMS_Status *start_from(const char *path) {
    OVMS_ServerDelete(server);
    OVMS_ServerSettings *settings = NULL;
    OVMS_ModelsSettings *models = NULL;
    CHECK_OK(OVMS_ServerSettingsNew(&settings));
    CHECK_OK(OVMS_ModelsSettingsNew(&models));
    CHECK_OK(OVMS_ServerSettingsSetLogLevel(settings, OVMS_LOG_ERROR));
    CHECK_OK(OVMS_ModelsSettingsSetConfigPath(models, path));
    OVMS_Status *status = OVMS_ServerStartFromConfigurationFile(server, settings, models);
    OVMS_ModelsSettingsDelete(models);
    OVMS_ServerSettingsDelete(settings);
    return status;
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    REQUIRE(f != NULL);
    fputs(text, f);
    fclose(f);
}

static void test_configs_that_are_not_regular_files_or_of_wrong_types(void) {
    double started = au_now();
    CHECK_CODE(start_from("/dev/zero"), SC_CONFIG_FILE_INVALID);
    CHECK(au_now() - started < 10.0);
    char fifo[256];
    snprintf(fifo, sizeof fifo, "hostile_fifo_%d.json", (int)getpid());
    unlink(fifo);
    if (mkfifo(fifo, 0600) == 0) {
        started = au_now();
        CHECK_CODE(start_from(fifo), SC_CONFIG_FILE_INVALID);
        CHECK(au_now() - started < 10.0);
        unlink(fifo);
    }
    static const char *wrong[] = {
        "{\"model_config_list\": [], \"pipeline_config_list\": 5}",
        "{\"model_config_list\": [], \"monitoring\": \"yes\"}",
        "{\"model_config_list\": [], \"monitoring\": {\"metrics\": {\"enable\": \"yes\"}}}",
        "{\"model_config_list\": [], \"custom_node_library_config_list\": [{\"name\": \"x\"}]}",
    };
    char path[256];
    snprintf(path, sizeof path, "hostile_wrong_%d.json", (int)getpid());
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
        write_file(path, wrong[i]);
        OVMS_Status *status = start_from(path);
        if (!au_expect_code(status, SC_JSON_INVALID, wrong[i], __FILE__, __LINE__))
            continue;
    }
    unlink(path);
    OVMS_ServerDelete(server); /* a start that failed on the config leaves the server live */
    REQUIRE_OK(au_start_server(server, "hostile.json"));
}

/* ---- one request run by two threads at once ------------------------------------------------- */
/* A host that shares one request object between two threads: whichever finds it in flight is
 * refused with INTERNAL_ERROR, every other call is answered correctly, and the request's memory
 * of its version and validation (which one of them holds during its inference) never serves a
 * stale or torn answer. An edit afterwards is served with the new buffer. */
typedef struct {
    OVMS_InferenceRequest *request;
    const float *input;
    int calls;
    atomic_int answered;
    atomic_int refused;
    atomic_int other;
} shared_request;

static void *run_shared(void *arg) {
    shared_request *shared = arg;
    for (int i = 0; i < shared->calls; i++) {
        OVMS_InferenceResponse *response = NULL;
        OVMS_Status *status = OVMS_Inference(server, shared->request, &response);
        uint32_t code = status == NULL ? 0 : au_code(status);
        OVMS_StatusDelete(status);
        if (code == 0 && CHECK_DUMMY_RESPONSE(response, shared->input, NULL))
            atomic_fetch_add(&shared->answered, 1);
        else if (code == SC_INTERNAL_ERROR && response == NULL)
            atomic_fetch_add(&shared->refused, 1);
        else
            atomic_fetch_add(&shared->other, 1);
        if (response != NULL)
            OVMS_InferenceResponseDelete(response);
    }
    return NULL;
}

static void test_one_request_run_by_two_threads(void) {
    float input[AU_DUMMY_N], second[AU_DUMMY_N];
    au_fill(input, AU_DUMMY_N, 3.0f);
    au_fill(second, AU_DUMMY_N, -7.0f);
    shared_request shared = {.input = input, .calls = (int)au_scaled(2000, 50)};
    REQUIRE_OK(au_dummy_request(server, "many0", input, &shared.request));
    pthread_t threads[2];
    for (int t = 0; t < 2; t++)
        REQUIRE(pthread_create(&threads[t], NULL, run_shared, &shared) == 0);
    for (int t = 0; t < 2; t++)
        pthread_join(threads[t], NULL);
    CHECK_EQ(atomic_load(&shared.other), 0);
    CHECK_EQ(atomic_load(&shared.answered) + atomic_load(&shared.refused), 2 * shared.calls);
    CHECK(atomic_load(&shared.answered) > 0); /* a refusal means the other thread was answering */
    printf("    one request, two threads: %d answered, %d refused as in flight\n", atomic_load(&shared.answered),
           atomic_load(&shared.refused));

    CHECK_OK(OVMS_InferenceRequestInputRemoveData(shared.request, "b"));
    CHECK_OK(OVMS_InferenceRequestInputSetData(shared.request, "b", second, sizeof second, OVMS_BUFFERTYPE_CPU, 0));
    OVMS_InferenceResponse *response = NULL;
    CHECK_OK(OVMS_Inference(server, shared.request, &response));
    if (response != NULL)
        CHECK_DUMMY_RESPONSE(response, second, NULL);
    OVMS_InferenceResponseDelete(response);
    OVMS_InferenceRequestDelete(shared.request);
}

int main(void) {
    au_start_watchdog();
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("test_hostile (scale: %s)\n", au_small() ? "small" : "full");
    au_main_thread = pthread_self();
    if (!au_expect_ok(OVMS_ServerNew(&server), "OVMS_ServerNew", __FILE__, __LINE__))
        return au_summary();
    atomic_store(&au_deadline, au_now() + (au_small() ? 600 : 120));
    OVMS_Status *started = au_start_server(server, "hostile.json");
    atomic_store(&au_deadline, 0.0);
    if (!au_expect_ok(started, "start hostile.json", __FILE__, __LINE__))
        return au_summary();

    RUN_TEST(test_packed_inputs_never_overflow, 300);
    RUN_TEST(test_callbacks_run_sync_inference_nireq1, 300);
    RUN_TEST(test_more_blocked_callbacks_than_threads, 300);
    RUN_TEST(test_edits_of_a_queued_request_are_refused, 120);
    RUN_TEST(test_preallocated_output_reports_the_real_shape, 60);
    RUN_TEST(test_model_without_inputs_is_not_served, 30);
    RUN_TEST(test_names_are_compared_as_bytes, 30);
    RUN_TEST(test_huge_dim_count_is_refused, 30);
    RUN_TEST(test_one_request_run_by_two_threads, 120);
    RUN_TEST(test_server_delete_from_a_callback, 300);
    RUN_TEST(test_configs_that_are_not_regular_files_or_of_wrong_types, 300);

    atomic_store(&au_current_test, "(final shutdown)");
    atomic_store(&au_deadline, au_now() + (au_small() ? 600 : 120));
    OVMS_ServerDelete(server);
    atomic_store(&au_deadline, 0.0);
    au_expect_eq(atomic_load(&never_calls), 0, "never_calls", "0", __FILE__, __LINE__);
    return au_summary();
}
