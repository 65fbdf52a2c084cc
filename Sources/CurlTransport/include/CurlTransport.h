#ifndef CURL_TRANSPORT_H
#define CURL_TRANSPORT_H

// HTTP for `annot sync` over the system's libcurl, loaded with dlopen the first time it
// is needed, so that the local commands (`annot tag`, `annot list`, …) start without
// loading libcurl and the dozens of libraries it depends on. Also gzip compression of
// request bodies with zlib.

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A response: the status and the (already inflated) body, or why there is none.
typedef struct {
    long status;            ///< The HTTP status, 0 when the request failed.
    unsigned char *body;    ///< malloc'ed; free with ct_response_free.
    size_t body_length;
    int failure;            ///< 0, or one of the CT_FAILURE_ values.
    char error[256];        ///< libcurl's message when failure != 0.
} ct_response;

enum {
    CT_FAILURE_NONE = 0,
    CT_FAILURE_REFUSED = 1,     ///< nothing listens there
    CT_FAILURE_TIMEOUT = 2,     ///< the connection or the whole request took too long
    CT_FAILURE_RESOLVE = 3,     ///< the host name does not resolve
    CT_FAILURE_CLOSED = 4,      ///< the server closed the connection or sent nothing
    CT_FAILURE_TOO_LARGE = 5,   ///< the reply exceeded max_body
    CT_FAILURE_TLS = 6,         ///< TLS handshake or certificate
    CT_FAILURE_OTHER = 7,
    CT_FAILURE_UNAVAILABLE = 8, ///< libcurl could not be loaded
    CT_FAILURE_ABORTED = 9,     ///< the sink of ct_stream asked to stop
};

/// Receives a piece of a streamed body; returns 0 to go on, anything else to stop.
typedef int (*ct_sink)(void *context, const unsigned char *data, size_t length);

/// A series of requests that share one connection (and one TLS session) while the server
/// keeps it open: make one per sync. Not for use by two threads at once.
typedef struct ct_session ct_session;

/// A new session (NULL only when out of memory). Free it with ct_session_free.
ct_session *ct_session_new(void);

/// Closes the session's connection and frees it. NULL is allowed.
void ct_session_free(ct_session *session);

/// Performs one request in `session` (NULL: on a connection of its own), loading libcurl
/// the first time. `headers` are complete "Name: value" lines. A NULL body with a GET
/// method sends none. Gzip replies are inflated. Always fills `out`; free it with
/// ct_response_free.
void ct_request(ct_session *session, const char *url, const char *method, const char *const *headers,
                size_t header_count, const unsigned char *body, size_t body_length, long connect_timeout_ms,
                long timeout_ms, size_t max_body, ct_response *out);

/// Performs a GET in `session` and hands the body of a 2xx answer to `sink` as it arrives
/// (nothing is kept in memory); another status's body (an error) is collected in `out`, up to
/// 64 KiB. No deadline on the whole transfer: it ends when less than 1 KiB arrives in 60 s.
/// Bodies are not asked compressed. Always fills `out`; free it with ct_response_free.
void ct_stream(ct_session *session, const char *url, const char *const *headers, size_t header_count,
               long connect_timeout_ms, ct_sink sink, void *context, ct_response *out);

void ct_response_free(ct_response *response);

/// Compresses `length` bytes as a gzip member. Returns 0 and a malloc'ed buffer in
/// `*out` (free with ct_free), or -1.
int ct_gzip(const unsigned char *input, size_t length, unsigned char **out, size_t *out_length);

void ct_free(void *pointer);

#ifdef __cplusplus
}
#endif

#endif
