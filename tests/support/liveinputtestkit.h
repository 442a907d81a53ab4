#ifndef SSEBUF_TEST_LIVEINPUTTESTKIT_H
#define SSEBUF_TEST_LIVEINPUTTESTKIT_H

// The test kit's measure of live traffic (header only, namespace testkit): what instances
// read on their Redis pub/sub connections while a session carries events (contract
// section 17: an instance receives only the sessions it streams).

#include "httptestclient.h"
#include "metricsexposition.h"
#include "rawsseclient.h"
#include "serviceprocess.h"
#include "sessiontestkit.h"

#include <QDebug>
#include <QTest>

namespace testkit {

// ssebuf_redis_subscriber_bytes_total of the instance; -1 when /metrics has none.
inline qint64 subscriberBytes(HttpTestClient &http, const ServiceProcess &service)
{
    const Exposition metrics
        = parseExposition(http.get(service.url(QStringLiteral("/metrics"))).body);
    return qint64(metrics.samples.value(QStringLiteral("ssebuf_redis_subscriber_bytes_total"), -1));
}

struct LiveInput
{
    qint64 streaming = -1; // bytes the instance of the stream read meanwhile
    qint64 idle = -1; // bytes the other instance read meanwhile
    qint64 frameBytes = 0; // the events' average SSE frame
};

// Publishes events of about 300 bytes as SSE frames through publisher into the session,
// which stream (a client of streaming, already live) follows, and measures what streaming
// and idle read from Redis meanwhile. The session must hold firstSeq - 1 events so far.
// False when a publish or the stream fails.
inline bool measureLiveInput(HttpTestClient &http, ServiceProcess &publisher,
                             ServiceProcess &streaming, ServiceProcess &idle, RawSseClient &stream,
                             const QString &sessionId, qint64 firstSeq, int events,
                             LiveInput *input)
{
    const QString padding(240, QLatin1Char('x'));
    const qint64 streamingBefore = subscriberBytes(http, streaming);
    const qint64 idleBefore = subscriberBytes(http, idle);
    const qsizetype bodyBefore = stream.rawBody().size();
    if (streamingBefore < 0 || idleBefore < 0)
        return false;
    for (qint64 seq = firstSeq; seq < firstSeq + events; ++seq) {
        if (publishSeq(http, publisher, sessionId, messageEvent(padding)) != seq)
            return false;
    }
    if (!QTest::qWaitFor([&] { return stream.sequence().size() == firstSeq + events - 1; }, 10000))
        return false;
    input->frameBytes = (stream.rawBody().size() - bodyBefore) / events;
    input->streaming = subscriberBytes(http, streaming) - streamingBefore;
    input->idle = subscriberBytes(http, idle) - idleBefore;
    qInfo().noquote() << QStringLiteral("%1 events of %2 B: Redis pub/sub input of the "
                                        "streaming instance %3 B (%4 B/event), of the idle "
                                        "one %5 B")
                             .arg(events)
                             .arg(input->frameBytes)
                             .arg(input->streaming)
                             .arg(input->streaming / events)
                             .arg(input->idle);
    return true;
}

} // namespace testkit

#endif
