/*
 * bare_openvino: the baseline for capi_benchmark. The same model, device, hint and number of
 * infer requests, driven directly through OpenVINO's C API with no serving layer, with the
 * same client-thread shape, timing, random input and output lines as capi_benchmark.
 *
 *   --model PATH            model.xml / model.onnx (required)
 *   --device NAME           (CPU)
 *   --hint H                PERFORMANCE_HINT: LATENCY | THROUGHPUT | CUMULATIVE_THROUGHPUT | NONE (LATENCY)
 *   --hint_num_requests N   also pass PERFORMANCE_HINT_NUM_REQUESTS=N (what benchmark_app -nireq does)
 *   --property KEY=VALUE    any other compile property (repeatable)
 *   --nireq N               infer requests; 0 = the compiled model's OPTIMAL_NUMBER_OF_INFER_REQUESTS (0)
 *   --nstreams N            client threads (1)
 *   --niter N               inferences in total, split over the threads (1000)
 *   --async, --inflight N   async: each thread keeps N requests in flight (1)
 *   --warmup N              untimed iterations per thread first (0)
 *   --seed N                random input seed
 *   --skip_outputs          never read the output (the baseline before PROFILES.md section 15)
 *
 * Sync: the minimal serving layer. A pool of nireq infer requests guarded by a mutex and a
 * condition variable; per iteration a client thread takes a request (waiting if none is free),
 * copies its input into the request's input tensor, runs ov_infer_request_infer on its own
 * thread, copies the output into the client's own buffer, and gives the request back. Latency =
 * all of that. A host has its result only once it has read it: a serving layer copies it into its
 * response before the request can be reused, and reading it costs a cache miss when OpenVINO's
 * stream thread wrote it on the other core (PROFILES.md section 15). --skip_outputs leaves it
 * unread, as this baseline did before.
 * Async: each job owns an infer request and a stable ov_callback_t. The callback (on
 * OpenVINO's thread) only stamps the time and hands the job to its client thread, which calls
 * ov_infer_request_wait for the status, copies the output out and the input in, and starts it again (OpenVINO
 * cannot restart a request from inside its own callback). Latency = start_async to callback.
 * Jobs = threads x inflight; that many requests are created if it exceeds --nireq.
 * --handoff (async): the callback hands the job to one hand-off thread, which calls
 * ov_infer_request_wait for the status, stamps the time and hands it on to the client thread:
 * the cheapest correct shape of a library whose completion callback carries the status (ours
 * does the same with its completion dispatcher). Reported as mode async_handoff_INFERENCE_ONLY.
 */
#include "bench_common.h"

#include <openvino/c/openvino.h>

static void die_ov(ov_status_e status, const char *what) {
    if (status == OK) return;
    const char *msg = ov_get_last_err_msg();
    fprintf(stderr, "%s failed: status %d: %s\n", what, (int)status, msg ? msg : "");
    exit(EX_SOFTWARE_);
}

static ov_compiled_model_t *g_compiled;
static size_t g_bytes;
static bool g_is_f32;
static bool g_async, g_handoff;
static int g_inflight = 1;
static size_t g_warmup;
static uint64_t g_seed;
static size_t g_out_bytes; /* the first output's size (each bench model has one output) */
static bool g_skip_outputs;

typedef struct {
    ov_infer_request_t *request;
    ov_tensor_t *input, *output;
    void *input_data;
    void *output_data; /* the request's own output tensor: static shapes keep it in place */
} slot;

static slot make_slot(void) {
    slot s;
    memset(&s, 0, sizeof s);
    die_ov(ov_compiled_model_create_infer_request(g_compiled, &s.request), "ov_compiled_model_create_infer_request");
    die_ov(ov_infer_request_get_input_tensor_by_index(s.request, 0, &s.input), "get_input_tensor_by_index");
    die_ov(ov_infer_request_get_output_tensor_by_index(s.request, 0, &s.output), "get_output_tensor_by_index");
    die_ov(ov_tensor_data(s.input, &s.input_data), "ov_tensor_data");
    die_ov(ov_tensor_data(s.output, &s.output_data), "ov_tensor_data");
    /* Any further inputs get random data once. */
    size_t inputs = 0;
    die_ov(ov_compiled_model_inputs_size(g_compiled, &inputs), "ov_compiled_model_inputs_size");
    for (size_t i = 1; i < inputs; i++) {
        ov_tensor_t *t = NULL;
        void *data = NULL;
        size_t bytes = 0;
        ov_element_type_e type;
        die_ov(ov_infer_request_get_input_tensor_by_index(s.request, i, &t), "get_input_tensor_by_index");
        die_ov(ov_tensor_data(t, &data), "ov_tensor_data");
        die_ov(ov_tensor_get_byte_size(t, &bytes), "ov_tensor_get_byte_size");
        die_ov(ov_tensor_get_element_type(t, &type), "ov_tensor_get_element_type");
        fill_random(data, bytes, type == F32, g_seed + 77 * i);
        ov_tensor_free(t);
    }
    return s;
}

static void free_slot(slot *s) {
    ov_tensor_free(s->input);
    ov_tensor_free(s->output);
    ov_infer_request_free(s->request);
}

/* ---------------------------------------------------------------- sync: the request pool */

static slot *g_slots;
static int g_nslots;
static int *g_free;
static int g_nfree;
static pthread_mutex_t g_pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_pool_cond = PTHREAD_COND_INITIALIZER;

static int pool_acquire(void) {
    pthread_mutex_lock(&g_pool_lock);
    while (g_nfree == 0) pthread_cond_wait(&g_pool_cond, &g_pool_lock);
    int index = g_free[--g_nfree];
    pthread_mutex_unlock(&g_pool_lock);
    return index;
}

static void pool_release(int index) {
    pthread_mutex_lock(&g_pool_lock);
    g_free[g_nfree++] = index;
    pthread_cond_signal(&g_pool_cond);
    pthread_mutex_unlock(&g_pool_lock);
}

/* ---------------------------------------------------------------- workers */

typedef struct worker worker;

typedef struct {
    worker *w;
    uint32_t index;
    slot s;
    ov_callback_t callback; /* OpenVINO keeps a pointer to it: lives as long as the request */
    uint64_t t_submit, t_done;
    uint32_t id;         /* --handoff: index in g_jobs */
    ov_status_e status;  /* --handoff: what the hand-off thread's wait returned */
} job;

/* --handoff: every job, and the hand-off thread's queue of their ids (STOP ends it). */
static job **g_jobs;
static completion_queue g_handoff_cq;
#define HANDOFF_STOP UINT32_MAX

struct worker {
    bench_client c; /* first: run_workload reads it */
    void *data; /* the client's input buffer */
    void *out;  /* the client's copy of its last output */
    job *jobs;
    int njobs;
    completion_queue cq;
};

/* What a host does to have its result: copy it out before the request is reused. */
static void read_output(worker *w, const slot *s) {
    if (!g_skip_outputs) memcpy(w->out, s->output_data, g_out_bytes);
}

static uint64_t sync_iteration(worker *w) {
    uint64_t t0 = now_ns();
    int index = pool_acquire();
    slot *s = &g_slots[index];
    memcpy(s->input_data, w->data, g_bytes);
    ov_status_e status = ov_infer_request_infer(s->request);
    read_output(w, s);
    pool_release(index);
    uint64_t t1 = now_ns();
    if (status != OK && w->c.errors++ == 0) fprintf(stderr, "infer failed: %d\n", (int)status);
    return t1 - t0;
}

static void on_done(void *args) {
    job *j = (job *)args;
    if (g_handoff) {
        cq_push(&g_handoff_cq, j->id);
        return;
    }
    j->t_done = now_ns();
    cq_push(&j->w->cq, j->index);
}

static void *handoff_main(void *arg) {
    uint32_t *ids = (uint32_t *)arg;
    for (;;) {
        size_t n = cq_pop_all(&g_handoff_cq, ids);
        for (size_t k = 0; k < n; k++) {
            if (ids[k] == HANDOFF_STOP) return NULL;
            job *j = g_jobs[ids[k]];
            j->status = ov_infer_request_wait(j->s.request);
            j->t_done = now_ns();
            cq_push(&j->w->cq, j->index);
        }
    }
}

static void submit(job *j) {
    memcpy(j->s.input_data, j->w->data, g_bytes);
    j->t_submit = now_ns();
    die_ov(ov_infer_request_start_async(j->s.request), "ov_infer_request_start_async");
}

static void async_loop(worker *w, size_t quota, bool record) {
    if (quota == 0) return;
    uint32_t ready[w->njobs];
    size_t first = quota < (size_t)w->njobs ? quota : (size_t)w->njobs;
    size_t submitted = 0, completed = 0;
    for (; submitted < first; submitted++) submit(&w->jobs[submitted]);
    while (completed < quota) {
        size_t n = cq_pop_all(&w->cq, ready);
        for (size_t k = 0; k < n; k++) {
            job *j = &w->jobs[ready[k]];
            ov_status_e status = g_handoff ? j->status : ov_infer_request_wait(j->s.request);
            if (status != OK) w->c.errors++;
            read_output(w, &j->s);
            if (record) samples_add(&w->c.latency, j->t_done - j->t_submit);
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
    if (g_async) async_loop(w, g_warmup, false);
    else
        for (size_t i = 0; i < g_warmup; i++) sync_iteration(w);
    gate_ready_and_wait(w->c.gate);
    if (g_async) async_loop(w, w->c.quota, true);
    else
        for (size_t i = 0; i < w->c.quota; i++) samples_add(&w->c.latency, sync_iteration(w));
    return NULL;
}

/* ---------------------------------------------------------------- main */

static void usage(const char *argv0) {
    printf("Bare OpenVINO baseline for capi_benchmark\n"
           "Usage: %s --model PATH [--device CPU] [--hint LATENCY|THROUGHPUT|CUMULATIVE_THROUGHPUT|NONE]\n"
           "          [--hint_num_requests N] [--property KEY=VALUE]... [--nireq N] [--nstreams THREADS]\n"
           "          [--niter N] [--async [--handoff]] [--inflight N] [--warmup N] [--seed N] [--skip_outputs]\n",
           argv0);
}

int main(int argc, char **argv) {
    const char *model_path = NULL, *device = "CPU", *hint = "LATENCY", *mode = "INFERENCE_ONLY";
    const char *hint_num_requests = NULL;
    const char *props[64];
    int nprops = 0;
    uint64_t niter = 1000, nstreams = 1, nireq = 0;
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
        } else if ((v = opt_value(argc, argv, &i, "--model"))) model_path = v;
        else if ((v = opt_value(argc, argv, &i, "--device"))) device = v;
        else if ((v = opt_value(argc, argv, &i, "--hint_num_requests"))) hint_num_requests = v;
        else if ((v = opt_value(argc, argv, &i, "--hint"))) hint = v;
        else if ((v = opt_value(argc, argv, &i, "--property"))) {
            const char *eq = strchr(v, '=');
            if (!eq || nprops >= 60) {
                fprintf(stderr, "--property wants KEY=VALUE\n");
                return EX_USAGE_;
            }
            props[nprops++] = strndup(v, (size_t)(eq - v));
            props[nprops++] = eq + 1;
        } else if ((v = opt_value(argc, argv, &i, "--nireq"))) nireq = parse_u64("nireq", v);
        else if ((v = opt_value(argc, argv, &i, "--nstreams"))) nstreams = parse_u64("nstreams", v);
        else if ((v = opt_value(argc, argv, &i, "--niter"))) niter = parse_u64("niter", v);
        else if ((v = opt_value(argc, argv, &i, "--inflight"))) g_inflight = (int)parse_u64("inflight", v);
        else if ((v = opt_value(argc, argv, &i, "--warmup"))) g_warmup = parse_u64("warmup", v);
        else if ((v = opt_value(argc, argv, &i, "--seed"))) { g_seed = parse_u64("seed", v); have_seed = true; }
        else if ((v = opt_value(argc, argv, &i, "--mode"))) mode = v;
        else if (!strcmp(argv[i], "--async")) g_async = true;
        else if (!strcmp(argv[i], "--handoff")) g_handoff = true;
        else if (!strcmp(argv[i], "--skip_outputs")) g_skip_outputs = true;
        else {
            fprintf(stderr, "error parsing options: Option '%s' does not exist\n", argv[i]);
            return EX_USAGE_;
        }
    }
    if (g_handoff && !g_async) {
        fprintf(stderr, "--handoff needs --async\n");
        return EX_USAGE_;
    }
    if (!model_path) {
        fprintf(stderr, "--model is required\n");
        return EX_USAGE_;
    }
    if (strcmp(mode, "INFERENCE_ONLY") != 0) {
        fprintf(stderr, "bare_openvino supports --mode INFERENCE_ONLY only\n");
        return EX_USAGE_;
    }
    if (nstreams == 0 || nstreams > 4096 || g_inflight < 1 || g_inflight > 4096) {
        fprintf(stderr, "nstreams and inflight must be in 1..4096\n");
        return EX_USAGE_;
    }
    if (strcmp(hint, "NONE") != 0) {
        props[nprops++] = "PERFORMANCE_HINT";
        props[nprops++] = hint;
    }
    if (hint_num_requests) {
        props[nprops++] = "PERFORMANCE_HINT_NUM_REQUESTS";
        props[nprops++] = hint_num_requests;
    }
    printf("Mode requested: INFERENCE_ONLY%s\n", g_async ? " (async)" : "");

    ov_core_t *core = NULL;
    ov_model_t *model = NULL;
    die_ov(ov_core_create(&core), "ov_core_create");
    die_ov(ov_core_read_model(core, model_path, NULL, &model), "ov_core_read_model");
    /* ov_core_compile_model is variadic: pass the pairs explicitly (up to 8). */
    ov_status_e st;
    const char *p[16] = {0};
    if (nprops > 16) {
        fprintf(stderr, "at most 8 properties\n");
        return EX_USAGE_;
    }
    for (int i = 0; i < nprops; i++) p[i] = props[i];
    st = ov_core_compile_model(core, model, device, (size_t)nprops, &g_compiled, p[0], p[1], p[2], p[3], p[4], p[5],
                               p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13], p[14], p[15]);
    die_ov(st, "ov_core_compile_model");
    if (nireq == 0) {
        char *value = NULL;
        die_ov(ov_compiled_model_get_property(g_compiled, "OPTIMAL_NUMBER_OF_INFER_REQUESTS", &value),
               "get OPTIMAL_NUMBER_OF_INFER_REQUESTS");
        nireq = strtoull(value, NULL, 10);
        ov_free(value);
        if (nireq == 0) nireq = 1;
    }
    {
        char *streams = NULL;
        if (ov_compiled_model_get_property(g_compiled, "NUM_STREAMS", &streams) == OK) {
            printf("Compiled: hint %s, NUM_STREAMS %s, nireq %" PRIu64 "\n", hint, streams, nireq);
            ov_free(streams);
        }
    }
    printf("Server ready for inference\n");
    if (!have_seed) g_seed = default_seed();
    printf("Seed used to generate random values: %" PRIu64 "\n", g_seed);

    int threads = (int)nstreams;
    size_t per_thread = niter / nstreams;
    if (per_thread == 0) per_thread = 1;

    /* One slot to learn the input's size and type, and for a sanity inference. */
    slot probe = make_slot();
    ov_element_type_e type;
    die_ov(ov_tensor_get_byte_size(probe.input, &g_bytes), "ov_tensor_get_byte_size");
    die_ov(ov_tensor_get_element_type(probe.input, &type), "ov_tensor_get_element_type");
    g_is_f32 = type == F32;
    die_ov(ov_tensor_get_byte_size(probe.output, &g_out_bytes), "ov_tensor_get_byte_size");
    fill_random(probe.input_data, g_bytes, g_is_f32, g_seed);
    die_ov(ov_infer_request_infer(probe.request), "sanity inference");

    if (!g_async) {
        g_nslots = (int)nireq;
        g_slots = (slot *)calloc((size_t)g_nslots, sizeof(slot));
        g_free = (int *)calloc((size_t)g_nslots, sizeof(int));
        g_slots[0] = probe;
        for (int i = 1; i < g_nslots; i++) g_slots[i] = make_slot();
        for (int i = 0; i < g_nslots; i++) g_free[g_nfree++] = g_nslots - 1 - i;
    } else {
        free_slot(&probe);
        if ((uint64_t)threads * (uint64_t)g_inflight > nireq)
            fprintf(stderr, "note: %d threads x %d in flight > nireq %" PRIu64 ": one request per job\n", threads,
                    g_inflight, nireq);
    }

    size_t njobs_all = g_async ? (size_t)threads * (size_t)g_inflight : 0;
    pthread_t handoff_thread;
    uint32_t *handoff_ids = NULL;
    if (g_handoff) {
        g_jobs = (job **)calloc(njobs_all, sizeof(job *));
        handoff_ids = (uint32_t *)calloc(njobs_all + 1, sizeof(uint32_t));
        cq_init(&g_handoff_cq, njobs_all + 1);
        if (pthread_create(&handoff_thread, NULL, handoff_main, handoff_ids) != 0) {
            fprintf(stderr, "cannot create the hand-off thread\n");
            return EX_SOFTWARE_;
        }
    }
    start_gate gate;
    gate_init(&gate, threads);
    worker *workers = (worker *)calloc((size_t)threads, sizeof(worker));
    for (int t = 0; t < threads; t++) {
        worker *w = &workers[t];
        w->c.gate = &gate;
        w->c.quota = per_thread;
        samples_init(&w->c.latency, per_thread);
        w->data = malloc(g_bytes);
        w->out = malloc(g_out_bytes ? g_out_bytes : 1);
        fill_random(w->data, g_bytes, g_is_f32, g_seed + 1000003ull * (uint64_t)(t + 1));
        if (g_async) {
            w->njobs = g_inflight;
            w->jobs = (job *)calloc((size_t)g_inflight, sizeof(job));
            cq_init(&w->cq, (size_t)g_inflight);
            for (int k = 0; k < g_inflight; k++) {
                job *j = &w->jobs[k];
                j->w = w;
                j->index = (uint32_t)k;
                j->id = (uint32_t)(t * g_inflight + k);
                if (g_handoff) g_jobs[j->id] = j;
                j->s = make_slot();
                j->callback.callback_func = on_done;
                j->callback.args = j;
                die_ov(ov_infer_request_set_callback(j->s.request, &j->callback), "ov_infer_request_set_callback");
            }
        }
        if (pthread_create(&w->c.thread, NULL, worker_main, w) != 0) {
            fprintf(stderr, "cannot create thread %d\n", t);
            return EX_SOFTWARE_;
        }
    }
    bench_result result;
    run_workload(&gate, workers, sizeof(worker), threads, &result);
    print_result("bare", g_handoff ? "async_handoff_INFERENCE_ONLY" : g_async ? "async_INFERENCE_ONLY" : "sync_INFERENCE_ONLY", threads,
                 g_async ? g_inflight : 1, (int)nireq, &result);
    if (g_handoff) {
        cq_push(&g_handoff_cq, HANDOFF_STOP);
        pthread_join(handoff_thread, NULL);
        cq_destroy(&g_handoff_cq);
        free(handoff_ids);
        free(g_jobs);
    }

    for (int t = 0; t < threads; t++) {
        worker *w = &workers[t];
        for (int k = 0; k < w->njobs; k++) free_slot(&w->jobs[k].s);
        free(w->jobs);
        free(w->data);
        free(w->out);
        free(w->c.latency.ns);
    }
    for (int i = 0; i < g_nslots; i++) free_slot(&g_slots[i]);
    free(g_slots);
    free(g_free);
    free(workers);
    ov_compiled_model_free(g_compiled);
    ov_model_free(model);
    ov_core_free(core);
    printf("main() exit\n");
    return result.errors ? 2 : 0;
}
