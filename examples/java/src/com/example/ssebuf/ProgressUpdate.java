package com.example.ssebuf;

import java.util.Map;

/**
 * One event of a session, as ssebufd streams it (contract section 2). {@code seq} is the
 * SSE id; a gap marker (events evicted before the client came) has {@code seq == 0} and
 * {@code type == "gap"}.
 */
record ProgressUpdate(long seq, String type, String status, String message, String stage,
        Integer progress, boolean finalEvent, Map<String, Object> json) {

    static ProgressUpdate fromJson(String data) {
        Map<String, Object> json = Json.parseObject(data);
        Object progress = json.get("progress");
        return new ProgressUpdate(json.get("seq") instanceof Number n ? n.longValue() : 0,
                (String) json.get("type"), (String) json.get("status"),
                (String) json.get("message"), (String) json.get("stage"),
                progress instanceof Number p ? p.intValue() : null,
                Boolean.TRUE.equals(json.get("final")), json);
    }

    boolean isTerminal() {
        return finalEvent;
    }

    boolean isGap() {
        return "gap".equals(type);
    }
}
