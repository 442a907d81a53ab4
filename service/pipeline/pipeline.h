#ifndef SSEBUF_PIPELINE_H
#define SSEBUF_PIPELINE_H

#include "core/startrequest.h"
#include "core/storedevent.h"

#include <QObject>
#include <QString>

namespace ssebuf {

// Produces the events of one session. Created by a Pipeline when the session starts,
// owned by the SessionManager, stopped when the session is deleted or the service stops.
class SessionProducer : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    virtual void start() = 0;
    // Stops producing; no eventProduced() is emitted afterwards.
    virtual void stop() = 0;

Q_SIGNALS:
    void eventProduced(const ssebuf::EventDraft &draft);
    // The producer will emit nothing more (after its terminal event, or on failure).
    void finished();
};

// What produces a session's events (contract section 8, --pipeline).
class Pipeline
{
public:
    virtual ~Pipeline() = default;
    virtual QString name() const = 0;
    // How many of its producers may run at once; 0: no limit (the producer is in-process).
    virtual int maxConcurrentProducers() const { return 0; }
    // A new producer for the session, or nullptr when events come only from the
    // publish API (external pipeline).
    virtual SessionProducer *createProducer(const QString &sessionId, const StartRequest &request,
                                            QObject *parent)
        = 0;
};

// --pipeline external: the publish API is the only producer.
class ExternalPipeline : public Pipeline
{
public:
    QString name() const override { return QStringLiteral("external"); }
    SessionProducer *createProducer(const QString &, const StartRequest &, QObject *) override
    {
        return nullptr;
    }
};

} // namespace ssebuf

#endif
