#!/usr/bin/env python3
"""Example producer for ssebufd's exec pipeline.

Run with:  ssebufd --pipeline 'exec:python3 resources/producers/example_producer.py'

Protocol (docs/exec-pipeline.md):
- stdin: one JSON object, the POST /api/refactor request plus "session_id"
  (github_credentials only when ssebufd runs with --exec-pass-credentials true),
  then end of file;
- stdout: one JSON event per line: {"type", "status", "message", optional "stage",
  "progress" (0..100), "data", "final"}; ssebufd adds seq, session_id and timestamp;
- a line that is not a valid event becomes an "error" event of the session;
- the last event has "status" "completed" or "failed" (then "final" is true); if the
  process exits 0 without one, ssebufd ends the session "completed", any other exit
  ends it "failed" with the tail of stderr;
- a process silent for --exec-timeout seconds is killed and the session fails.

A real AI backend replaces the simulated steps with its own work and prints an event
whenever it has something to tell the client. Flush after every line.
"""
import json
import sys
import time

GREETINGS = ("hello", "hi", "hey", "good morning", "good evening", "thanks")


def emit(**event):
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def pace(value, default=0.2):
    """Seconds between steps, from a client-supplied field: never trust it blindly."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return default
    return min(max(seconds, 0.0), 5.0) if seconds == seconds else default


def main():
    request = json.load(sys.stdin)
    prompt = request.get("user_prompt", "").strip()
    step = pace(request.get("step_seconds"))
    if prompt.lower().startswith(GREETINGS):
        emit(type="greeting", status="completed", final=True,
             message="Hello %s! Ask me to refactor something." % request.get("user_id", ""))
        return 0
    stages = [("analyzing", 20, "Reading the code"),
              ("planning", 40, "Planning the changes"),
              ("refactoring", 70, "Rewriting functions"),
              ("testing", 90, "Running the tests")]
    for stage, progress, message in stages:
        emit(type="progress", status="running", stage=stage, progress=progress,
             message=message)
        time.sleep(step)
    emit(type="result", status="completed", final=True, stage="done", progress=100,
         message="Refactoring finished", data={"prompt_chars": len(prompt)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
