#ifndef SSEBUF_PUBLISHAPI_H
#define SSEBUF_PUBLISHAPI_H

#include "accesspolicy.h"
#include "http/httpresponse.h"
#include "ndjsonpublishstream.h"
#include "streamappender.h"

#include <QMultiHash>
#include <QObject>

#include <memory>

namespace ssebuf {

class HttpExchange;
class PublishService;
class Router;
struct PublishOutcome;

// Contract sections 3, 10, 11 and 13 over HTTP: POST /api/sessions/{id}/events with one
// event object or a JSON array (a batch), an optional Idempotency-Key header, and
// POST /api/refactor/{id}/cancel. Both behind the publish check of the AccessPolicy. A body
// of Content-Type application/x-ndjson is a streaming publish (section 12, NdjsonPublishStream;
// also with PUT, as "curl -T -" sends it).
class PublishApi : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        int maxBatchEvents = 1000;
        int retryAfterSeconds = 5;
        qint64 maxLineBytes = 1048576; // streaming publish: the body limit, per line
        int publishIdleTimeoutMs = 300000;
    };

    PublishApi(PublishService *publisher, const AccessPolicy &access, const Options &options,
               QObject *parent = nullptr);

    void registerRoutes(Router &router);
    // The one-event publish of a keep-alive producer answered without an HttpExchange
    // (HttpFrontend's at-once lane): what POST /api/sessions/{id}/events answers, written to
    // *answer before this returns. False, with nothing done, when it cannot be answered so
    // (a store that answers later, or a streamed body): the request then goes the general way.
    bool publishAtOnce(const HttpRequest &request, const QString &sessionId, HttpResponse *answer);
    // Service shutdown: every open streaming publish is answered 503 (what it appended stays).
    void closeStreams();
    // The streaming publish gauge and line counter, for /metrics.
    const PublishStreamStats *publishStreamStats() const { return m_streamStats.get(); }

private:
    // Where an answer goes: the exchange, or the at-once lane's response.
    using Reply = std::function<void(const HttpResponse &)>;

    // The publish check; false when it answered the request with the error.
    bool allowed(const HttpRequest &request, const Reply &reply) const;
    static QByteArray seqAnswer(qint64 seq);
    void publish(HttpExchange &exchange, const QString &sessionId);
    // A body of JSON events (not a streamed one), after the publish check; mime: its media
    // type without parameters. context: the answer is dropped once it is gone; nullptr for
    // a store that answers at once (publishAtOnce()).
    void publishJson(const HttpRequest &request, QByteArrayView mime, const QString &sessionId,
                     QObject *context, Reply reply);
    // The answer to the store's outcome of a JSON publish.
    void answerOutcome(const Reply &reply, const PublishOutcome &outcome, bool isBatch);
    // The body's events; false when it answered the request with the error.
    bool decodeBody(const HttpRequest &request, const Reply &reply, bool *isBatch,
                    QList<PublishEvent> *events);
    void publishStream(HttpExchange &exchange, const QString &sessionId);
    void cancel(HttpExchange &exchange, const QString &sessionId);
    // The answer to everything but a success.
    void respondFailure(const Reply &reply, const PublishOutcome &outcome, bool isBatch);
    // The store's session signals go to the open streams of that session only: one
    // connection here instead of one per stream (each of which every session's end would
    // call, and a stream's disconnect would scan).
    void store_sessionEnded(const SessionSummary &summary);
    void store_sessionRemoved(const QString &sessionId, RemovalReason reason);

    PublishService *m_publisher;
    AccessPolicy m_access;
    Options m_options;
    StreamAppender m_streamAppender;
    // Shared with the open streams (children, deleted after this object's members).
    std::shared_ptr<PublishStreamStats> m_streamStats = std::make_shared<PublishStreamStats>();
    QMultiHash<QString, NdjsonPublishStream *> m_streamsBySession; // removed when destroyed
};

} // namespace ssebuf

#endif
