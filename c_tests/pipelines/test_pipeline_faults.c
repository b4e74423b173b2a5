/*
 * test_pipeline_faults.c: async pipelines against the fault-injection build. 8 threads submit
 * two-node chain requests while every 10th inference fails at completion and every 7th
 * start_async fails: every accepted request gets exactly one callback (flag 1 for the failed
 * ones, the right values for the others), and at the end every slot is idle and nothing waits.
 */
#include "async_util.h"

#ifndef OVMS_TEST_FAULT_INJECTION
#error "test_pipeline_faults needs the fault-injection build (OVMS_TEST_FAULT_INJECTION)"
#endif

#define THREADS 8

static float input[10];
static atomic_int *calls = NULL; /* per request id */
static atomic_long succeeded = 0, failed = 0, wrong = 0, refused = 0;
static au_counter called;

static void chain_cb(OVMS_InferenceResponse *response, uint32_t flag, void *user) {
    long id = (long)(intptr_t)user;
    if (atomic_fetch_add(&calls[id], 1) > 0)
        au_fail(__FILE__, __LINE__, "a second callback for one pipeline request");
    if (flag == 0) {
        au_output o;
        bool ok = au_read_output(response, 0, true, &o, __FILE__, __LINE__) && o.bytes == sizeof input;
        for (int i = 0; ok && i < 10; i++)
            ok = ((const float *)o.data)[i] == input[i] + 2.0f;
        atomic_fetch_add(ok ? &succeeded : &wrong, 1);
    } else {
        atomic_fetch_add(response == NULL ? &failed : &wrong, 1);
    }
    OVMS_InferenceResponseDelete(response);
    au_counter_add(&called, 1);
}

typedef struct {
    long first_id;
    long count;
    long accepted;
} worker;

static void *submit_all(void *arg) {
    worker *w = (worker *)arg;
    static const int64_t shape[2] = {1, 10};
    for (long i = 0; i < w->count; i++) {
        long id = w->first_id + i;
        OVMS_InferenceRequest *request = NULL;
        OVMS_Status *status = OVMS_InferenceRequestNew(&request, server, "chain", 0);
        if (status == NULL)
            status = OVMS_InferenceRequestAddInput(request, "b", OVMS_DATATYPE_FP32, shape, 2);
        if (status == NULL)
            status = OVMS_InferenceRequestInputSetData(request, "b", input, sizeof input, OVMS_BUFFERTYPE_CPU, 0);
        if (status == NULL)
            status = OVMS_InferenceRequestSetCompletionCallback(request, chain_cb, (void *)(intptr_t)id);
        if (status != NULL) {
            au_expect_ok(status, "request setup", __FILE__, __LINE__);
            OVMS_InferenceRequestDelete(request);
            return NULL;
        }
        status = OVMS_InferenceAsync(server, request);
        if (status == NULL) {
            w->accepted++;
        } else {
            /* A fault at the first node's start_async: refused, no callback. */
            atomic_fetch_add(&refused, 1);
            OVMS_StatusDelete(status);
        }
        /* The request may be deleted in flight; its buffers (input) stay valid. */
        OVMS_InferenceRequestDelete(request);
    }
    return NULL;
}

static void test_faults_fail_requests_once(void) {
    const long per_thread = au_scaled(5000, 100);
    calls = calloc((size_t)(THREADS * per_thread), sizeof(atomic_int));
    REQUIRE(calls != NULL);
    au_counter_init(&called);
    for (int i = 0; i < 10; i++)
        input[i] = (float)i;
    REQUIRE_OK(OVMS_ExTestInjectFault(2, 10));
    REQUIRE_OK(OVMS_ExTestInjectFault(0, 7));
    pthread_t threads[THREADS];
    worker workers[THREADS];
    for (int t = 0; t < THREADS; t++) {
        workers[t] = (worker){t * per_thread, per_thread, 0};
        REQUIRE(pthread_create(&threads[t], NULL, submit_all, &workers[t]) == 0);
    }
    long accepted = 0;
    for (int t = 0; t < THREADS; t++) {
        pthread_join(threads[t], NULL);
        accepted += workers[t].accepted;
    }
    AWAIT(&called, accepted);
    au_sleep_ms(100);
    CHECK_OK(OVMS_ExTestInjectFault(2, 0));
    CHECK_OK(OVMS_ExTestInjectFault(0, 0));
    long once = 0;
    for (long id = 0; id < THREADS * per_thread; id++)
        once += atomic_load(&calls[id]) == 1;
    au_log("accepted %ld (refused %ld): %ld succeeded, %ld failed", accepted, atomic_load(&refused),
           atomic_load(&succeeded), atomic_load(&failed));
    CHECK_EQ(once, accepted);
    CHECK_EQ(au_counter_get(&called), accepted);
    CHECK_EQ(atomic_load(&wrong), 0);
    CHECK_EQ(atomic_load(&succeeded) + atomic_load(&failed), accepted);
    CHECK(atomic_load(&failed) > 0);
    CHECK(atomic_load(&succeeded) > 0);
    CHECK_POOL_AT_REST(server, "dummy", 2);
    au_counter_destroy(&called);
    free(calls);
}

int main(void) {
    au_start_watchdog();
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("test_pipeline_faults (scale: %s)\n", au_small() ? "small" : "full");
    au_main_thread = pthread_self();
    if (!au_expect_ok(OVMS_ServerNew(&server), "OVMS_ServerNew", __FILE__, __LINE__))
        return au_summary();
    atomic_store(&au_deadline, au_now() + (au_small() ? 600 : 120));
    OVMS_Status *started = au_start_server(server, "pipelines.json");
    atomic_store(&au_deadline, 0.0);
    if (!au_expect_ok(started, "start pipelines.json", __FILE__, __LINE__))
        return au_summary();
    RUN_TEST(test_faults_fail_requests_once, 300);
    OVMS_ServerDelete(server);
    return au_summary();
}
