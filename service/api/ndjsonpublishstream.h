#ifndef SSEBUF_NDJSONPUBLISHSTREAM_H
#define SSEBUF_NDJSONPUBLISHSTREAM_H

#include "ndjsonlinesplitter.h"
#include "streamappender.h"

#include "http/httpresponse.h"
#include "sessionsummary.h"
#include "store/sessionstore.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <memory>
#include <optional>

namespace ssebuf {

class HttpExchange;
class StreamedRequestBody;

// Counters of the streaming publishes, read by /metrics.
struct PublishStreamStats
{
    int open = 0; // streams between their head and their answer (or the client's leaving)
    qint64 lines = 0; // non-empty lines read from streams
};

// Contract section 12: one POST /api/sessions/{id}/events with Content-Type
// application/x-ndjson, one event object per line, each appended as soon as its line is
// complete while the request is still open. The lines of one read pass are appended
// together (one store call; their events go to each subscriber in one write). The first bad
// line stops the stream: it is answered (413 too long, 422 invalid, 409 after the final
// event) and the connection closes; lines before it stay appended. The session ending under
// the stream (another producer's final event, a cancel, a DELETE) is answered 409 at once;
// silence for the idle timeout 408. The end of the body: 201 with what was appended.
//
// Deletes itself when it is done (answered, or the client left, and nothing in flight).
class NdjsonPublishStream : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        qint64 maxLineBytes = 1048576; // the body limit, per line
        int idleTimeoutMs = 300000;
        int retryAfterSeconds = 5; // of a 503
        int maxBatchEvents = 1000; // events in one append, at most
    };

    NdjsonPublishStream(HttpExchange &exchange, const QString &sessionId, SessionStore *store,
                        StreamAppender *appender, const Options &options,
                        std::shared_ptr<PublishStreamStats> stats, QObject *parent = nullptr);
    ~NdjsonPublishStream() override;

    // Checks that the session exists and is running, then reads the body.
    void start();
    // Answers 503 now (the service stops); the lines appended so far stay.
    void stopForShutdown();
    // The store's news of this stream's session (PublishApi passes it on to the streams of
    // the session); heeded once the stream has begun.
    void sessionEnded(const SessionSummary &summary);
    void sessionRemoved(RemovalReason reason);

private:
    // A line that stops the stream, answered once what was before it is appended.
    struct LineFailure
    {
        int status = 422;
        QString code;
        QString message;
        QString field;
        int line = 0;
    };

    void begin(const SessionSummary &summary);
    void body_dataReceived(const QByteArray &bytes);
    void body_ended();
    void body_gone();
    void idleTimer_timeout();

    void takeLines(const QByteArray &bytes, bool endOfBody);
    void pump();
    void submit(QList<StreamAppender::Item> items, QList<int> lines,
                std::optional<LineFailure> then);
    void endedUnderStream(const QString &reason);
    void answerShutdown();
    QJsonObject progressJson() const;
    // With what the stream appended so far (those events stay).
    HttpResponse lineError(const LineFailure &failure) const;
    HttpResponse lineError(int status, const QString &code, const QString &message,
                           const QString &field, int line) const;
    void answer(const HttpResponse &response);
    void finishIfIdle();

    QPointer<HttpExchange> m_exchange;
    QPointer<StreamedRequestBody> m_body;
    QString m_sessionId;
    SessionStore *m_store;
    StreamAppender *m_appender;
    Options m_options;
    std::shared_ptr<PublishStreamStats> m_stats;
    QTimer m_idleTimer;
    QElapsedTimer m_lastActivity; // the last line handled (the body stamps the last byte)
    NdjsonLineSplitter m_lines;
    QList<NdjsonLineSplitter::Line> m_queue; // complete lines not appended yet
    bool m_inFlight = false;
    bool m_begun = false; // the session was found: its end and removal matter
    bool m_bodyEnded = false;
    bool m_stopped = false; // a bad line or an end: nothing more is read
    bool m_answered = false;
    bool m_clientGone = false;
    bool m_finalAppended = false; // this stream appended the session's terminal event
    bool m_finalQueued = false; // a final event is on its way (in flight)
    bool m_endedBeforeStart = false;
    bool m_shuttingDown = false;
    std::optional<QString> m_endedUnder; // the session ended while a batch was in flight
    qint64 m_firstSeq = 0;
    qint64 m_lastSeq = 0;
    int m_count = 0;
    int m_duplicates = 0;
};

} // namespace ssebuf

#endif
