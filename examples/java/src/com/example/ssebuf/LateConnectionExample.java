package com.example.ssebuf;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The flow of a Spring backend's ChatController, without Spring: start the job, save the
 * conversation to the database, and only then stream the job's progress, storing each
 * update. The greeting to "hello" is produced within 300 ms, long before the slow database
 * write ends; ssebufd buffered it, so the late stream still delivers it.
 *
 * <pre>
 * java -cp CLASSES com.example.ssebuf.LateConnectionExample [--base-url URL] [--prompt TEXT]
 *      [--user ID] [--db-delay-ms MS] [--drop-after N] [--cancel-after N] [--timeout-s S]
 * </pre>
 * --drop-after N closes the first connection after N events to show a resume with
 * Last-Event-ID. --cancel-after N cancels the session after N events, as a Stop button
 * would: the stream then ends with the service's "cancelled" event. Exit status 0 when the
 * session completed (or, with --cancel-after, was cancelled) and every event arrived once.
 */
public final class LateConnectionExample {

    /** Stands in for the JPA repository of the backend (MySQL in the user story). */
    static final class ConversationRepository {
        record Conversation(long id, String userId, String message, String sessionId) {
        }

        private final AtomicLong ids = new AtomicLong();
        private final Map<Long, Conversation> conversations = new ConcurrentHashMap<>();
        private final Map<Long, List<ProgressUpdate>> updates = new ConcurrentHashMap<>();
        private final long saveDelayMs;

        ConversationRepository(long saveDelayMs) {
            this.saveDelayMs = saveDelayMs;
        }

        Conversation save(String userId, String message, String sessionId)
                throws InterruptedException {
            // The slow write that makes the stream connect late.
            Thread.sleep(saveDelayMs);
            Conversation c = new Conversation(ids.incrementAndGet(), userId, message, sessionId);
            conversations.put(c.id(), c);
            updates.put(c.id(), new CopyOnWriteArrayList<>());
            return c;
        }

        void saveProgressUpdate(long conversationId, ProgressUpdate update) {
            updates.get(conversationId).add(update);
        }

        List<ProgressUpdate> progressUpdates(long conversationId) {
            return updates.get(conversationId);
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = parseOptions(args);
        String baseUrl = options.getOrDefault("base-url",
                System.getenv().getOrDefault("SSEBUF_URL", "http://127.0.0.1:8000"));
        String prompt = options.getOrDefault("prompt", "hello");
        String user = options.getOrDefault("user", "demo_user");
        long dbDelayMs = Long.parseLong(options.getOrDefault("db-delay-ms", "2000"));
        int dropAfter = Integer.parseInt(options.getOrDefault("drop-after", "0"));
        int cancelAfter = Integer.parseInt(options.getOrDefault("cancel-after", "0"));
        long timeoutS = Long.parseLong(options.getOrDefault("timeout-s", "60"));

        SsebufClient client = new SsebufClient(URI.create(baseUrl), Duration.ofSeconds(45), 5);
        ConversationRepository repository = new ConversationRepository(dbDelayMs);
        ExecutorService streams = Executors.newCachedThreadPool();
        try {
            // 1. Start the job.
            long t0 = System.nanoTime();
            SsebufClient.StartedSession session = client.start(user, prompt);
            System.out.println("started " + session.sessionId());

            // 2. Save the conversation first; meanwhile ssebufd buffers the job's events.
            ConversationRepository.Conversation conversation =
                    repository.save(user, prompt, session.sessionId());
            System.out.println("saved conversation " + conversation.id() + ", connecting "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms after start");

            // 3. Stream in the background, storing every update (a controller would return
            // its response here without waiting).
            CompletableFuture<SsebufClient.StreamResult> streaming = CompletableFuture.supplyAsync(
                    () -> {
                        try {
                            return client.stream(session.sessionId(), 0,
                                    new SsebufClient.Listener() {
                                        private int received;

                                        @Override
                                        public void onEvent(ProgressUpdate update) {
                                            repository.saveProgressUpdate(conversation.id(), update);
                                            System.out.println(describe(update));
                                            if (++received == cancelAfter)
                                                stop(client, session.sessionId());
                                        }

                                        @Override
                                        public void onReconnect(long lastEventId, String reason) {
                                            System.out.println("reconnecting with Last-Event-ID: "
                                                    + lastEventId + " (" + reason + ")");
                                        }
                                    },
                                    dropAfter);
                        } catch (Exception e) {
                            throw new IllegalStateException(e.getMessage(), e);
                        }
                    },
                    streams);

            // 4. For the example: wait, bounded, and report what the database holds.
            SsebufClient.StreamResult result = streaming.get(timeoutS, TimeUnit.SECONDS);
            List<ProgressUpdate> stored = repository.progressUpdates(conversation.id());
            boolean inOrder = true;
            for (int i = 0; i < stored.size(); i++)
                inOrder &= stored.get(i).seq() == i + 1;
            System.out.println("finished status=" + result.status() + " last_seq=" + result.lastSeq()
                    + " stored=" + stored.size() + " connections=" + result.connections()
                    + " in_order=" + inOrder);
            boolean ended;
            if (cancelAfter > 0) {
                // The stream ended with the service's terminal event, and a second Stop is
                // refused: the session has ended.
                ProgressUpdate last = stored.get(stored.size() - 1);
                ended = "failed".equals(result.status()) && "cancelled".equals(last.type());
                try {
                    client.cancel(session.sessionId(), null);
                    ended = false;
                } catch (SsebufClient.SsebufException e) {
                    System.out.println("second cancel answered " + e.statusCode());
                }
            } else {
                ended = "completed".equals(result.status());
            }
            System.exit(ended && inOrder ? 0 : 1);
        } finally {
            streams.shutdownNow();
        }
    }

    /** What a Stop button's handler does. */
    static void stop(SsebufClient client, String sessionId) {
        try {
            long seq = client.cancel(sessionId, "the user pressed Stop");
            System.out.println("cancelled, terminal event seq=" + seq);
        } catch (Exception e) {
            System.out.println("cancel failed: " + e.getMessage());
        }
    }

    static String describe(ProgressUpdate u) {
        StringBuilder s = new StringBuilder("event seq=").append(u.seq())
                                  .append(" type=").append(u.type())
                                  .append(" status=").append(u.status());
        if (u.stage() != null)
            s.append(" stage=").append(u.stage());
        if (u.progress() != null)
            s.append(" progress=").append(u.progress());
        s.append(" final=").append(u.isTerminal());
        s.append(" message=").append(u.message());
        return s.toString();
    }

    private static Map<String, String> parseOptions(String[] args) {
        Map<String, String> options = new ConcurrentHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length)
                throw new IllegalArgumentException("usage: --name value ...; got " + args[i]);
            options.put(args[i].substring(2), args[++i]);
        }
        return options;
    }
}
