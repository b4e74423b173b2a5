/* Asynchronous inference (docs/c-api.md, async; tests CAPIInference.AsyncWithCallbackDummy,
 * AsyncDummyCheckResetOutputCPU, AsyncErrorHandling): early failures are returned and never call
 * back; accepted requests call back exactly once; ServerDelete waits for accepted requests. */
#include "test_util.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

static OVMS_Server *server;

/* Completion record: filled by the callback, waited for by the test. */
typedef struct {
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    int calls;
    uint32_t flag;
    bool had_response;
    bool values_ok;
    const void *data_ptr;
    pthread_t thread;
    const float *expected; /* input values; output must be input + 1 */
    size_t elements;
    bool delete_response;
    OVMS_InferenceResponse *kept;
} completion;

static void completion_init(completion *c, const float *expected, size_t elements) {
    memset(c, 0, sizeof *c);
    pthread_mutex_init(&c->mutex, NULL);
    pthread_cond_init(&c->cond, NULL);
    c->expected = expected;
    c->elements = elements;
    c->delete_response = true;
}

static void completion_destroy(completion *c) {
    pthread_mutex_destroy(&c->mutex);
    pthread_cond_destroy(&c->cond);
}

/* Waits until `calls` reaches `n` or `seconds` pass; returns the number of calls. */
static int completion_wait(completion *c, int n, int seconds) {
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += seconds;
    pthread_mutex_lock(&c->mutex);
    while (c->calls < n) {
        if (pthread_cond_timedwait(&c->cond, &c->mutex, &deadline) == ETIMEDOUT)
            break;
    }
    int calls = c->calls;
    pthread_mutex_unlock(&c->mutex);
    return calls;
}

static void on_complete(OVMS_InferenceResponse *response, uint32_t flag, void *user) {
    completion *c = (completion *)user;
    bool values_ok = false;
    const void *data = NULL;
    if (response != NULL) {
        const char *name = NULL;
        OVMS_DataType datatype;
        const int64_t *shape;
        size_t dims, byte_size = 0;
        OVMS_BufferType buffer_type;
        uint32_t device;
        OVMS_Status *status = OVMS_InferenceResponseOutput(response, 0, &name, &datatype, &shape, &dims, &data,
                                                           &byte_size, &buffer_type, &device);
        if (status == NULL && c->expected != NULL && byte_size == c->elements * sizeof(float) && data != NULL &&
            datatype == OVMS_DATATYPE_FP32) {
            values_ok = true;
            for (size_t i = 0; i < c->elements; i++)
                if (fabsf(((const float *)data)[i] - (c->expected[i] + 1.0f)) > 1e-5f)
                    values_ok = false;
        }
        OVMS_StatusDelete(status);
    }
    pthread_mutex_lock(&c->mutex);
    c->calls++;
    c->flag = flag;
    c->had_response = response != NULL;
    c->values_ok = values_ok;
    c->data_ptr = data;
    c->thread = pthread_self();
    if (c->delete_response)
        OVMS_InferenceResponseDelete(response); /* the callback owns the response */
    else
        c->kept = response;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->mutex);
}

/* CAPIInference.AsyncWithCallbackDummy (without preallocated output) */
static void test_async_basic(void) {
    float input[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    completion c;
    completion_init(&c, input, 10);
    OVMS_InferenceRequest *request = make_dummy_request(server, "dummy", 1, input);
    REQUIRE(request != NULL);
    CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(request, on_complete, &c));
    CHECK_OK(OVMS_InferenceAsync(server, request));
    CHECK_EQ_INT(completion_wait(&c, 1, 10), 1);
    CHECK_EQ_INT(c.flag, 0);
    CHECK(c.had_response);
    CHECK(c.values_ok);
    /* exactly once: nothing more arrives */
    usleep(50 * 1000);
    CHECK_EQ_INT(c.calls, 1);
    /* the request can be reused after its callback */
    for (int round = 0; round < 5; round++) {
        for (int i = 0; i < 10; i++)
            input[i] = (float)(round * 10 + i);
        CHECK_OK(OVMS_InferenceAsync(server, request));
        CHECK_EQ_INT(completion_wait(&c, 2 + round, 10), 2 + round);
        CHECK_EQ_INT(c.flag, 0);
        CHECK(c.values_ok);
    }
    OVMS_InferenceRequestDelete(request);
    completion_destroy(&c);
}

/* The callback owns the response: it may keep it and delete it later, on another thread. */
static void test_async_response_kept_by_callback(void) {
    float input[10] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0};
    completion c;
    completion_init(&c, input, 10);
    c.delete_response = false;
    OVMS_InferenceRequest *request = make_dummy_request(server, "dummy", 1, input);
    REQUIRE(request != NULL);
    CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(request, on_complete, &c));
    CHECK_OK(OVMS_InferenceAsync(server, request));
    CHECK_EQ_INT(completion_wait(&c, 1, 10), 1);
    OVMS_InferenceRequestDelete(request);
    REQUIRE(c.kept != NULL);
    CHECK_DUMMY_RESPONSE(c.kept, input, 1.0f);
    OVMS_InferenceResponseDelete(c.kept);
    completion_destroy(&c);
}

/* Preallocated output, async (AsyncWithCallbackDummy, AsyncDummyCheckResetOutputCPU). */
static void test_async_preallocated_output(void) {
    float input[10], output[10];
    for (int i = 0; i < 10; i++) {
        input[i] = (float)i * 2.0f;
        output[i] = -1.0f;
    }
    completion c;
    completion_init(&c, input, 10);
    OVMS_InferenceRequest *request = make_dummy_request(server, "dummy_nireq1", 1, input);
    REQUIRE(request != NULL);
    CHECK_OK(OVMS_InferenceRequestAddOutput(request, "a", OVMS_DATATYPE_FP32, DUMMY_SHAPE, 2));
    CHECK_OK(OVMS_InferenceRequestOutputSetData(request, "a", output, sizeof output, OVMS_BUFFERTYPE_CPU, 0));
    CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(request, on_complete, &c));
    CHECK_OK(OVMS_InferenceAsync(server, request));
    CHECK_EQ_INT(completion_wait(&c, 1, 10), 1);
    CHECK_EQ_INT(c.flag, 0);
    CHECK(c.values_ok);
    CHECK(c.data_ptr == (const void *)output);
    for (int i = 0; i < 10; i++)
        CHECK_NEAR(output[i], input[i] + 1.0f);

    /* remove the output; later inferences on the single slot leave the old buffer alone */
    float snapshot[10];
    memcpy(snapshot, output, sizeof output);
    CHECK_OK(OVMS_InferenceRequestRemoveOutput(request, "a"));
    for (int i = 0; i < 10; i++)
        input[i] = 77.0f + (float)i;
    CHECK_OK(OVMS_InferenceAsync(server, request));
    CHECK_EQ_INT(completion_wait(&c, 2, 10), 2);
    CHECK_EQ_INT(c.flag, 0);
    CHECK(c.values_ok);
    CHECK(c.data_ptr != (const void *)output);
    CHECK(memcmp(snapshot, output, sizeof output) == 0);
    INFER_DUMMY(server, "dummy_nireq1", 1, 1000.0f, 1.0f);
    CHECK(memcmp(snapshot, output, sizeof output) == 0);
    OVMS_InferenceRequestDelete(request);
    completion_destroy(&c);
}

/* Failures found before the job starts are returned and never call back. */
static void test_async_early_failures(void) {
    float input[10] = {0};
    completion c;
    completion_init(&c, input, 10);

    /* no callback set */
    OVMS_InferenceRequest *request = make_dummy_request(server, "dummy", 1, input);
    REQUIRE(request != NULL);
    CHECK_CODE(OVMS_InferenceAsync(server, request), SC_OV_INTERNAL_INFERENCE_ERROR);
    /* the slot was not lost: a sync inference on the model works */
    INFER_DUMMY(server, "dummy", 1, 0.0f, 1.0f);
    OVMS_InferenceRequestDelete(request);

    /* unknown servable, unknown version, validation error */
    request = make_dummy_request(server, "NONEXISTENT_MODEL", 1, input);
    REQUIRE(request != NULL);
    CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(request, on_complete, &c));
    CHECK_CODE(OVMS_InferenceAsync(server, request), SC_PIPELINE_DEFINITION_NAME_MISSING);
    OVMS_InferenceRequestDelete(request);

    request = make_dummy_request(server, "dummy", 5, input);
    REQUIRE(request != NULL);
    CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(request, on_complete, &c));
    CHECK_CODE(OVMS_InferenceAsync(server, request), SC_MODEL_VERSION_MISSING);
    OVMS_InferenceRequestDelete(request);

    const int64_t bad_shape[2] = {1, 5};
    request = make_request(server, "dummy", 1, "b", bad_shape, 2, input, 20);
    REQUIRE(request != NULL);
    CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(request, on_complete, &c));
    CHECK_CODE(OVMS_InferenceAsync(server, request), SC_INVALID_SHAPE);
    CHECK_OK(OVMS_InferenceRequestRemoveInput(request, "b"));
    CHECK_OK(OVMS_InferenceRequestAddInput(request, "b", OVMS_DATATYPE_FP32, DUMMY_SHAPE, 2));
    CHECK_CODE(OVMS_InferenceAsync(server, request), SC_NONEXISTENT_BUFFER);

    /* NULL arguments */
    CHECK_NULLPTR(OVMS_InferenceAsync(NULL, request), "server");
    CHECK_NULLPTR(OVMS_InferenceAsync(server, NULL), "inference request");
    OVMS_InferenceRequestDelete(request);

    usleep(100 * 1000);
    CHECK_EQ_INT(c.calls, 0);
    completion_destroy(&c);
}

/* A failure inside OpenVINO after the job started: the callback gets (NULL, 1) exactly once
 * (or, if the library detects it before accepting, the status is returned and there is no
 * callback). Either way the model keeps working on its single slot. */
static void test_async_runtime_failure(void) {
    float input[4] = {1, 2, 3, 4};
    const int64_t odd[1] = {3};
    for (int round = 0; round < 3; round++) {
        completion c;
        completion_init(&c, NULL, 0);
        OVMS_InferenceRequest *request = make_request(server, "fail_odd", 1, "x", odd, 1, input, 3 * sizeof(float));
        REQUIRE(request != NULL);
        CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(request, on_complete, &c));
        OVMS_Status *status = OVMS_InferenceAsync(server, request);
        if (status == NULL) {
            CHECK_EQ_INT(completion_wait(&c, 1, 10), 1);
            CHECK_EQ_INT(c.flag, 1);
            CHECK(!c.had_response);
            usleep(20 * 1000);
            CHECK_EQ_INT(c.calls, 1);
        } else {
            CHECK_CODE(status, SC_OV_INTERNAL_INFERENCE_ERROR);
            usleep(20 * 1000);
            CHECK_EQ_INT(c.calls, 0);
        }
        OVMS_InferenceRequestDelete(request);
        completion_destroy(&c);
    }
    /* even length works, sync and async */
    const int64_t even[1] = {4};
    completion c;
    completion_init(&c, NULL, 0);
    OVMS_InferenceRequest *request = make_request(server, "fail_odd", 1, "x", even, 1, input, sizeof input);
    REQUIRE(request != NULL);
    OVMS_InferenceResponse *response = NULL;
    CHECK_OK(OVMS_Inference(server, request, &response));
    OVMS_InferenceResponseDelete(response);
    CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(request, on_complete, &c));
    CHECK_OK(OVMS_InferenceAsync(server, request));
    CHECK_EQ_INT(completion_wait(&c, 1, 10), 1);
    CHECK_EQ_INT(c.flag, 0);
    CHECK(c.had_response);
    OVMS_InferenceRequestDelete(request);
    completion_destroy(&c);
}

/* Many requests in flight on a single slot: each completes exactly once with its own values. */
#define MANY 64
static void test_async_many_in_flight(void) {
    static float inputs[MANY][10];
    static completion done[MANY];
    OVMS_InferenceRequest *requests[MANY];
    int accepted = 0;
    for (int r = 0; r < MANY; r++) {
        for (int i = 0; i < 10; i++)
            inputs[r][i] = (float)(r * 100 + i);
        completion_init(&done[r], inputs[r], 10);
        requests[r] = make_dummy_request(server, "dummy_nireq1", 1, inputs[r]);
        if (requests[r] == NULL)
            continue;
        CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(requests[r], on_complete, &done[r]));
        OVMS_Status *status = OVMS_InferenceAsync(server, requests[r]);
        if (tu_expect_ok(status, "OVMS_InferenceAsync", __FILE__, __LINE__))
            accepted++;
    }
    CHECK_EQ_INT(accepted, MANY);
    int good = 0;
    for (int r = 0; r < MANY; r++) {
        if (requests[r] == NULL)
            continue;
        int calls = completion_wait(&done[r], 1, 20);
        if (calls == 1 && done[r].flag == 0 && done[r].values_ok)
            good++;
    }
    usleep(20 * 1000);
    int total_calls = 0;
    for (int r = 0; r < MANY; r++)
        total_calls += done[r].calls;
    CHECK_EQ_INT(good, MANY);
    CHECK_EQ_INT(total_calls, MANY);
    for (int r = 0; r < MANY; r++) {
        OVMS_InferenceRequestDelete(requests[r]);
        completion_destroy(&done[r]);
    }
    uint32_t slots = 0, idle = 0, queued = 99;
    CHECK_OK(OVMS_ExServableSlots(server, "dummy_nireq1", 1, &slots, &idle, &queued));
    CHECK_EQ_INT(slots, 1);
    CHECK_EQ_INT(idle, 1);
    CHECK_EQ_INT(queued, 0);
}

/* A callback may run a blocking inference on the same nireq-1 model (the slot is released before
 * user code runs). A deadlock here ends the test by alarm. */
typedef struct {
    completion base;
    uint32_t nested_code;
    bool nested_values_ok;
} nested_completion;

static void on_complete_nested(OVMS_InferenceResponse *response, uint32_t flag, void *user) {
    nested_completion *n = (nested_completion *)user;
    float input[10] = {3, 3, 3, 3, 3, 3, 3, 3, 3, 3};
    OVMS_InferenceRequest *request = NULL;
    uint32_t code = status_code_of(OVMS_InferenceRequestNew(&request, server, "dummy_nireq1", 1));
    bool values_ok = false;
    if (code == SC_OK) {
        OVMS_StatusDelete(OVMS_InferenceRequestAddInput(request, "b", OVMS_DATATYPE_FP32, DUMMY_SHAPE, 2));
        OVMS_StatusDelete(
            OVMS_InferenceRequestInputSetData(request, "b", input, sizeof input, OVMS_BUFFERTYPE_CPU, 0));
        OVMS_InferenceResponse *nested = NULL;
        code = status_code_of(OVMS_Inference(server, request, &nested));
        if (nested != NULL) {
            const char *name;
            OVMS_DataType datatype;
            const int64_t *shape;
            size_t dims, byte_size = 0;
            const void *data = NULL;
            OVMS_BufferType buffer_type;
            uint32_t device;
            if (OVMS_InferenceResponseOutput(nested, 0, &name, &datatype, &shape, &dims, &data, &byte_size,
                                             &buffer_type, &device) == NULL &&
                data != NULL && byte_size == 40)
                values_ok = fabsf(((const float *)data)[9] - 4.0f) < 1e-5f;
        }
        OVMS_InferenceResponseDelete(nested);
        OVMS_InferenceRequestDelete(request);
    }
    n->nested_code = code;
    n->nested_values_ok = values_ok;
    on_complete(response, flag, &n->base);
}

static void on_alarm(int signal_number) {
    (void)signal_number;
    static const char message[] = "FAILED: deadlock (alarm) in test_async_callback_runs_inference\n";
    ssize_t ignored = write(2, message, sizeof message - 1);
    (void)ignored;
    _exit(3);
}

static void test_async_callback_runs_inference(void) {
    float input[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    nested_completion n;
    completion_init(&n.base, input, 10);
    n.nested_code = 999;
    n.nested_values_ok = false;
    OVMS_InferenceRequest *request = make_dummy_request(server, "dummy_nireq1", 1, input);
    REQUIRE(request != NULL);
    CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(request, on_complete_nested, &n));
    signal(SIGALRM, on_alarm);
    alarm(20);
    CHECK_OK(OVMS_InferenceAsync(server, request));
    CHECK_EQ_INT(completion_wait(&n.base, 1, 15), 1);
    alarm(0);
    CHECK_EQ_INT(n.base.flag, 0);
    CHECK(n.base.values_ok);
    CHECK_EQ_INT(n.nested_code, SC_OK);
    CHECK(n.nested_values_ok);
    OVMS_InferenceRequestDelete(request);
    completion_destroy(&n.base);
}

/* ServerDelete returns only after every accepted request has had its callback (invariant 6). */
static void test_server_delete_waits_for_callbacks(void) {
    enum { N = 48 };
    static float inputs[N][10];
    static completion done[N];
    OVMS_InferenceRequest *requests[N];
    bool accepted[N];
    for (int r = 0; r < N; r++) {
        for (int i = 0; i < 10; i++)
            inputs[r][i] = (float)(r + i);
        completion_init(&done[r], inputs[r], 10);
        accepted[r] = false;
        requests[r] = make_dummy_request(server, "dummy_nireq1", 1, inputs[r]);
        if (requests[r] == NULL)
            continue;
        CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(requests[r], on_complete, &done[r]));
        accepted[r] = OVMS_InferenceAsync(server, requests[r]) == NULL;
    }
    OVMS_ServerDelete(server);
    /* no waiting here: every accepted request has already called back exactly once */
    int missing = 0, duplicated = 0, unexpected = 0, accepted_count = 0;
    for (int r = 0; r < N; r++) {
        pthread_mutex_lock(&done[r].mutex);
        int calls = done[r].calls;
        uint32_t flag = done[r].flag;
        bool values_ok = done[r].values_ok, had_response = done[r].had_response;
        pthread_mutex_unlock(&done[r].mutex);
        if (accepted[r]) {
            accepted_count++;
            if (calls == 0)
                missing++;
            if (calls > 1)
                duplicated++;
            if (calls == 1 && !((flag == 0 && values_ok) || (flag == 1 && !had_response)))
                unexpected++;
        } else if (calls != 0) {
            unexpected++;
        }
    }
    CHECK(accepted_count > 0);
    CHECK_EQ_INT(missing, 0);
    CHECK_EQ_INT(duplicated, 0);
    CHECK_EQ_INT(unexpected, 0);
    /* and nothing arrives afterwards */
    usleep(100 * 1000);
    int late = 0;
    for (int r = 0; r < N; r++)
        if (done[r].calls > (accepted[r] ? 1 : 0))
            late++;
    CHECK_EQ_INT(late, 0);
    /* after the stop, async requests are refused with SERVER_NOT_READY and never call back */
    if (requests[0] != NULL) {
        int before = done[0].calls;
        CHECK_CODE(OVMS_InferenceAsync(server, requests[0]), SC_SERVER_NOT_READY);
        usleep(20 * 1000);
        CHECK_EQ_INT(done[0].calls, before);
    }
    for (int r = 0; r < N; r++) {
        OVMS_InferenceRequestDelete(requests[r]);
        completion_destroy(&done[r]);
    }
}

int main(void) {
    server = start_server("config_all.json");
    if (server == NULL)
        return test_summary() | 1;
    RUN_TEST(test_async_basic);
    RUN_TEST(test_async_response_kept_by_callback);
    RUN_TEST(test_async_preallocated_output);
    RUN_TEST(test_async_early_failures);
    RUN_TEST(test_async_runtime_failure);
    RUN_TEST(test_async_many_in_flight);
    RUN_TEST(test_async_callback_runs_inference);
    RUN_TEST(test_server_delete_waits_for_callbacks);
    stop_server();
    return test_summary();
}
