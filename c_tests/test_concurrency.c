/* Thread safety: concurrent starts (CAPI.MultipleThreadsStarting), many sync
 * inferences from several threads on nireq 1 and 2 (callers queue for slots), failures mixed in,
 * concurrent metadata/state queries. Worker threads record results; the main thread checks. */
#include "test_util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

/* ---- concurrent starts ---- */
#define STARTERS 8

static pthread_barrier_t start_barrier;

typedef struct {
    uint32_t code;
    bool setup_ok;
} start_result;

static void *starter(void *arg) {
    start_result *result = (start_result *)arg;
    OVMS_Server *server = NULL;
    OVMS_ServerSettings *ss = NULL;
    OVMS_ModelsSettings *ms = NULL;
    result->setup_ok = OVMS_ServerNew(&server) == NULL && OVMS_ServerSettingsNew(&ss) == NULL &&
                       OVMS_ServerSettingsSetLogLevel(ss, OVMS_LOG_ERROR) == NULL &&
                       OVMS_ModelsSettingsNew(&ms) == NULL &&
                       OVMS_ModelsSettingsSetConfigPath(ms, config_path("config_dummy.json")) == NULL;
    pthread_barrier_wait(&start_barrier);
    result->code = status_code_of(OVMS_ServerStartFromConfigurationFile(server, ss, ms));
    OVMS_ServerSettingsDelete(ss);
    OVMS_ModelsSettingsDelete(ms);
    return NULL;
}

static void test_concurrent_starts(void) {
    for (int round = 0; round < 3; round++) {
        stop_server();
        pthread_t threads[STARTERS];
        start_result results[STARTERS];
        memset(results, 0, sizeof results);
        pthread_barrier_init(&start_barrier, NULL, STARTERS);
        for (int t = 0; t < STARTERS; t++)
            pthread_create(&threads[t], NULL, starter, &results[t]);
        for (int t = 0; t < STARTERS; t++)
            pthread_join(threads[t], NULL);
        pthread_barrier_destroy(&start_barrier);
        int ok = 0, starting = 0, started = 0, other = 0;
        for (int t = 0; t < STARTERS; t++) {
            CHECK(results[t].setup_ok);
            if (results[t].code == SC_OK)
                ok++;
            else if (results[t].code == SC_SERVER_ALREADY_STARTING)
                starting++;
            else if (results[t].code == SC_SERVER_ALREADY_STARTED)
                started++;
            else {
                other++;
                fprintf(stderr, "    unexpected start code %u\n", results[t].code);
            }
        }
        CHECK_EQ_INT(ok, 1);
        CHECK_EQ_INT(other, 0);
        CHECK_EQ_INT(starting + started, STARTERS - 1);
        OVMS_Server *server = get_server();
        bool ready = false;
        CHECK_OK(OVMS_ServerReady(server, &ready));
        CHECK(ready);
        INFER_DUMMY(server, "dummy", 1, (float)round, 1.0f);
    }
    stop_server();
}

/* ---- many sync inferences from several threads ---- */
#define WORKERS 4
#define ITERATIONS 250

typedef struct {
    const char *servable;
    int id;
    int ok;
    int wrong_values;
    int errors;
    uint32_t last_error;
} worker;

static OVMS_Server *server;

static void *sync_worker(void *arg) {
    worker *w = (worker *)arg;
    float input[10];
    OVMS_InferenceRequest *request = NULL;
    if (OVMS_InferenceRequestNew(&request, server, w->servable, 1) != NULL) {
        w->errors = ITERATIONS;
        return NULL;
    }
    OVMS_StatusDelete(OVMS_InferenceRequestAddInput(request, "b", OVMS_DATATYPE_FP32, DUMMY_SHAPE, 2));
    OVMS_StatusDelete(OVMS_InferenceRequestInputSetData(request, "b", input, sizeof input, OVMS_BUFFERTYPE_CPU, 0));
    for (int it = 0; it < ITERATIONS; it++) {
        for (int i = 0; i < 10; i++)
            input[i] = (float)(w->id * 100000 + it * 10 + i);
        OVMS_InferenceResponse *response = NULL;
        OVMS_Status *status = OVMS_Inference(server, request, &response);
        if (status != NULL) {
            w->errors++;
            w->last_error = status_code_of(status);
            continue;
        }
        const char *name;
        OVMS_DataType datatype;
        const int64_t *shape;
        size_t dims, byte_size = 0;
        const void *data = NULL;
        OVMS_BufferType buffer_type;
        uint32_t device;
        bool good = OVMS_InferenceResponseOutput(response, 0, &name, &datatype, &shape, &dims, &data, &byte_size,
                                                 &buffer_type, &device) == NULL &&
                    data != NULL && byte_size == 40;
        for (int i = 0; good && i < 10; i++)
            if (fabsf(((const float *)data)[i] - (input[i] + 1.0f)) > 1e-3f)
                good = false;
        if (good)
            w->ok++;
        else
            w->wrong_values++;
        OVMS_InferenceResponseDelete(response);
    }
    OVMS_InferenceRequestDelete(request);
    return NULL;
}

static void run_parallel_sync(const char *servable, uint32_t nireq) {
    pthread_t threads[WORKERS];
    worker workers[WORKERS];
    for (int t = 0; t < WORKERS; t++) {
        workers[t] = (worker){servable, t + 1, 0, 0, 0, 0};
        pthread_create(&threads[t], NULL, sync_worker, &workers[t]);
    }
    for (int t = 0; t < WORKERS; t++)
        pthread_join(threads[t], NULL);
    for (int t = 0; t < WORKERS; t++) {
        CHECK_EQ_INT(workers[t].ok, ITERATIONS);
        CHECK_EQ_INT(workers[t].wrong_values, 0);
        CHECK_EQ_INT(workers[t].errors, 0);
        if (workers[t].errors)
            fprintf(stderr, "    %s worker %d: last error %u\n", servable, t, workers[t].last_error);
    }
    uint32_t slots = 0, idle = 0, queued = 99;
    CHECK_OK(OVMS_ExServableSlots(server, servable, 1, &slots, &idle, &queued));
    CHECK_EQ_INT(slots, nireq);
    CHECK_EQ_INT(idle, nireq);
    CHECK_EQ_INT(queued, 0);
}

static void test_parallel_sync_nireq1(void) {
    run_parallel_sync("dummy_nireq1", 1);
}

static void test_parallel_sync_nireq2(void) {
    run_parallel_sync("dummy_nireq2", 2);
}

/* Threads on both models at once. */
static void test_parallel_sync_two_models(void) {
    pthread_t threads[WORKERS];
    worker workers[WORKERS];
    for (int t = 0; t < WORKERS; t++) {
        workers[t] = (worker){t % 2 ? "dummy_nireq1" : "dummy_nireq2", t + 1, 0, 0, 0, 0};
        pthread_create(&threads[t], NULL, sync_worker, &workers[t]);
    }
    for (int t = 0; t < WORKERS; t++)
        pthread_join(threads[t], NULL);
    for (int t = 0; t < WORKERS; t++) {
        CHECK_EQ_INT(workers[t].ok, ITERATIONS);
        CHECK_EQ_INT(workers[t].errors, 0);
    }
}

/* Callers looping on one slot are all served, about evenly. An arriving caller may take a slot
 * handed to a waiter that has not woken up yet, which puts that waiter back at the head of the
 * queue: a waiter lost on the way would hang this test, and one overtaken without bound would
 * fall far behind the busiest thread. */
#define LOOPERS 4
static atomic_bool loopers_stop;

typedef struct {
    long count;
    int errors;
} looper;

static void *looping_worker(void *arg) {
    looper *l = (looper *)arg;
    float input[10] = {0};
    OVMS_InferenceRequest *request = NULL;
    if (OVMS_InferenceRequestNew(&request, server, "dummy_nireq1", 1) != NULL ||
        OVMS_InferenceRequestAddInput(request, "b", OVMS_DATATYPE_FP32, DUMMY_SHAPE, 2) != NULL ||
        OVMS_InferenceRequestInputSetData(request, "b", input, sizeof input, OVMS_BUFFERTYPE_CPU, 0) != NULL) {
        l->errors++;
        return NULL;
    }
    while (!atomic_load(&loopers_stop)) {
        OVMS_InferenceResponse *response = NULL;
        OVMS_Status *status = OVMS_Inference(server, request, &response);
        if (status != NULL) {
            OVMS_StatusDelete(status);
            l->errors++;
            continue;
        }
        OVMS_InferenceResponseDelete(response);
        l->count++;
    }
    OVMS_InferenceRequestDelete(request);
    return NULL;
}

static void test_no_caller_starves(void) {
    pthread_t threads[LOOPERS];
    looper loopers[LOOPERS] = {{0}};
    atomic_store(&loopers_stop, false);
    for (int t = 0; t < LOOPERS; t++)
        pthread_create(&threads[t], NULL, looping_worker, &loopers[t]);
    sleep(1);
    atomic_store(&loopers_stop, true);
    long least = -1, most = 0;
    for (int t = 0; t < LOOPERS; t++) {
        pthread_join(threads[t], NULL);
        CHECK_EQ_INT(loopers[t].errors, 0);
        if (least < 0 || loopers[t].count < least)
            least = loopers[t].count;
        if (loopers[t].count > most)
            most = loopers[t].count;
    }
    fprintf(stderr, "    inferences per thread in 1 s: least %ld, most %ld\n", least, most);
    CHECK(least > 0);
    CHECK(least * 4 >= most);
}

/* Failing inferences (fail_odd, nireq 1) from several threads: odd fail, even succeed, no slot lost. */
typedef struct {
    int id;
    int expected;
    int unexpected;
    uint32_t last_unexpected;
} odd_worker;

static void *fail_odd_worker(void *arg) {
    odd_worker *w = (odd_worker *)arg;
    float input[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    for (int it = 0; it < 60; it++) {
        size_t length = (size_t)((it + w->id) % 8 + 1);
        const int64_t shape[1] = {(int64_t)length};
        OVMS_InferenceRequest *request = NULL;
        if (OVMS_InferenceRequestNew(&request, server, "fail_odd", 1) != NULL) {
            w->unexpected++;
            continue;
        }
        OVMS_StatusDelete(OVMS_InferenceRequestAddInput(request, "x", OVMS_DATATYPE_FP32, shape, 1));
        OVMS_StatusDelete(
            OVMS_InferenceRequestInputSetData(request, "x", input, length * sizeof(float), OVMS_BUFFERTYPE_CPU, 0));
        OVMS_InferenceResponse *response = NULL;
        uint32_t code = status_code_of(OVMS_Inference(server, request, &response));
        uint32_t want = length % 2 ? SC_OV_INTERNAL_INFERENCE_ERROR : SC_OK;
        if (code == want && (code != SC_OK) == (response == NULL))
            w->expected++;
        else {
            w->unexpected++;
            w->last_unexpected = code;
        }
        OVMS_InferenceResponseDelete(response);
        OVMS_InferenceRequestDelete(request);
    }
    return NULL;
}

static void test_parallel_failures(void) {
    pthread_t threads[3], dummy_thread;
    odd_worker workers[3];
    worker dummy = {"dummy_nireq1", 9, 0, 0, 0, 0};
    for (int t = 0; t < 3; t++) {
        workers[t] = (odd_worker){t, 0, 0, 0};
        pthread_create(&threads[t], NULL, fail_odd_worker, &workers[t]);
    }
    pthread_create(&dummy_thread, NULL, sync_worker, &dummy);
    for (int t = 0; t < 3; t++)
        pthread_join(threads[t], NULL);
    pthread_join(dummy_thread, NULL);
    for (int t = 0; t < 3; t++) {
        CHECK_EQ_INT(workers[t].expected, 60);
        CHECK_EQ_INT(workers[t].unexpected, 0);
        if (workers[t].unexpected)
            fprintf(stderr, "    fail_odd worker %d: last unexpected code %u\n", t, workers[t].last_unexpected);
    }
    CHECK_EQ_INT(dummy.ok, ITERATIONS);
    uint32_t slots = 0, idle = 0, queued = 99;
    CHECK_OK(OVMS_ExServableSlots(server, "fail_odd", 1, &slots, &idle, &queued));
    CHECK_EQ_INT(slots, 1);
    CHECK_EQ_INT(idle, 1);
    CHECK_EQ_INT(queued, 0);
}

/* Metadata, state and live/ready from several threads while inferences run. */
typedef struct {
    int ok;
    int bad;
} query_worker;

static void *query_thread(void *arg) {
    query_worker *w = (query_worker *)arg;
    for (int it = 0; it < 200; it++) {
        OVMS_ServableMetadata *metadata = NULL;
        uint32_t count = 0;
        bool good = OVMS_GetServableMetadata(server, "dummy_nireq2", 0, &metadata) == NULL &&
                    OVMS_ServableMetadataInputCount(metadata, &count) == NULL && count == 1;
        OVMS_ServableMetadataDelete(metadata);
        OVMS_ServableState state = OVMS_STATE_BEGIN;
        good = good && OVMS_GetServableState(server, "dummy_nireq1", 1, &state) == NULL &&
               state == OVMS_STATE_AVAILABLE;
        bool live = false, ready = false;
        good = good && OVMS_ServerLive(server, &live) == NULL && live && OVMS_ServerReady(server, &ready) == NULL &&
               ready;
        if (good)
            w->ok++;
        else
            w->bad++;
    }
    return NULL;
}

static void test_parallel_queries(void) {
    pthread_t threads[3], infer_thread;
    query_worker workers[3];
    worker infer = {"dummy_nireq2", 5, 0, 0, 0, 0};
    pthread_create(&infer_thread, NULL, sync_worker, &infer);
    for (int t = 0; t < 3; t++) {
        workers[t] = (query_worker){0, 0};
        pthread_create(&threads[t], NULL, query_thread, &workers[t]);
    }
    for (int t = 0; t < 3; t++)
        pthread_join(threads[t], NULL);
    pthread_join(infer_thread, NULL);
    for (int t = 0; t < 3; t++) {
        CHECK_EQ_INT(workers[t].ok, 200);
        CHECK_EQ_INT(workers[t].bad, 0);
    }
    CHECK_EQ_INT(infer.ok, ITERATIONS);
}

/* Async submissions and sync callers share the same slots (nireq 1): all complete, exactly once. */
#define ASYNC_COUNT 200

static atomic_int async_ok, async_bad, async_calls;

static void async_done(OVMS_InferenceResponse *response, uint32_t flag, void *user) {
    const float *input = (const float *)user;
    bool good = false;
    if (flag == 0 && response != NULL) {
        const char *name;
        OVMS_DataType datatype;
        const int64_t *shape;
        size_t dims, byte_size = 0;
        const void *data = NULL;
        OVMS_BufferType buffer_type;
        uint32_t device;
        good = OVMS_InferenceResponseOutput(response, 0, &name, &datatype, &shape, &dims, &data, &byte_size,
                                            &buffer_type, &device) == NULL &&
               data != NULL && byte_size == 40;
        for (int i = 0; good && i < 10; i++)
            if (fabsf(((const float *)data)[i] - (input[i] + 1.0f)) > 1e-3f)
                good = false;
    }
    OVMS_InferenceResponseDelete(response);
    atomic_fetch_add(good ? &async_ok : &async_bad, 1);
    atomic_fetch_add(&async_calls, 1);
}

static void test_async_and_sync_share_slots(void) {
    static float inputs[ASYNC_COUNT][10];
    static OVMS_InferenceRequest *requests[ASYNC_COUNT];
    atomic_store(&async_ok, 0);
    atomic_store(&async_bad, 0);
    atomic_store(&async_calls, 0);
    pthread_t threads[2];
    worker workers[2];
    for (int t = 0; t < 2; t++) {
        workers[t] = (worker){"dummy_nireq1", 20 + t, 0, 0, 0, 0};
        pthread_create(&threads[t], NULL, sync_worker, &workers[t]);
    }
    int accepted = 0;
    for (int r = 0; r < ASYNC_COUNT; r++) {
        for (int i = 0; i < 10; i++)
            inputs[r][i] = (float)(r * 10 + i) * 0.25f;
        requests[r] = NULL;
        if (OVMS_InferenceRequestNew(&requests[r], server, "dummy_nireq1", 1) != NULL)
            continue;
        OVMS_StatusDelete(OVMS_InferenceRequestAddInput(requests[r], "b", OVMS_DATATYPE_FP32, DUMMY_SHAPE, 2));
        OVMS_StatusDelete(OVMS_InferenceRequestInputSetData(requests[r], "b", inputs[r], sizeof inputs[r],
                                                            OVMS_BUFFERTYPE_CPU, 0));
        OVMS_StatusDelete(OVMS_InferenceRequestSetCompletionCallback(requests[r], async_done, inputs[r]));
        OVMS_Status *status = OVMS_InferenceAsync(server, requests[r]);
        if (status == NULL)
            accepted++;
        else
            CHECK_OK(status);
    }
    for (int t = 0; t < 2; t++)
        pthread_join(threads[t], NULL);
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (atomic_load(&async_calls) >= accepted || now.tv_sec - start.tv_sec > 20)
            break;
        usleep(1000);
    }
    usleep(20 * 1000);
    CHECK_EQ_INT(accepted, ASYNC_COUNT);
    CHECK_EQ_INT(atomic_load(&async_calls), accepted);
    CHECK_EQ_INT(atomic_load(&async_ok), accepted);
    CHECK_EQ_INT(atomic_load(&async_bad), 0);
    for (int t = 0; t < 2; t++) {
        CHECK_EQ_INT(workers[t].ok, ITERATIONS);
        CHECK_EQ_INT(workers[t].errors, 0);
    }
    for (int r = 0; r < ASYNC_COUNT; r++)
        OVMS_InferenceRequestDelete(requests[r]);
    uint32_t slots = 0, idle = 0, queued = 99;
    CHECK_OK(OVMS_ExServableSlots(server, "dummy_nireq1", 1, &slots, &idle, &queued));
    CHECK_EQ_INT(idle, slots);
    CHECK_EQ_INT(queued, 0);
}

int main(void) {
    RUN_TEST(test_concurrent_starts);
    server = start_server("config_concurrency.json");
    if (server == NULL)
        return test_summary() | 1;
    RUN_TEST(test_parallel_sync_nireq1);
    RUN_TEST(test_parallel_sync_nireq2);
    RUN_TEST(test_parallel_sync_two_models);
    RUN_TEST(test_no_caller_starves);
    RUN_TEST(test_parallel_failures);
    RUN_TEST(test_parallel_queries);
    RUN_TEST(test_async_and_sync_share_slots);
    stop_server();
    return test_summary();
}
