#ifndef SSEBUF_PIPELINE_H
#define SSEBUF_PIPELINE_H

#include "core/startrequest.h"
#include "sessionproducer.h"

#include <QObject>
#include <QString>

namespace ssebuf {

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

} // namespace ssebuf

#endif
