#!/usr/bin/env python3
"""Streams an answer into an ssebuf session token by token over one NDJSON request.

Run ssebufd with --pipeline external (this script is the session's producer), then:

    stream_answer.py --base-url http://127.0.0.1:8000
    stream_answer.py --base-url http://127.0.0.1:8000 --drop-after 5    # retry, keys dedup
    stream_answer.py --base-url http://127.0.0.1:8000 --cancel-after 5  # the user pressed Stop

Each token is one event, sent when it is "generated" (--delay-ms apart); subscribers get it
at once. Every event has an idempotency key, so after a dropped connection the whole answer
is simply sent again: what the service already has is skipped and counted as duplicates.
"""

import argparse
import datetime
import json
import sys
import threading
import time

from ssebuf_producer import SsebufError, SsebufSession

ANSWER = (
    "Split the parser into a tokenizer and a recursive-descent parser, keep the public "
    "parse() function as a thin wrapper, and move the error messages into one table."
)


def answer_events(session_id, tokens, delay_s, sent_counter=None):
    """The events of one answer: a token event per word, then the final event. Keys are
    derived from the session and the position, so a retry produces the same keys."""
    for index, token in enumerate(tokens):
        if delay_s:
            time.sleep(delay_s)
        if sent_counter is not None:
            sent_counter.append(index)
        yield {
            "type": "token",
            "status": "running",
            "message": token,
            "progress": int(100 * index / len(tokens)),
            "data": {"index": index},
            "idempotency_key": "%s:token:%d" % (session_id, index),
        }
    yield {
        "type": "answer",
        "status": "completed",
        "message": "".join(tokens),
        "final": True,
        "idempotency_key": "%s:final" % session_id,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--token", help="bearer token (--publish-token-file or admin token)")
    parser.add_argument("--tokens", type=int, default=20, help="how many tokens to stream")
    parser.add_argument("--delay-ms", type=int, default=20, help="time between tokens")
    parser.add_argument("--drop-after", type=int, help="drop the connection after N events")
    parser.add_argument("--cancel-after", type=int, help="cancel the session after N events")
    args = parser.parse_args()

    words = ANSWER.split(" ")
    tokens = [(" " if i else "") + words[i % len(words)] for i in range(args.tokens)]
    delay = args.delay_ms / 1000.0
    session = SsebufSession(args.base_url, token=args.token)
    session_id = session.start("u1", "refactor the parser")
    print("started", session_id, flush=True)

    status = 0
    try:
        if args.drop_after is not None:
            try:
                session.stream(answer_events(session_id, tokens, delay), drop_after=args.drop_after)
            except ConnectionAbortedError:
                print("connection dropped after %d events; sending the answer again with the "
                      "same idempotency keys" % args.drop_after, flush=True)
            answer = session.stream(answer_events(session_id, tokens, 0))
            print("retry answered", json.dumps(answer, sort_keys=True), flush=True)
        elif args.cancel_after is not None:
            sent = []

            def press_stop():
                while len(sent) <= args.cancel_after:
                    time.sleep(0.005)
                print("cancel answered", json.dumps(session.cancel("user pressed Stop")),
                      flush=True)

            stopper = threading.Thread(target=press_stop)
            stopper.start()
            try:
                # Slow enough that the cancel lands while the stream is open.
                session.stream(answer_events(session_id, tokens, max(delay, 0.05), sent))
                print("the stream ended before the cancel", flush=True)
                status = 1
            except SsebufError as error:
                print("stream answered %d reason=%s" % (error.status, error.body.get("reason")),
                      flush=True)
            stopper.join()
        else:
            answer = session.stream(answer_events(session_id, tokens, delay))
            print("answered", json.dumps(answer, sort_keys=True), flush=True)
    except SsebufError as error:
        print("failed:", error, file=sys.stderr)
        return 1

    events = session.events()
    for event in events:
        print("event seq=%d type=%s status=%s message=%s"
              % (event["seq"], event["type"], event["status"], json.dumps(event["message"])))
    def appended_at(event):
        return datetime.datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00"))

    if events:
        # Appended one by one while the request was open, not all at its end.
        spread = appended_at(events[-1]) - appended_at(events[0])
        print("first event appended %d ms before the last" % (spread.total_seconds() * 1000))
    seqs = [event["seq"] for event in events]
    indexes = [event["data"]["index"] for event in events if event["type"] == "token"]
    print("delivered %d events, seqs in order without gaps: %s, each token once: %s, final: %s"
          % (len(events), seqs == list(range(1, len(events) + 1)),
             indexes == list(range(len(indexes))), events[-1]["type"] if events else None))
    return status


if __name__ == "__main__":
    sys.exit(main())
