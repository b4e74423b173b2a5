/*
 * capi_benchmark: OVMS's C API benchmark (src/main_benchmark.cpp, binary capi_benchmark) in C,
 * against ovms.h. Same options, same workload modes, same printed figures:
 *
 *   --config_path PATH      config.json (default /ovms/src/test/configs/config_benchmark.json)
 *   --servable_name NAME    model to infer on (required)
 *   --servable_version N    0 = default version policy
 *   --niter N               inferences in total, split over the client threads (1000)
 *   --nstreams N            client threads (1)
 *   --mode MODE             INFERENCE_ONLY | RESET_BUFFER | RESET_REQUEST
 *   --seed N                random input seed (default: time-based, printed)
 *   --log_level LEVEL       TRACE | DEBUG | INFO | WARN | WARNING | ERROR (default ERROR)
 *
 * Input: the servable's input #0 (name, datatype, shapeMin from OVMS_GetServableMetadata),
 * filled with random values. After one sanity inference, each thread prepares its own request,
 * the threads start together, and "FPS:" is completions / wall time of the whole workload,
 * "Average latency :" the mean over threads of each thread's mean latency, as in OVMS.
 *
 * Extensions of this harness (not in OVMS's benchmark):
 *   --async                 submit with OVMS_InferenceAsync instead of OVMS_Inference
 *   --inflight N            async: requests each thread keeps in flight (1)
 *   --resubmit_in_callback  async: resubmit from inside the completion callback instead of
 *                           handing the request back to its client thread (the default,
 *                           which is what the bare OpenVINO baseline must do)
 *   --warmup N              untimed iterations per thread before the workload (0)
 * and p50/p90/p99/max latency, VmRSS before/after the workload, and a "RESULT key=value ..."
 * line for scripts/bench.sh. Latency: sync = OVMS_Inference + OVMS_InferenceResponseDelete
 * (plus RemoveData/SetData in RESET_BUFFER, plus RequestDelete in RESET_REQUEST); async =
 * from OVMS_InferenceAsync to the completion callback.
 */
#include "bench_common.h"

#include "ovms.h"

typedef enum { INFERENCE_ONLY, RESET_BUFFER, RESET_REQUEST } bench_mode;
static const char *MODE_NAMES[] = {"INFERENCE_ONLY", "RESET_BUFFER", "RESET_REQUEST"};

/* ---------------------------------------------------------------- settings */

static OVMS_Server *g_server;
static const char *g_servable;
static int64_t g_version;
static const char *g_input_name;
static OVMS_DataType g_datatype;
static int64_t g_shape[16];
static size_t g_dims;
static size_t g_bytes;
static bench_mode g_mode = INFERENCE_ONLY;
static bool g_async, g_resubmit_in_callback;
static int g_inflight = 1;
static uint64_t g_back_to_back = 1; /* --back_to_back: inferences per timed sync iteration */
static size_t g_warmup;
static uint64_t g_seed;

#define RING 16 /* distinct input buffers per thread in the RESET_* modes */

static void print_status(const char *what, OVMS_Status *status) {
    uint32_t code = 0;
    const char *details = "";
    OVMS_StatusCode(status, &code);
    OVMS_StatusDetails(status, &details);
    fprintf(stderr, "%s. Code:%u, details:%s\n", what, code, details);
}

static void die_on(OVMS_Status *status, const char *what) {
    if (!status) return;
    print_status(what, status);
    OVMS_StatusDelete(status);
    exit(EX_SOFTWARE_);
}

static size_t datatype_size(OVMS_DataType dt) {
    switch (dt) {
    case OVMS_DATATYPE_BOOL: case OVMS_DATATYPE_U1: case OVMS_DATATYPE_U4: case OVMS_DATATYPE_U8:
    case OVMS_DATATYPE_I4: case OVMS_DATATYPE_I8: return 1;
    case OVMS_DATATYPE_U16: case OVMS_DATATYPE_I16: case OVMS_DATATYPE_FP16: case OVMS_DATATYPE_BF16: return 2;
    case OVMS_DATATYPE_U32: case OVMS_DATATYPE_I32: case OVMS_DATATYPE_FP32: return 4;
    default: return 0;
    }
}

static OVMS_InferenceRequest *prepare_request(const void *data) {
    OVMS_InferenceRequest *request = NULL;
    die_on(OVMS_InferenceRequestNew(&request, g_server, g_servable, g_version), "Creating a request");
    die_on(OVMS_InferenceRequestAddInput(request, g_input_name, g_datatype, g_shape, g_dims), "Adding the input");
    die_on(OVMS_InferenceRequestInputSetData(request, g_input_name, data, g_bytes, OVMS_BUFFERTYPE_CPU, 0),
           "Setting the input data");
    return request;
}

/* ---------------------------------------------------------------- workers */

typedef struct worker worker;

typedef struct {
    worker *w;
    uint32_t index;
    OVMS_InferenceRequest *request;
    void *data;
    OVMS_InferenceResponse *response; /* set by the callback */
    uint32_t flag;
    uint64_t t_submit, t_done;
} job;

struct worker {
    bench_client c; /* first: run_workload reads it */
    int index;
    /* sync */
    OVMS_InferenceRequest *request;
    void *ring[RING];
    /* async */
    job *jobs;
    int njobs;
    completion_queue cq;
    bool recording;
    _Atomic size_t cb_submitted; /* --resubmit_in_callback bookkeeping */
    size_t cb_quota;
};

static uint64_t sync_iteration(worker *w, size_t i) {
    OVMS_InferenceResponse *response = NULL;
    OVMS_Status *status;
    uint64_t t0, t1;
    switch (g_mode) {
    case INFERENCE_ONLY:
        t0 = now_ns();
        status = NULL;
        for (uint64_t k = 0; k < g_back_to_back && !status; k++) {
            status = OVMS_Inference(g_server, w->request, &response);
            if (!status) OVMS_InferenceResponseDelete(response);
        }
        t1 = now_ns();
        break;
    case RESET_BUFFER:
        t0 = now_ns();
        OVMS_InferenceRequestInputRemoveData(w->request, g_input_name);
        OVMS_InferenceRequestInputSetData(w->request, g_input_name, w->ring[i % RING], g_bytes,
                                          OVMS_BUFFERTYPE_CPU, 0);
        status = OVMS_Inference(g_server, w->request, &response);
        if (!status) OVMS_InferenceResponseDelete(response);
        t1 = now_ns();
        break;
    default: { /* RESET_REQUEST: creating the request is not timed, deleting it is */
        OVMS_InferenceRequest *request = prepare_request(w->ring[i % RING]);
        t0 = now_ns();
        status = OVMS_Inference(g_server, request, &response);
        if (!status) OVMS_InferenceResponseDelete(response);
        OVMS_InferenceRequestDelete(request);
        t1 = now_ns();
        break;
    }
    }
    if (status) {
        if (w->c.errors++ == 0) print_status("Error occurred during inference", status);
        OVMS_StatusDelete(status);
    }
    return t1 - t0;
}

static void on_complete(OVMS_InferenceResponse *response, uint32_t flag, void *user) {
    job *j = (job *)user;
    j->t_done = now_ns();
    j->response = response;
    j->flag = flag;
    cq_push(&j->w->cq, j->index);
}

/* --resubmit_in_callback: record, free, resubmit from here; a job that is not resubmitted
 * reports itself idle to its client thread. */
static void on_complete_resubmit(OVMS_InferenceResponse *response, uint32_t flag, void *user) {
    job *j = (job *)user;
    worker *w = j->w;
    uint64_t t = now_ns();
    if (w->recording) samples_add(&w->c.latency, t - j->t_submit);
    if (flag) __atomic_fetch_add(&w->c.errors, 1, __ATOMIC_RELAXED);
    else OVMS_InferenceResponseDelete(response);
    if (atomic_fetch_add(&w->cb_submitted, 1) < w->cb_quota) {
        j->t_submit = now_ns();
        OVMS_Status *status = OVMS_InferenceAsync(g_server, j->request);
        if (!status) return;
        print_status("Error submitting an async inference", status);
        OVMS_StatusDelete(status);
        exit(EX_SOFTWARE_);
    }
    cq_push(&w->cq, j->index);
}

static void submit(job *j) {
    j->t_submit = now_ns();
    OVMS_Status *status = OVMS_InferenceAsync(g_server, j->request);
    if (status) {
        print_status("Error submitting an async inference", status);
        OVMS_StatusDelete(status);
        exit(EX_SOFTWARE_);
    }
}

/* Keeps the thread's jobs in flight until `quota` have completed. */
static void async_loop(worker *w, size_t quota, bool record) {
    if (quota == 0) return;
    uint32_t ready[w->njobs];
    size_t first = quota < (size_t)w->njobs ? quota : (size_t)w->njobs;
    w->recording = record;
    if (g_resubmit_in_callback) {
        w->cb_quota = quota;
        atomic_store(&w->cb_submitted, first);
        for (size_t i = 0; i < first; i++) submit(&w->jobs[i]);
        size_t idle = 0;
        while (idle < first) idle += cq_pop_all(&w->cq, ready);
        return;
    }
    size_t submitted = 0, completed = 0;
    for (; submitted < first; submitted++) submit(&w->jobs[submitted]);
    while (completed < quota) {
        size_t n = cq_pop_all(&w->cq, ready);
        for (size_t k = 0; k < n; k++) {
            job *j = &w->jobs[ready[k]];
            if (record) samples_add(&w->c.latency, j->t_done - j->t_submit);
            if (j->flag) w->c.errors++;
            else OVMS_InferenceResponseDelete(j->response);
            completed++;
            if (submitted < quota) {
                submit(j);
                submitted++;
            }
        }
    }
}

static void *worker_main(void *arg) {
    worker *w = (worker *)arg;
    if (g_async) {
        async_loop(w, g_warmup, false);
    } else {
        for (size_t i = 0; i < g_warmup; i++) sync_iteration(w, i);
    }
    gate_ready_and_wait(w->c.gate);
    if (g_async) {
        async_loop(w, w->c.quota, true);
    } else {
        for (size_t i = 0; i < w->c.quota; i++) samples_add(&w->c.latency, sync_iteration(w, i));
    }
    return NULL;
}

/* ---------------------------------------------------------------- main */

static void usage(const char *argv0) {
    printf("OpenVINO Model Server C API benchmark (libovms_shared)\n"
           "Usage:\n  %s [OPTION...]\n\n"
           "  -h, --help                 Show this help message and exit\n"
           "      --log_level LOG_LEVEL  serving log level - one of TRACE, DEBUG, INFO, WARNING, ERROR (default: ERROR)\n"
           "      --config_path PATH     Config file path for OVMS to read (default: /ovms/src/test/configs/config_benchmark.json)\n"
           "      --niter NITER          number of inferences to conduct (default: 1000)\n"
           "      --nstreams NSTREAMS    number of client threads running inferences simultaneously (default: 1)\n"
           "      --servable_name NAME   Model name to sent request to\n"
           "      --servable_version N   model version; 0 = default version policy (default: 0)\n"
           "      --mode MODE            Workload mode: INFERENCE_ONLY, RESET_BUFFER, RESET_REQUEST (default: INFERENCE_ONLY)\n"
           "      --seed SEED            Random values generator seed.\n"
           " extensions:\n"
           "      --async                use OVMS_InferenceAsync (INFERENCE_ONLY mode)\n"
           "      --inflight N           async requests each thread keeps in flight (default: 1)\n"
           "      --resubmit_in_callback async: resubmit from inside the completion callback\n"
           "      --warmup N             untimed iterations per thread before the workload (default: 0)\n"
           "      --back_to_back N       sync INFERENCE_ONLY: N inferences one after the other per timed\n"
           "                             iteration, reported as side back_to_back (default: 1)\n",
           argv0);
}

int main(int argc, char **argv) {
    const char *config_path = "/ovms/src/test/configs/config_benchmark.json";
    const char *log_level = "ERROR";
    const char *mode_name = "INFERENCE_ONLY";
    uint64_t niter = 1000, nstreams = 1;
    bool have_seed = false;
    if (argc <= 1) {
        usage(argv[0]);
        return EX_OK_;
    }
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(argv[0]);
            return EX_OK_;
        } else if ((v = opt_value(argc, argv, &i, "--config_path"))) config_path = v;
        else if ((v = opt_value(argc, argv, &i, "--servable_name"))) g_servable = v;
        else if ((v = opt_value(argc, argv, &i, "--servable_version"))) g_version = parse_i64("servable_version", v);
        else if ((v = opt_value(argc, argv, &i, "--niter"))) niter = parse_u64("niter", v);
        else if ((v = opt_value(argc, argv, &i, "--nstreams"))) nstreams = parse_u64("nstreams", v);
        else if ((v = opt_value(argc, argv, &i, "--mode"))) mode_name = v;
        else if ((v = opt_value(argc, argv, &i, "--seed"))) { g_seed = parse_u64("seed", v); have_seed = true; }
        else if ((v = opt_value(argc, argv, &i, "--log_level"))) log_level = v;
        else if (!strcmp(argv[i], "--async")) g_async = true;
        else if (!strcmp(argv[i], "--resubmit_in_callback")) g_resubmit_in_callback = true;
        else if ((v = opt_value(argc, argv, &i, "--inflight"))) g_inflight = (int)parse_u64("inflight", v);
        else if ((v = opt_value(argc, argv, &i, "--warmup"))) g_warmup = parse_u64("warmup", v);
        else if ((v = opt_value(argc, argv, &i, "--back_to_back"))) g_back_to_back = parse_u64("back_to_back", v);
        else {
            fprintf(stderr, "error parsing options: Option '%s' does not exist\n", argv[i]);
            return EX_USAGE_;
        }
    }
    if (!g_servable) {
        fprintf(stderr, "error parsing options: Option 'servable_name' is required\n");
        return EX_USAGE_;
    }
    if (nstreams == 0 || nstreams > 4096 || g_inflight < 1 || g_inflight > 4096) {
        fprintf(stderr, "error parsing options: nstreams and inflight must be in 1..4096\n");
        return EX_USAGE_;
    }

    OVMS_LogLevel level;
    if (!strcmp(log_level, "TRACE")) level = OVMS_LOG_TRACE;
    else if (!strcmp(log_level, "DEBUG")) level = OVMS_LOG_DEBUG;
    else if (!strcmp(log_level, "INFO")) level = OVMS_LOG_INFO;
    else if (!strcmp(log_level, "WARN") || !strcmp(log_level, "WARNING")) level = OVMS_LOG_WARNING;
    else if (!strcmp(log_level, "ERROR")) level = OVMS_LOG_ERROR;
    else {
        fprintf(stderr, "Invalid log level: %s\n", log_level);
        return EX_USAGE_;
    }
    if (!strcmp(mode_name, "INFERENCE_ONLY")) g_mode = INFERENCE_ONLY;
    else if (!strcmp(mode_name, "RESET_BUFFER")) g_mode = RESET_BUFFER;
    else if (!strcmp(mode_name, "RESET_REQUEST")) g_mode = RESET_REQUEST;
    else {
        fprintf(stderr, "Invalid mode requested: %s\n", mode_name);
        return 1;
    }
    if (g_back_to_back < 1 || g_back_to_back > 64 || (g_back_to_back > 1 && (g_async || g_mode != INFERENCE_ONLY))) {
        fprintf(stderr, "--back_to_back must be in 1..64, with sync --mode INFERENCE_ONLY only\n");
        return EX_USAGE_;
    }
    if (g_async && g_mode != INFERENCE_ONLY) {
        fprintf(stderr, "--async supports --mode INFERENCE_ONLY only\n");
        return EX_USAGE_;
    }
    printf("Mode requested: %s%s\n", MODE_NAMES[g_mode], g_async ? " (async)" : "");

    OVMS_ServerSettings *server_settings = NULL;
    OVMS_ModelsSettings *models_settings = NULL;
    die_on(OVMS_ServerSettingsNew(&server_settings), "OVMS_ServerSettingsNew");
    die_on(OVMS_ModelsSettingsNew(&models_settings), "OVMS_ModelsSettingsNew");
    die_on(OVMS_ServerNew(&g_server), "OVMS_ServerNew");
    die_on(OVMS_ServerSettingsSetLogLevel(server_settings, level), "Setting the log level");
    die_on(OVMS_ModelsSettingsSetConfigPath(models_settings, config_path), "Setting the config path");
    OVMS_Status *status = OVMS_ServerStartFromConfigurationFile(g_server, server_settings, models_settings);
    if (status) {
        uint32_t code = 0;
        const char *details = "";
        OVMS_StatusCode(status, &code);
        OVMS_StatusDetails(status, &details);
        printf("Error starting the server. Code:%u; details:%s\n", code, details);
        OVMS_StatusDelete(status);
        OVMS_ServerDelete(g_server);
        OVMS_ModelsSettingsDelete(models_settings);
        OVMS_ServerSettingsDelete(server_settings);
        return 1;
    }
    printf("Server ready for inference\n");
    if (g_version < 0) {
        fprintf(stderr, "servableVersion cannot be negative\n");
        return EX_USAGE_;
    }

    /* Input #0 of the servable: name, datatype, shapeMin. */
    OVMS_ServableMetadata *metadata = NULL;
    status = OVMS_GetServableMetadata(g_server, g_servable, g_version, &metadata);
    if (status) {
        print_status("Error getting the servable metadata", status);
        return EX_CONFIG_;
    }
    const char *name = NULL;
    OVMS_DataType dt = OVMS_DATATYPE_UNDEFINED;
    int64_t *shape_min = NULL, *shape_max = NULL;
    die_on(OVMS_ServableMetadataInput(metadata, 0, &name, &dt, &g_dims, &shape_min, &shape_max),
           "Reading input 0 of the servable metadata");
    if (dt == OVMS_DATATYPE_STRING || dt == OVMS_DATATYPE_U64 || dt == OVMS_DATATYPE_I64 || dt == OVMS_DATATYPE_FP64) {
        fprintf(stderr, "Benchmarking models with following input types is currently unsupported: STRING, U64, I64, FP64\n");
        return 1;
    }
    g_datatype = dt == OVMS_DATATYPE_UNDEFINED ? OVMS_DATATYPE_FP32 : dt;
    g_input_name = strdup(name);
    if (g_dims > 16) {
        fprintf(stderr, "input rank %zu is not supported\n", g_dims);
        return 1;
    }
    size_t elements = 1;
    for (size_t d = 0; d < g_dims; d++) {
        g_shape[d] = shape_min[d] > 0 ? shape_min[d] : 1;
        elements *= (size_t)g_shape[d];
    }
    OVMS_ServableMetadataDelete(metadata);
    size_t element_size = datatype_size(g_datatype);
    if (!element_size) {
        fprintf(stderr, "unsupported input datatype %d\n", (int)g_datatype);
        return 1;
    }
    g_bytes = elements * element_size;
    bool is_f32 = g_datatype == OVMS_DATATYPE_FP32;
    if (!have_seed) g_seed = default_seed();
    printf("Seed used to generate random values: %" PRIu64 "\n", g_seed);

    /* Sanity inference. */
    void *check_data = malloc(g_bytes);
    fill_random(check_data, g_bytes, is_f32, g_seed);
    OVMS_InferenceRequest *check = prepare_request(check_data);
    OVMS_InferenceResponse *response = NULL;
    status = OVMS_Inference(g_server, check, &response);
    if (status) {
        print_status("Error occurred during inference", status);
        OVMS_StatusDelete(status);
        OVMS_InferenceRequestDelete(check);
        OVMS_ServerDelete(g_server);
        OVMS_ModelsSettingsDelete(models_settings);
        OVMS_ServerSettingsDelete(server_settings);
        return EX_CONFIG_;
    }
    OVMS_InferenceResponseDelete(response);

    /* Workers: each prepares its own requests and random data before the common start. */
    int threads = (int)nstreams;
    size_t per_thread = niter / nstreams;
    if (per_thread == 0) per_thread = 1;
    start_gate gate;
    gate_init(&gate, threads);
    worker *workers = (worker *)calloc((size_t)threads, sizeof(worker));
    for (int t = 0; t < threads; t++) {
        worker *w = &workers[t];
        w->index = t;
        w->c.gate = &gate;
        w->c.quota = per_thread;
        samples_init(&w->c.latency, per_thread);
        uint64_t seed = g_seed + 1000003ull * (uint64_t)(t + 1);
        if (g_async) {
            w->njobs = g_inflight;
            w->jobs = (job *)calloc((size_t)g_inflight, sizeof(job));
            cq_init(&w->cq, (size_t)g_inflight);
            for (int k = 0; k < g_inflight; k++) {
                job *j = &w->jobs[k];
                j->w = w;
                j->index = (uint32_t)k;
                j->data = malloc(g_bytes);
                fill_random(j->data, g_bytes, is_f32, seed + (uint64_t)k);
                j->request = prepare_request(j->data);
                die_on(OVMS_InferenceRequestSetCompletionCallback(
                           j->request, g_resubmit_in_callback ? on_complete_resubmit : on_complete, j),
                       "Setting the completion callback");
            }
        } else {
            int ring = g_mode == INFERENCE_ONLY ? 1 : RING;
            for (int k = 0; k < ring; k++) {
                w->ring[k] = malloc(g_bytes);
                fill_random(w->ring[k], g_bytes, is_f32, seed + (uint64_t)k);
            }
            for (int k = ring; k < RING; k++) w->ring[k] = w->ring[k % ring];
            if (g_mode != RESET_REQUEST) w->request = prepare_request(w->ring[0]);
        }
        if (pthread_create(&w->c.thread, NULL, worker_main, w) != 0) {
            fprintf(stderr, "cannot create thread %d\n", t);
            return EX_SOFTWARE_;
        }
    }
    bench_result result;
    run_workload(&gate, workers, sizeof(worker), threads, &result);
    char mode_text[64];
    snprintf(mode_text, sizeof mode_text, "%s%s", g_async ? "async_" : "sync_", MODE_NAMES[g_mode]);
    uint32_t slots = 0, idle = 0, queued = 0;
    status = OVMS_ExServableSlots(g_server, g_servable, g_version, &slots, &idle, &queued);
    if (status) OVMS_StatusDelete(status);
    print_result(g_back_to_back > 1 ? "back_to_back" : "ours", mode_text, threads, g_async ? g_inflight : 1, (int)slots, &result);

    /* Cleanup. */
    for (int t = 0; t < threads; t++) {
        worker *w = &workers[t];
        if (g_async) {
            for (int k = 0; k < w->njobs; k++) {
                OVMS_InferenceRequestDelete(w->jobs[k].request);
                free(w->jobs[k].data);
            }
            free(w->jobs);
            cq_destroy(&w->cq);
        } else {
            OVMS_InferenceRequestDelete(w->request);
            int ring = g_mode == INFERENCE_ONLY ? 1 : RING;
            for (int k = 0; k < ring; k++) free(w->ring[k]);
        }
        free(w->c.latency.ns);
    }
    free(workers);
    OVMS_InferenceRequestDelete(check);
    free(check_data);
    OVMS_ServerDelete(g_server);
    OVMS_ModelsSettingsDelete(models_settings);
    OVMS_ServerSettingsDelete(server_settings);
    printf("main() exit\n");
    return result.errors ? 2 : 0;
}
