/* ssefloor: the system-call floor of issue 16 goal 2. A MEASURING INSTRUMENT, NOT A PRODUCT.
 *
 * A single-threaded, level-triggered epoll server on loopback that speaks just enough of
 * ssebufd's HTTP contract for `ssebench --target ssebuf --workload answers` (ndjson and
 * request publishing) and does, per event, only what no server can avoid: one recv(2) of
 * what the producer's connection holds, the lines found in it (chunked framing), and for
 * each line at once one send(2) of `id: N\ndata: <the line>\n\n` to each subscriber of the
 * session, plus their share of epoll_wait(2). No store, no JSON parsing, no validation, no
 * logging, no time-outs, no access rules, no limits beyond fixed buffer sizes.
 *
 *   ssefloor --listen 127.0.0.1:0   prints "listening on http://127.0.0.1:PORT" on stdout
 *                                   (other arguments are ignored, so ssebench --spawn works)
 *
 * Routes: POST /api/refactor (body discarded; 201 {"session_id": ...}),
 * GET /api/refactor/{id}/sse (200 text/event-stream, body until close, `retry: 3000`, the
 * session's backlog, then live; closed after the final event), POST
 * /api/sessions/{id}/events (Content-Length or chunked; every line is an event; the
 * answer when the body ends: {"seq": n} for application/json, {"first_seq", "last_seq",
 * "count", "duplicates"} otherwise), GET /healthz. Everything else: 404 and close.
 *
 * Shortcuts a product could not take: events are buffered only while a session has no
 * subscriber (at most 1 MiB; a subscriber that joins after another one got events misses
 * them); a line is an event if it is not empty (the data line is the line itself, not an
 * event JSON with seq and timestamp); the final event is the line containing "final":true.
 * SIGTERM and SIGINT end it with status 0. See tests/benchmarks/README.md.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

enum { RECV_SIZE = 256 * 1024, MAX_LINE = 1024 * 1024, MAX_HEAD = 64 * 1024 };
enum { MAX_BACKLOG = 1024 * 1024, MAX_SUBSCRIBERS = 16 };

enum State {
    HEAD, /* reading a request head */
    DISCARD, /* the body of POST /api/refactor */
    LENGTH_BODY, /* a publish body with Content-Length */
    CHUNK_SIZE, /* a chunked publish body: the size line */
    CHUNK_DATA,
    CHUNK_END, /* the CRLF after a chunk's data */
    TRAILER, /* after the last chunk, up to the empty line */
    SUBSCRIBER, /* an SSE stream; input is ignored */
    CLOSING /* a closing answer is being sent; input is ignored */
};

struct Session
{
    int subscribers[MAX_SUBSCRIBERS]; /* descriptors */
    int subscriberCount;
    int lastSeq;
    int ended;
    char *backlog; /* frames published while nobody was subscribed */
    size_t backlogSize, backlogCapacity;
};

struct Conn
{
    int fd;
    enum State state;
    char *rest; /* unconsumed input (a partial head or chunk-size line) */
    size_t restSize;
    char *line; /* a partial line of a publish body */
    size_t lineSize, lineCapacity;
    char *out; /* what send() did not take */
    size_t outSize, outCapacity;
    unsigned long long remaining; /* body or chunk bytes left */
    int session; /* index, or -1 */
    int firstSeq, count, singleEvent, closeAfterOut, watchingOut;
};

static struct Session *sessions;
static int sessionCount, sessionCapacity;
static struct Conn **conns; /* by descriptor */
static int connCapacity;
static int epollFd;
static volatile sig_atomic_t stopping;
static char recvBuffer[RECV_SIZE + MAX_HEAD];
static char frame[MAX_LINE + 64];

static void *grow(void *data, size_t *capacity, size_t needed)
{
    if (needed <= *capacity)
        return data;
    size_t size = *capacity ? *capacity : 256;
    while (size < needed)
        size *= 2;
    void *bigger = realloc(data, size);
    if (!bigger)
        abort();
    *capacity = size;
    return bigger;
}

static void closeConn(struct Conn *c)
{
    if (c->session >= 0 && c->state == SUBSCRIBER) {
        struct Session *s = &sessions[c->session];
        for (int i = 0; i < s->subscriberCount; ++i) {
            if (s->subscribers[i] == c->fd) {
                s->subscribers[i] = s->subscribers[--s->subscriberCount];
                break;
            }
        }
    }
    conns[c->fd] = NULL;
    close(c->fd); /* also leaves the epoll set */
    free(c->rest);
    free(c->line);
    free(c->out);
    free(c);
}

static void watchOut(struct Conn *c, int on)
{
    if (c->watchingOut == on)
        return;
    struct epoll_event event = {.events = EPOLLIN | (on ? EPOLLOUT : 0), .data.fd = c->fd};
    epoll_ctl(epollFd, EPOLL_CTL_MOD, c->fd, &event);
    c->watchingOut = on;
}

/* One send(); what it does not take waits for EPOLLOUT. Returns 0 when c was closed (as
 * every function here that takes a connection and returns int). */
static int sendTo(struct Conn *c, const char *data, size_t size)
{
    if (c->outSize == 0) {
        const ssize_t sent = send(c->fd, data, size, MSG_NOSIGNAL);
        if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            closeConn(c);
            return 0;
        }
        if (sent > 0) {
            data += sent;
            size -= (size_t)sent;
        }
        if (size == 0)
            return 1;
    }
    c->out = grow(c->out, &c->outCapacity, c->outSize + size);
    memcpy(c->out + c->outSize, data, size);
    c->outSize += size;
    watchOut(c, 1);
    return 1;
}

static int finishOrClose(struct Conn *c)
{
    if (c->outSize == 0) {
        closeConn(c);
        return 0;
    }
    c->closeAfterOut = 1;
    return 1;
}

static void flushOut(struct Conn *c)
{
    const ssize_t sent = send(c->fd, c->out, c->outSize, MSG_NOSIGNAL);
    if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        closeConn(c);
        return;
    }
    if (sent > 0) {
        memmove(c->out, c->out + sent, c->outSize - (size_t)sent);
        c->outSize -= (size_t)sent;
    }
    if (c->outSize == 0) {
        watchOut(c, 0);
        if (c->closeAfterOut)
            closeConn(c);
    }
}

static int answer(struct Conn *c, const char *status, const char *body, int closing)
{
    char text[512];
    const int size = snprintf(text, sizeof text,
                              "HTTP/1.1 %s\r\nContent-Type: application/json\r\n"
                              "Content-Length: %zu\r\n%s\r\n%s",
                              status, strlen(body), closing ? "Connection: close\r\n" : "", body);
    if (!sendTo(c, text, (size_t)size))
        return 0;
    if (!closing)
        return 1;
    c->state = CLOSING;
    return finishOrClose(c);
}

/* The session index in ".../session_00000000_000000_<32 hex>/...", or -1. */
static int sessionOf(const char *id, size_t size)
{
    static const char prefix[] = "session_00000000_000000_";
    if (size != sizeof prefix - 1 + 32 || memcmp(id, prefix, sizeof prefix - 1) != 0)
        return -1;
    char hex[9];
    memcpy(hex, id + sizeof prefix - 1 + 24, 8);
    hex[8] = 0;
    const long index = strtol(hex, NULL, 16);
    return index >= 0 && index < sessionCount ? (int)index : -1;
}

static void publish(struct Conn *c, const char *line, size_t size)
{
    if (size > 0 && line[size - 1] == '\r')
        --size;
    if (size == 0)
        return;
    struct Session *s = &sessions[c->session];
    if (s->ended)
        return; /* ssebufd answers 409; the instrument ignores the line */
    const int seq = ++s->lastSeq;
    if (c->count++ == 0)
        c->firstSeq = seq;
    int length = snprintf(frame, 32, "id: %d\ndata: ", seq);
    memcpy(frame + length, line, size);
    length += (int)size;
    frame[length++] = '\n';
    frame[length++] = '\n';
    s->ended = memmem(line, size, "\"final\":true", 12) != NULL
        || memmem(line, size, "\"final\": true", 13) != NULL;
    if (s->subscriberCount == 0 && s->backlogSize + (size_t)length <= MAX_BACKLOG) {
        s->backlog = grow(s->backlog, &s->backlogCapacity, s->backlogSize + (size_t)length);
        memcpy(s->backlog + s->backlogSize, frame, (size_t)length);
        s->backlogSize += (size_t)length;
    }
    for (int i = s->subscriberCount - 1; i >= 0; --i) {
        struct Conn *sub = conns[s->subscribers[i]];
        if (sendTo(sub, frame, (size_t)length) && s->ended)
            finishOrClose(sub);
    }
}

/* Splits body bytes into lines; a partial line waits in c->line. */
static int feedLines(struct Conn *c, const char *data, size_t size)
{
    while (size > 0) {
        const char *newline = memchr(data, '\n', size);
        const size_t take = newline ? (size_t)(newline - data) : size;
        if (c->lineSize + take > MAX_LINE)
            return answer(c, "413 Payload Too Large", "{\"error\":\"payload_too_large\"}", 1);
        if (!newline || c->lineSize > 0) {
            c->line = grow(c->line, &c->lineCapacity, c->lineSize + take);
            memcpy(c->line + c->lineSize, data, take);
            c->lineSize += take;
        }
        if (!newline)
            return 1;
        if (c->lineSize > 0) {
            publish(c, c->line, c->lineSize);
            c->lineSize = 0;
        } else {
            publish(c, data, take);
        }
        data += take + 1;
        size -= take + 1;
    }
    return 1;
}

static int bodyEnded(struct Conn *c)
{
    if (c->lineSize > 0) {
        publish(c, c->line, c->lineSize);
        c->lineSize = 0;
    }
    char body[160];
    if (c->singleEvent && c->count == 1)
        snprintf(body, sizeof body, "{\"seq\":%d}", c->firstSeq);
    else if (c->count > 0)
        snprintf(body, sizeof body,
                 "{\"first_seq\":%d,\"last_seq\":%d,\"count\":%d,\"duplicates\":0}", c->firstSeq,
                 c->firstSeq + c->count - 1, c->count);
    else
        snprintf(body, sizeof body,
                 "{\"first_seq\":null,\"last_seq\":null,\"count\":0,\"duplicates\":0}");
    c->state = HEAD;
    c->session = -1;
    return answer(c, "201 Created", body, 0);
}

static int startSession(struct Conn *c)
{
    if (sessionCount == sessionCapacity) {
        sessionCapacity = sessionCapacity ? sessionCapacity * 2 : 256;
        sessions = realloc(sessions, (size_t)sessionCapacity * sizeof *sessions);
        if (!sessions)
            abort();
    }
    memset(&sessions[sessionCount], 0, sizeof *sessions);
    char body[160];
    snprintf(body, sizeof body,
             "{\"session_id\":\"session_00000000_000000_%032x\",\"status\":\"started\"}",
             (unsigned)sessionCount++);
    c->state = HEAD;
    return answer(c, "201 Created", body, 0);
}

static int subscribe(struct Conn *c, int index)
{
    struct Session *s = &sessions[index];
    if (s->subscriberCount == MAX_SUBSCRIBERS)
        return answer(c, "503 Service Unavailable", "{\"error\":\"too_many_subscribers\"}", 1);
    static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                               "Cache-Control: no-cache\r\nX-Accel-Buffering: no\r\n"
                               "Connection: close\r\n\r\nretry: 3000\n\n";
    c->state = SUBSCRIBER;
    c->session = index;
    s->subscribers[s->subscriberCount++] = c->fd;
    char *bytes = malloc(sizeof head - 1 + s->backlogSize);
    memcpy(bytes, head, sizeof head - 1);
    if (s->backlogSize > 0)
        memcpy(bytes + sizeof head - 1, s->backlog, s->backlogSize);
    const int alive = sendTo(c, bytes, sizeof head - 1 + s->backlogSize);
    free(bytes);
    return alive && s->ended ? finishOrClose(c) : alive;
}

/* A header's value in a head whose lines end in CRLF (case-insensitive name), or NULL. */
static const char *header(const char *head, const char *name)
{
    const size_t size = strlen(name);
    for (const char *at = strstr(head, "\r\n"); at; at = strstr(at + 2, "\r\n")) {
        if (strncasecmp(at + 2, name, size) == 0 && at[2 + size] == ':') {
            const char *value = at + 3 + size;
            while (*value == ' ')
                ++value;
            return value;
        }
    }
    return NULL;
}

static int handleHead(struct Conn *c, char *head)
{
    char *space = strchr(head, ' ');
    char *path = space ? space + 1 : NULL;
    char *pathEnd = path ? strchr(path, ' ') : NULL;
    if (!pathEnd)
        return answer(c, "400 Bad Request", "{\"error\":\"bad_request\"}", 1);
    const int post = strncmp(head, "POST ", 5) == 0;
    const size_t pathSize = (size_t)(pathEnd - path);
    const char *length = header(head, "Content-Length");
    const char *encoding = header(head, "Transfer-Encoding");
    const char *type = header(head, "Content-Type");
    c->remaining = length ? strtoull(length, NULL, 10) : 0;
    static const char refactor[] = "/api/refactor/";
    static const char events[] = "/api/sessions/";
    if (post && pathSize == 13 && memcmp(path, "/api/refactor", 13) == 0) {
        c->state = DISCARD;
        return c->remaining == 0 ? startSession(c) : 1;
    }
    if (!post && pathSize > sizeof refactor + 3 && memcmp(path, refactor, sizeof refactor - 1) == 0
        && memcmp(pathEnd - 4, "/sse", 4) == 0) {
        const int index = sessionOf(path + sizeof refactor - 1, pathSize - sizeof refactor - 3);
        return index < 0 ? answer(c, "404 Not Found", "{\"error\":\"not_found\"}", 1)
                         : subscribe(c, index);
    }
    if (post && pathSize > sizeof events + 6 && memcmp(path, events, sizeof events - 1) == 0
        && memcmp(pathEnd - 7, "/events", 7) == 0) {
        c->session = sessionOf(path + sizeof events - 1, pathSize - sizeof events - 6);
        if (c->session < 0)
            return answer(c, "404 Not Found", "{\"error\":\"not_found\"}", 1);
        c->count = 0;
        c->lineSize = 0;
        c->singleEvent = type && strncasecmp(type, "application/json", 16) == 0;
        if (encoding && strncasecmp(encoding, "chunked", 7) == 0) {
            c->state = CHUNK_SIZE;
            return 1;
        }
        c->state = LENGTH_BODY;
        return c->remaining == 0 ? bodyEnded(c) : 1;
    }
    if (!post && pathSize == 8 && memcmp(path, "/healthz", 8) == 0)
        return answer(c, "200 OK", "{\"status\":\"ok\"}", 0);
    return answer(c, "404 Not Found", "{\"error\":\"not_found\"}", 1);
}

/* Consumes data; returns how much was used (the rest is an incomplete line), or -1 when c
 * was closed. */
static ssize_t consume(struct Conn *c, char *data, size_t size)
{
    size_t pos = 0;
    while (pos < size) {
        char *at = data + pos;
        const size_t left = size - pos;
        switch (c->state) {
        case HEAD: {
            char *end = memmem(at, left, "\r\n\r\n", 4);
            if (!end)
                return left > MAX_HEAD ? (closeConn(c), -1) : (ssize_t)pos;
            end[2] = 0; /* keeps the last header's CRLF for header() */
            pos += (size_t)(end - at) + 4;
            if (!handleHead(c, at))
                return -1;
            break;
        }
        case DISCARD: {
            const size_t take = c->remaining < left ? (size_t)c->remaining : left;
            pos += take;
            c->remaining -= take;
            if (c->remaining == 0 && !startSession(c))
                return -1;
            break;
        }
        case LENGTH_BODY:
        case CHUNK_DATA: {
            const size_t take = c->remaining < left ? (size_t)c->remaining : left;
            if (!feedLines(c, at, take))
                return -1;
            if (c->state == CLOSING)
                return (ssize_t)size;
            pos += take;
            c->remaining -= take;
            if (c->remaining == 0) {
                if (c->state == CHUNK_DATA)
                    c->state = CHUNK_END;
                else if (!bodyEnded(c))
                    return -1;
            }
            break;
        }
        case CHUNK_END:
        case CHUNK_SIZE:
        case TRAILER: {
            char *newline = memchr(at, '\n', left);
            if (!newline)
                return left > 1024 ? (closeConn(c), -1) : (ssize_t)pos;
            pos += (size_t)(newline - at) + 1;
            if (c->state == CHUNK_END) {
                c->state = CHUNK_SIZE;
            } else if (c->state == CHUNK_SIZE) {
                c->remaining = strtoull(at, NULL, 16);
                c->state = c->remaining == 0 ? TRAILER : CHUNK_DATA;
            } else if (newline == at || (newline == at + 1 && at[0] == '\r')) {
                if (!bodyEnded(c))
                    return -1;
            }
            break;
        }
        case SUBSCRIBER:
        case CLOSING:
            return (ssize_t)size;
        }
    }
    return (ssize_t)pos;
}

/* One recv() per readable event (level-triggered: whatever it left is reported again). */
static void readable(struct Conn *c)
{
    if (c->restSize > 0)
        memcpy(recvBuffer, c->rest, c->restSize);
    const ssize_t got = recv(c->fd, recvBuffer + c->restSize, RECV_SIZE, 0);
    if (got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        closeConn(c);
        return;
    }
    if (got < 0)
        return;
    const size_t size = c->restSize + (size_t)got;
    const ssize_t used = consume(c, recvBuffer, size);
    if (used < 0)
        return;
    c->restSize = size - (size_t)used;
    if (c->restSize > 0) {
        free(c->rest);
        c->rest = malloc(c->restSize);
        memcpy(c->rest, recvBuffer + used, c->restSize);
    }
}

static void accepted(int fd)
{
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (fd >= connCapacity) {
        const int old = connCapacity;
        size_t bytes = (size_t)old * sizeof *conns;
        conns = grow(conns, &bytes, (size_t)(fd + 1) * sizeof *conns);
        connCapacity = (int)(bytes / sizeof *conns);
        memset(conns + old, 0, (size_t)(connCapacity - old) * sizeof *conns);
    }
    struct Conn *c = calloc(1, sizeof *c);
    c->fd = fd;
    c->session = -1;
    conns[fd] = c;
    struct epoll_event event = {.events = EPOLLIN, .data.fd = fd};
    epoll_ctl(epollFd, EPOLL_CTL_ADD, fd, &event);
}

static void onSignal(int signal)
{
    (void)signal;
    stopping = 1;
}

int main(int argc, char **argv)
{
    const char *listenAt = "127.0.0.1:0";
    for (int i = 1; i + 1 < argc; ++i) {
        if (strcmp(argv[i], "--listen") == 0)
            listenAt = argv[++i];
    }
    char host[64];
    const char *colon = strrchr(listenAt, ':');
    if (!colon || (size_t)(colon - listenAt) >= sizeof host) {
        fprintf(stderr, "ssefloor: --listen HOST:PORT\n");
        return 2;
    }
    memcpy(host, listenAt, (size_t)(colon - listenAt));
    host[colon - listenAt] = 0;
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(atoi(colon + 1))};
    if (inet_pton(AF_INET, host, &address.sin_addr) != 1) {
        fprintf(stderr, "ssefloor: bad address %s\n", host);
        return 2;
    }
    struct rlimit files; /* as ssebufd: the soft descriptor limit raised to the hard one */
    if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;
        setrlimit(RLIMIT_NOFILE, &files);
    }
    const int server = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    const int one = 1;
    setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    socklen_t length = sizeof address;
    if (bind(server, (struct sockaddr *)&address, sizeof address) != 0 || listen(server, 4096) != 0
        || getsockname(server, (struct sockaddr *)&address, &length) != 0) {
        perror("ssefloor");
        return 1;
    }
    /* SIGTERM and SIGINT arrive only inside epoll_pwait, which then returns EINTR. */
    struct sigaction action = {.sa_handler = onSignal};
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);
    signal(SIGPIPE, SIG_IGN);
    sigset_t blocked, waiting;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGTERM);
    sigaddset(&blocked, SIGINT);
    sigprocmask(SIG_BLOCK, &blocked, &waiting);
    epollFd = epoll_create1(0);
    struct epoll_event listening = {.events = EPOLLIN, .data.fd = server};
    epoll_ctl(epollFd, EPOLL_CTL_ADD, server, &listening);
    printf("listening on http://%s:%d\n", host, ntohs(address.sin_port));
    fflush(stdout);

    struct epoll_event ready[512];
    while (!stopping) {
        const int count = epoll_pwait(epollFd, ready, 512, -1, &waiting);
        for (int i = 0; i < count; ++i) {
            const int fd = ready[i].data.fd;
            if (fd == server) {
                int client;
                while ((client = accept4(server, NULL, NULL, SOCK_NONBLOCK)) >= 0)
                    accepted(client);
                continue;
            }
            struct Conn *c = fd < connCapacity ? conns[fd] : NULL;
            if (c && (ready[i].events & EPOLLOUT))
                flushOut(c);
            c = fd < connCapacity ? conns[fd] : NULL; /* flushOut may have closed it */
            if (c && (ready[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
                readable(c);
        }
    }
    return 0;
}
