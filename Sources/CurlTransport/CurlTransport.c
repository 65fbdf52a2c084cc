#include "CurlTransport.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

// The libcurl functions used, looked up in the library loaded at run time.
static struct {
    void *library;
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_perform)(CURL *);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    void (*easy_cleanup)(CURL *);
    void (*easy_reset)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    char error[200];
    int loaded;  // 1 loaded, -1 failed
} curl;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;

// The library is $ANNOT_LIBCURL when set (a libcurl outside the loader's search path),
// else the first of the usual names the loader finds.
static void load(void) {
    const char *chosen = getenv("ANNOT_LIBCURL");
    if (chosen && *chosen) {
        curl.library = dlopen(chosen, RTLD_NOW | RTLD_LOCAL);
        if (!curl.library) {
            snprintf(curl.error, sizeof curl.error, "cannot load libcurl from ANNOT_LIBCURL: %s", dlerror());
            curl.loaded = -1;
            return;
        }
    }
    const char *names[] = {"libcurl.so.4", "libcurl.so", "libcurl-gnutls.so.4"};
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !curl.library; i++) {
        curl.library = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    }
    if (!curl.library) {
        snprintf(curl.error, sizeof curl.error, "cannot load libcurl (install libcurl4): %s", dlerror());
        curl.loaded = -1;
        return;
    }
#define LOOKUP(field, symbol)                                                                              \
    do {                                                                                                   \
        *(void **)&curl.field = dlsym(curl.library, symbol);                                               \
        if (!curl.field) {                                                                                 \
            snprintf(curl.error, sizeof curl.error, "the libcurl found has no %s", symbol);                \
            curl.loaded = -1;                                                                              \
            return;                                                                                        \
        }                                                                                                  \
    } while (0)
    LOOKUP(global_init, "curl_global_init");
    LOOKUP(easy_init, "curl_easy_init");
    LOOKUP(easy_setopt, "curl_easy_setopt");
    LOOKUP(easy_perform, "curl_easy_perform");
    LOOKUP(easy_getinfo, "curl_easy_getinfo");
    LOOKUP(easy_cleanup, "curl_easy_cleanup");
    LOOKUP(easy_reset, "curl_easy_reset");
    LOOKUP(easy_strerror, "curl_easy_strerror");
    LOOKUP(slist_append, "curl_slist_append");
    LOOKUP(slist_free_all, "curl_slist_free_all");
#undef LOOKUP
    if (curl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(curl.error, sizeof curl.error, "libcurl failed to initialize");
        curl.loaded = -1;
        return;
    }
    curl.loaded = 1;
}

static int ct_load(char *error, size_t capacity) {
    pthread_once(&load_once, load);
    if (curl.loaded == 1) return 0;
    if (error && capacity) snprintf(error, capacity, "%s", curl.error);
    return -1;
}

typedef struct {
    unsigned char *data;
    size_t length, capacity, limit;
    int too_large;
} buffer;

static size_t collect(char *pointer, size_t size, size_t count, void *context) {
    buffer *b = context;
    size_t n = size * count;
    if (b->length + n > b->limit) {
        b->too_large = 1;
        return 0;  // makes libcurl stop with CURLE_WRITE_ERROR
    }
    if (b->length + n > b->capacity) {
        size_t capacity = b->capacity ? b->capacity : 64 * 1024;
        while (capacity < b->length + n) capacity *= 2;
        unsigned char *data = realloc(b->data, capacity);
        if (!data) return 0;
        b->data = data;
        b->capacity = capacity;
    }
    memcpy(b->data + b->length, pointer, n);
    b->length += n;
    return n;
}

static int classify(CURLcode code) {
    switch (code) {
    case CURLE_COULDNT_CONNECT: return CT_FAILURE_REFUSED;
    case CURLE_OPERATION_TIMEDOUT: return CT_FAILURE_TIMEOUT;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY: return CT_FAILURE_RESOLVE;
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE: return CT_FAILURE_CLOSED;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM: return CT_FAILURE_TLS;
    default: return CT_FAILURE_OTHER;
    }
}

// One libcurl handle, reused by every request of a session: libcurl keeps its connection
// (and TLS session) open between them. curl_easy_reset clears the options of the last
// request and keeps the connection.
struct ct_session {
    CURL *handle;
};

ct_session *ct_session_new(void) { return calloc(1, sizeof(ct_session)); }

void ct_session_free(ct_session *session) {
    if (!session) return;
    if (session->handle) curl.easy_cleanup(session->handle);
    free(session);
}

// The session's handle, reset, or a new one; NULL (with `out` filled) when libcurl cannot
// be loaded or make a handle.
static CURL *session_handle(ct_session *session, ct_response *out) {
    memset(out, 0, sizeof *out);
    if (ct_load(out->error, sizeof out->error) != 0) {
        out->failure = CT_FAILURE_UNAVAILABLE;
        return NULL;
    }
    CURL *handle = session ? session->handle : NULL;
    if (handle) {
        curl.easy_reset(handle);
    } else {
        handle = curl.easy_init();
        if (session) session->handle = handle;
    }
    if (!handle) {
        out->failure = CT_FAILURE_OTHER;
        snprintf(out->error, sizeof out->error, "libcurl could not make a request");
    }
    return handle;
}

void ct_request(ct_session *session, const char *url, const char *method, const char *const *headers,
                size_t header_count, const unsigned char *body, size_t body_length, long connect_timeout_ms,
                long timeout_ms, size_t max_body, ct_response *out) {
    CURL *handle = session_handle(session, out);
    if (!handle) return;
    struct curl_slist *list = NULL;
    for (size_t i = 0; i < header_count; i++) list = curl.slist_append(list, headers[i]);
    // No "Expect: 100-continue" round trip before a body.
    list = curl.slist_append(list, "Expect:");
    buffer received = {.limit = max_body};
    char message[CURL_ERROR_SIZE] = {0};

    curl.easy_setopt(handle, CURLOPT_URL, url);
    curl.easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl.easy_setopt(handle, CURLOPT_HTTPHEADER, list);
    curl.easy_setopt(handle, CURLOPT_ACCEPT_ENCODING, "gzip");  // and inflate what comes back
    curl.easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout_ms);
    curl.easy_setopt(handle, CURLOPT_TIMEOUT_MS, timeout_ms);
    // A server that stalls mid-reply: under 1 byte per second for 20 seconds ends the request.
    curl.easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl.easy_setopt(handle, CURLOPT_LOW_SPEED_TIME, 20L);
    curl.easy_setopt(handle, CURLOPT_WRITEFUNCTION, collect);
    curl.easy_setopt(handle, CURLOPT_WRITEDATA, &received);
    curl.easy_setopt(handle, CURLOPT_ERRORBUFFER, message);
    if (body) {
        curl.easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_length);
        curl.easy_setopt(handle, CURLOPT_POSTFIELDS, (const char *)body);
    }
    if (strcmp(method, body ? "POST" : "GET") != 0) curl.easy_setopt(handle, CURLOPT_CUSTOMREQUEST, method);

    CURLcode code = curl.easy_perform(handle);
    if (code == CURLE_OK) {
        curl.easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &out->status);
        out->body = received.data;
        out->body_length = received.length;
    } else {
        free(received.data);
        out->failure = received.too_large ? CT_FAILURE_TOO_LARGE : classify(code);
        snprintf(out->error, sizeof out->error, "%s", message[0] ? message : curl.easy_strerror(code));
    }
    curl.slist_free_all(list);
    if (!session) curl.easy_cleanup(handle);
}

typedef struct {
    CURL *handle;
    ct_sink sink;
    void *context;
    buffer error_body;
    int status_known, success, aborted;
} stream_state;

static size_t stream_piece(char *pointer, size_t size, size_t count, void *context) {
    stream_state *state = context;
    size_t n = size * count;
    if (!state->status_known) {
        long status = 0;
        curl.easy_getinfo(state->handle, CURLINFO_RESPONSE_CODE, &status);
        state->success = status >= 200 && status < 300;
        state->status_known = 1;
    }
    if (!state->success) return collect(pointer, size, count, &state->error_body);
    if (state->sink(state->context, (const unsigned char *)pointer, n) != 0) {
        state->aborted = 1;
        return 0;
    }
    return n;
}

void ct_stream(ct_session *session, const char *url, const char *const *headers, size_t header_count,
               long connect_timeout_ms, ct_sink sink, void *context, ct_response *out) {
    CURL *handle = session_handle(session, out);
    if (!handle) return;
    struct curl_slist *list = NULL;
    for (size_t i = 0; i < header_count; i++) list = curl.slist_append(list, headers[i]);
    stream_state state = {.handle = handle, .sink = sink, .context = context, .error_body = {.limit = 64 * 1024}};
    char message[CURL_ERROR_SIZE] = {0};
    curl.easy_setopt(handle, CURLOPT_URL, url);
    curl.easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl.easy_setopt(handle, CURLOPT_HTTPHEADER, list);
    curl.easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout_ms);
    curl.easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl.easy_setopt(handle, CURLOPT_LOW_SPEED_TIME, 60L);
    // Larger pieces than the default 16 KiB: fewer calls into the sink for a large body.
    curl.easy_setopt(handle, CURLOPT_BUFFERSIZE, 512L * 1024L);
    curl.easy_setopt(handle, CURLOPT_WRITEFUNCTION, stream_piece);
    curl.easy_setopt(handle, CURLOPT_WRITEDATA, &state);
    curl.easy_setopt(handle, CURLOPT_ERRORBUFFER, message);
    CURLcode code = curl.easy_perform(handle);
    curl.easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &out->status);
    if (code == CURLE_OK || (!state.success && state.status_known && !state.error_body.too_large)) {
        if (!state.success) {
            out->body = state.error_body.data;
            out->body_length = state.error_body.length;
            state.error_body.data = NULL;
        }
    } else {
        out->failure = state.aborted ? CT_FAILURE_ABORTED : classify(code);
        snprintf(out->error, sizeof out->error, "%s", message[0] ? message : curl.easy_strerror(code));
    }
    free(state.error_body.data);
    curl.slist_free_all(list);
    if (!session) curl.easy_cleanup(handle);
}

void ct_response_free(ct_response *response) {
    free(response->body);
    response->body = NULL;
    response->body_length = 0;
}

int ct_gzip(const unsigned char *input, size_t length, unsigned char **out, size_t *out_length) {
    if (length > 0xFFFFFFF0u) return -1;  // zlib counts in 32 bits
    z_stream stream;
    memset(&stream, 0, sizeof stream);
    // 15 window bits + 16: a gzip header and trailer rather than zlib's.
    if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return -1;
    uLong bound = deflateBound(&stream, (uLong)length);
    unsigned char *buffer = malloc(bound ? bound : 64);
    if (!buffer) {
        deflateEnd(&stream);
        return -1;
    }
    stream.next_in = (Bytef *)input;
    stream.avail_in = (uInt)length;
    stream.next_out = buffer;
    stream.avail_out = (uInt)bound;
    int result = deflate(&stream, Z_FINISH);
    size_t produced = stream.total_out;
    deflateEnd(&stream);
    if (result != Z_STREAM_END) {
        free(buffer);
        return -1;
    }
    *out = buffer;
    *out_length = produced;
    return 0;
}

void ct_free(void *pointer) { free(pointer); }
