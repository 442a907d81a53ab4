package com.example.ssebuf;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client of ssebufd's HTTP contract using only the JDK's {@link HttpClient}: start a
 * session, then stream its events — however late — resuming with {@code Last-Event-ID}
 * after a lost connection and stopping on the terminal event.
 *
 * Thread-safe; share one instance, as with Spring's WebClient.
 */
public final class SsebufClient {

    /** The answer to {@code POST /api/refactor}. */
    public record StartedSession(String sessionId, String sseUrl, String createdAt) {
    }

    /** How a stream ended: the terminal event's status, the last seq seen, connections used. */
    public record StreamResult(String status, long lastSeq, int connections) {
    }

    /** Receives a session's events, in order, each exactly once. */
    public interface Listener {
        void onEvent(ProgressUpdate update);

        /** Called before each reconnection; {@code lastEventId} is sent as Last-Event-ID. */
        default void onReconnect(long lastEventId, String reason) {
        }
    }

    /** An HTTP answer the client cannot continue from, such as 404 for an expired session. */
    public static final class SsebufException extends IOException {
        private static final long serialVersionUID = 1L;
        private final int statusCode;

        SsebufException(int statusCode, String message) {
            super(message);
            this.statusCode = statusCode;
        }

        public int statusCode() {
            return statusCode;
        }
    }

    private final URI baseUrl;
    private final HttpClient http;
    private final Duration idleTimeout;
    private final int maxReconnects;
    private final ScheduledExecutorService watchdog;

    /**
     * @param baseUrl       where ssebufd (or the proxy before it) listens, e.g. http://127.0.0.1:8000
     * @param idleTimeout   reconnect when nothing, not even a keep-alive comment, arrived for
     *                      this long; keep it above ssebufd's --keepalive (15 s by default)
     * @param maxReconnects reconnections allowed per stream() call before giving up
     */
    public SsebufClient(URI baseUrl, Duration idleTimeout, int maxReconnects) {
        this.baseUrl = baseUrl;
        this.idleTimeout = idleTimeout;
        this.maxReconnects = maxReconnects;
        // HTTP/1.1: an event stream is one long response; no h2c upgrade attempt.
        this.http = HttpClient.newBuilder()
                            .version(HttpClient.Version.HTTP_1_1)
                            .connectTimeout(Duration.ofSeconds(5))
                            .build();
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ssebuf-stream-watchdog");
            t.setDaemon(true);
            return t;
        });
    }

    public SsebufClient(URI baseUrl) {
        this(baseUrl, Duration.ofSeconds(45), 5);
    }

    /** Starts a session; its pipeline runs at once and its events are buffered. */
    public StartedSession start(String userId, String prompt)
            throws IOException, InterruptedException {
        String body = "{\"user_id\": " + Json.quote(userId) + ", \"user_prompt\": "
                + Json.quote(prompt) + ", \"mode\": \"autonomous\"}";
        HttpRequest request = HttpRequest.newBuilder(baseUrl.resolve("/api/refactor"))
                                      .timeout(Duration.ofSeconds(10))
                                      .header("Content-Type", "application/json")
                                      .POST(HttpRequest.BodyPublishers.ofString(body))
                                      .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 201)
            throw new SsebufException(response.statusCode(),
                    "POST /api/refactor answered " + response.statusCode() + ": " + response.body());
        Map<String, Object> json = Json.parseObject(response.body());
        return new StartedSession((String) json.get("session_id"), (String) json.get("sse_url"),
                (String) json.get("created_at"));
    }

    /**
     * Cancels a running session (the user pressed Stop): ssebufd appends the terminal event
     * {@code {"type": "cancelled", "status": "failed", "final": true, "message": reason}},
     * every open stream delivers it and ends, and the session's producer is stopped.
     *
     * @param reason at most 256 characters, shown as the terminal event's message; null for
     *               the default "cancelled"
     * @return the seq of the terminal event
     * @throws SsebufException 409 when the session had already ended, 404 when unknown
     */
    public long cancel(String sessionId, String reason) throws IOException, InterruptedException {
        String body = reason == null ? "" : "{\"reason\": " + Json.quote(reason) + "}";
        HttpRequest request =
                HttpRequest.newBuilder(baseUrl.resolve("/api/refactor/" + sessionId + "/cancel"))
                        .timeout(Duration.ofSeconds(10))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200)
            throw new SsebufException(response.statusCode(),
                    "cancel answered " + response.statusCode() + ": " + response.body());
        return ((Number) Json.parseObject(response.body()).get("seq")).longValue();
    }

    /** Streams a session from its first buffered event until its terminal event. */
    public StreamResult stream(String sessionId, Listener listener)
            throws IOException, InterruptedException {
        return stream(sessionId, 0, listener, 0);
    }

    /**
     * Streams the events after {@code lastEventId} (0: from the start) until the terminal
     * event, reconnecting with Last-Event-ID whenever the connection is lost.
     *
     * @param closeFirstAfter close the first connection after this many events (0: never);
     *                        only to demonstrate a resume
     */
    public StreamResult stream(String sessionId, long lastEventId, Listener listener,
            int closeFirstAfter) throws IOException, InterruptedException {
        URI uri = baseUrl.resolve("/api/refactor/" + sessionId + "/sse");
        AtomicLong lastSeq = new AtomicLong(lastEventId);
        // The server's "retry:" field updates it; 3000 ms is the contract's default.
        AtomicLong retryMs = new AtomicLong(3000);
        IOException lastError = null;
        for (int connection = 1; connection <= maxReconnects + 1; connection++) {
            if (connection > 1) {
                listener.onReconnect(lastSeq.get(),
                        lastError != null ? lastError.getMessage() : "connection closed");
                if (lastError != null)
                    Thread.sleep(Math.min(retryMs.get(), 10_000));
            }
            lastError = null;
            HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                                                  .timeout(Duration.ofSeconds(10))
                                                  .header("Accept", "text/event-stream")
                                                  .GET();
            if (lastSeq.get() > 0)
                request.header("Last-Event-ID", Long.toString(lastSeq.get()));
            HttpResponse<InputStream> response;
            try {
                response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                lastError = e;
                continue;
            }
            int status = response.statusCode();
            if (status == 204) {
                // Nothing after our id and the session has ended: we already have it all.
                response.body().close();
                return new StreamResult("finished", lastSeq.get(), connection);
            }
            if (status != 200) {
                String text = new String(response.body().readAllBytes(), StandardCharsets.UTF_8);
                if (status >= 500) {
                    lastError = new SsebufException(status, "stream answered " + status);
                    continue;
                }
                throw new SsebufException(status, "stream answered " + status + ": " + text);
            }
            int limit = connection == 1 ? closeFirstAfter : 0;
            try {
                Terminal terminal = read(response.body(), lastSeq, retryMs, listener, limit);
                if (terminal != null)
                    return new StreamResult(terminal.status, lastSeq.get(), connection);
                // A deliberate close (limit) resumes at once; a lost stream backs off first.
                if (limit == 0)
                    lastError = new IOException("stream ended before the terminal event");
            } catch (IOException e) {
                lastError = e;
            }
        }
        throw new IOException("gave up after " + (maxReconnects + 1) + " connections", lastError);
    }

    private record Terminal(String status) {
    }

    /** Reads one connection's events; null when it ended (or was closed) before the terminal one. */
    private Terminal read(InputStream body, AtomicLong lastSeq, AtomicLong retryMs,
            Listener listener, int limit) throws IOException {
        AtomicLong lastActivity = new AtomicLong(System.nanoTime());
        ScheduledFuture<?> idleCheck = watchdog.scheduleAtFixedRate(() -> {
            if (System.nanoTime() - lastActivity.get() > idleTimeout.toNanos()) {
                try {
                    body.close();
                } catch (IOException ignored) {
                    // The reader sees the closed stream and reconnects.
                }
            }
        }, 1, 1, TimeUnit.SECONDS);
        int received = 0;
        try (BufferedReader reader =
                        new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String id = null;
            StringBuilder data = new StringBuilder();
            String line;
            while ((line = reader.readLine()) != null) {
                lastActivity.set(System.nanoTime());
                if (line.isEmpty()) {
                    if (data.length() > 0) {
                        ProgressUpdate update = ProgressUpdate.fromJson(data.toString());
                        // Skip anything at or before what we have: each event exactly once.
                        if (update.isGap() || update.seq() > lastSeq.get()) {
                            listener.onEvent(update);
                            if (id != null)
                                lastSeq.set(Long.parseLong(id.trim()));
                            received++;
                        }
                        if (update.isTerminal())
                            return new Terminal(update.status());
                        if (limit > 0 && received >= limit)
                            return null;
                    }
                    id = null;
                    data.setLength(0);
                } else if (line.startsWith(":")) {
                    // A comment, such as ": keepalive": only proves the connection is alive.
                } else {
                    int colon = line.indexOf(':');
                    String field = colon < 0 ? line : line.substring(0, colon);
                    String value = colon < 0 ? "" : line.substring(colon + 1);
                    if (value.startsWith(" "))
                        value = value.substring(1);
                    switch (field) {
                    case "id" -> id = value;
                    case "data" -> {
                        if (data.length() > 0)
                            data.append('\n');
                        data.append(value);
                    }
                    case "retry" -> {
                        if (value.matches("[0-9]{1,9}"))
                            retryMs.set(Long.parseLong(value));
                    }
                    default -> {
                        // Unknown fields are ignored, as the SSE specification says.
                    }
                    }
                }
            }
            return null;
        } finally {
            idleCheck.cancel(false);
        }
    }
}
