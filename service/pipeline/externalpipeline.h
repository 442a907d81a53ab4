#ifndef SSEBUF_EXTERNALPIPELINE_H
#define SSEBUF_EXTERNALPIPELINE_H

#include "pipeline.h"

namespace ssebuf {

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
