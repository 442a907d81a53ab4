#ifndef SSEBUF_SESSIONPRODUCER_H
#define SSEBUF_SESSIONPRODUCER_H

#include "core/eventdraft.h"

#include <QObject>

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
    // The session was cancelled (contract section 13): stops producing, more gently than
    // stop() where that matters. True when the producer is still winding down and emits
    // finished() once it is done (an exec process given its grace period).
    virtual bool cancel()
    {
        stop();
        return false;
    }

Q_SIGNALS:
    void eventProduced(const ssebuf::EventDraft &draft);
    // The producer will emit nothing more (after its terminal event, or on failure).
    void finished();
};

} // namespace ssebuf

#endif
